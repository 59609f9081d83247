using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Zeroes a stream's states: all its sequences, or one, as Keras's reset_states.</para>
/// <para type="description">Without -Index, every sequence's state (h, and c for LSTM, of every recurrent layer) goes
/// back to zeros and the stream's step count to 0: the next chunk starts new sequences. With -Index i, only sequence i
/// (row i of every chunk) starts again, as when one of several watched sources restarts; the others continue.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $stream = New-RnnModel -InputShape 0, 1 -Seed 1 | Add-GruLayer 3 | New-RnnStream -BatchSize 2
///     $null = Invoke-RnnPrediction -Stream $stream -X (ConvertTo-RnnTensor ([float[]] (1..6)) -Shape 2, 3, 1)
///     Reset-RnnStream -Stream $stream -Index 1 -PassThru | Get-RnnStreamState   # row 1 of gru.h is zeros
///   </code>
///   <para>Runs as written: sequence 1 starts again, sequence 0 keeps its state.</para>
/// </example>
/// <example>
///   <code>
///     $stream | Reset-RnnStream
///   </code>
///   <para>Starts every sequence of the stream again from zero states.</para>
/// </example>
[Cmdlet(VerbsCommon.Reset, "RnnStream", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RnnStream))]
public sealed class ResetRnnStreamCommand : StreamCommandBase
{
    /// <summary>
    /// <para type="description">Zeroes only this sequence (0-based row of the chunks); by default every sequence.</para>
    /// </summary>
    [Parameter(Position = 0)]
    public int? Index { get; set; }

    /// <summary>
    /// <para type="description">Returns the stream.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        string what = Index is { } i ? string.Create(CultureInfo.InvariantCulture, $"sequence {i}") : "every sequence";
        if (ShouldProcess($"stream of {Stream.Batch} sequence(s) through '{Stream.Model.Name}'", $"Reset {what}"))
        {
            try
            {
                if (Index is { } index)
                {
                    Stream.Reset(index);
                }
                else
                {
                    Stream.Reset();
                }
            }
            catch (ModelException e)
            {
                ThrowTerminatingError(Errors.FromModel(e, Index));
                return;
            }
        }

        if (PassThru)
        {
            WriteObject(Stream);
        }
    }
}
