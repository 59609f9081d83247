using System.Collections.Specialized;
using System.Management.Automation;
using PSRnn.Engine.Interpretation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;
using PSRnn.Models;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Returns what one layer of a model computes for samples: its output and, for a recurrent layer,
/// every step's state and gates.</para>
/// <para type="description">Runs the model up to -Layer (an index, 0 the first and negative from the end, or a name) in
/// inference mode (no dropout) and returns one RnnActivation: Output, the layer's output as the next layer receives it
/// (as Keras's Model(inputs, layer.output) gives it), and Gates, named float32 tensors (samples, time steps, units):
/// h, every step's output state (also when the layer returns only its last), and for an LSTM i, f, g, o (the input,
/// forget and output gates and g the candidate cell c̃ = tanh(z_c), PyTorch's names) and c, the cell state; for a GRU
/// z (update), r (reset) and n (the candidate h̃, PyTorch's name), each after its activation. A Bidirectional layer's
/// are forward_… and backward_…. Step t is the step that read input step t, for the backward direction too. At a
/// padding step (a Masking layer's) h and c hold the state carried over and the gates are 0. The gates are the values
/// the forward pass itself computed, not a second computation. Other layers give their Output only.
/// Export-RnnActivationPlot draws the gate traces.</para>
/// </summary>
/// <example>
///   <code>
///     $act = $model | Get-RnnActivation -X $xTest[0] -Layer lstm
///     $act.Gates.f.GetValue(0, 10, 2)
///   </code>
///   <para>The forget gate of unit 2 of the LSTM layer at step 10 of the first test sample.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 3 -Activation softmax
///     $act = $model | Get-RnnActivation -X $x -Layer 0
///     $act.Gates.Keys            # h, i, f, g, o, c
///     $act.Gates.c.Shape         # 8, 6, 4
///   </code>
///   <para>Runs as written: every step's gates and cell state of an (untrained) LSTM for eight sequences.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "RnnActivation")]
[OutputType(typeof(RnnActivation))]
public sealed class GetRnnActivationCommand : ModelInputCommandBase
{
    /// <summary>
    /// <para type="description">The layer: an index (0 is the first; negative counts from the end) or a name.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(LayerCompleter))]
    [ValidateNotNull]
    public object Layer { get; set; } = null!;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ModelData.RequireLayers(this, Model);
        int index;
        try
        {
            index = Model.Layers.ToList().IndexOf(Model.GetLayer(TensorArgument.Unwrap(Layer)!));
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Layer));
            return;
        }

        Dataset data = ModelData.Create(this, Model, X, null);
        LayerActivationResult result;
        try
        {
            using ComputeThreads.Scope threads = ComputeThreads.Use(ThreadCount);
            result = LayerActivations.Compute(Model, data, index, BatchSize);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, X));
            return;
        }

        var gates = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        for (int k = 0; k < result.Names.Count; k++)
        {
            gates[result.Names[k]] = new Tensor(result.Values[k], result.Count, result.Time, result.Values[k].Length / Math.Max(1, result.Count * result.Time)) { Name = result.Names[k] };
        }

        WriteObject(new RnnActivation(result.LayerName, index, new Tensor(result.Output, result.OutputShape), gates, StepTime.Of(Model)));
    }
}
