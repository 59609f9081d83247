using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Runs a model as endless streams, chunk by chunk, as Keras's stateful=True or PyTorch's hx.</para>
/// <para type="description">Returns a stream that holds every recurrent layer's state (h, and c for LSTM) for
/// -BatchSize independent sequences, starting at zeros. Invoke-RnnPrediction -Stream feeds it the next chunk
/// (sequences, steps, features) of any number of steps and returns the outputs for that chunk: per step when the model
/// returns sequences, else the output after the chunk's last step. A sequence fed chunk by chunk gives the same outputs
/// as the whole sequence given at once, bit for bit. Reset-RnnStream zeroes the states, Get-RnnStreamState and
/// Set-RnnStreamState read and write them as named tensors (lstm.h, lstm.c, gru.h, ...), to save a stream and continue
/// it later or to seed it (Keras's initial_state). Steps masked by a Masking layer (all features equal to its mask
/// value) leave a sequence's state alone.</para>
/// <para type="description">The model must take any number of steps (New-RnnModel -InputShape 0, features) and have
/// at least one recurrent layer; a Bidirectional layer reads each sequence from its end, and a stream has none, so such
/// a model is refused (StreamBidirectional), and so is a layer with -GoBackwards (StreamGoBackwards). A stream runs with the model's current weights: training the model again
/// changes what later chunks give, not the states; adding layers makes the stream refuse (StreamModelChanged).</para>
/// <para type="description">A stream is not thread-safe: feed one stream, or streams of one model, from one thread at a
/// time (the model's workspaces are shared). Two streams of one model are independent: each has its own states.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 0, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 1
///     $stream = $model | New-RnnStream
///     $stream                                       # batch 1, 0 steps, states lstm.h, lstm.c
///   </code>
///   <para>Runs as written: a stream of one sequence through a small LSTM model.</para>
/// </example>
/// <example>
///   <code>
///     $stream = $model | New-RnnStream -BatchSize 4
///     while ($chunk = Get-NextSensorChunk) {         # (4, t, F): the next t steps of four sensors
///         $y = Invoke-RnnPrediction -Stream $stream -X $chunk
///     }
///   </code>
///   <para>Four sensors watched at once: each call takes the next steps of all four and remembers the rest.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "RnnStream")]
[OutputType(typeof(RnnStream))]
public sealed class NewRnnStreamCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The number of independent sequences the stream carries (default 1); every chunk has this
    /// many rows.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 20)]
    public int BatchSize { get; set; } = 1;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ModelData.RequireLayers(this, Model);
        RnnStream stream;
        try
        {
            // A go_backwards layer reads each chunk from its last step: chunk by chunk would not be the whole sequence.
            if (Model.Layers.FirstOrDefault(l => l is RecurrentLayer { GoBackwards: true } or MinRecurrentLayer { GoBackwards: true }) is { } backwards)
            {
                throw new ModelException("StreamGoBackwards",
                    $"Layer '{backwards.Name}' of model '{Model.Name}' has -GoBackwards: it reads each sequence from its end, and a stream has no end. Stream a model of forward layers only.");
            }

            stream = new RnnStream(Model, BatchSize);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        WriteObject(stream);
    }
}
