using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Sets one of a model's weights, as Keras's layer.set_weights.</para>
/// <para type="description">Replaces the weight -Name of layer -Layer with -Value, which must have the weight's Keras
/// shape exactly (from Keras unchanged; from PyTorch transpose weight_ih and weight_hh, and add bias_ih and bias_hh).
/// Values are converted to float32; a warning says how many were rounded.</para>
/// </summary>
/// <example>
///   <code>
///     Set-RnnLayerWeight -Model $model -Layer 0 -Name recurrent_kernel -Value (Import-NpyData ./lstm_recurrent_kernel.npy)
///   </code>
///   <para>Loads a recurrent kernel saved from Keras with np.save(path, layer.get_weights()[1]).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 4, 2 | Add-SimpleRnnLayer 3
///     $model | Set-RnnLayerWeight -Layer 0 -Name bias -Value ([float[]] (0.1, 0.2, 0.3)) -PassThru | Out-Null
///     (Get-RnnLayerWeight -Model $model -Layer 0 -Name bias).Data
///   </code>
///   <para>Runs as written: sets a bias from an array and reads it back.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "RnnLayerWeight", SupportsShouldProcess = true)]
[OutputType(typeof(Sequential))]
public sealed class SetRnnLayerWeightCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The layer: an index (0 is the first; negative counts from the end) or a name.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(LayerCompleter))]
    [ValidateNotNull]
    public object Layer { get; set; } = null!;

    /// <summary>
    /// <para type="description">The weight's Keras name (kernel, recurrent_kernel, bias, embeddings, forward.kernel, …).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(WeightNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>
    /// <para type="description">The new values, of the weight's shape: a tensor or an array.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 2)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor Value { get; set; } = null!;

    /// <summary>
    /// <para type="description">Passes the model on.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Layer layer;
        try
        {
            layer = Model.GetLayer(TensorArgument.Unwrap(Layer)!);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Layer));
            return;
        }

        IReadOnlyList<string> names = layer.ParameterNames;
        int index = names.ToList().FindIndex(n => string.Equals(n, Name, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            ThrowTerminatingError(Errors.FromModel(new ModelException("WeightNotFound",
                $"Layer '{layer.Name}' has no weight named '{Name}'. Its weights: {string.Join(", ", names)}."), Name));
        }

        Parameter p = layer.Parameters[index];
        if (!Value.Shape.SequenceEqual(p.Shape))
        {
            ThrowTerminatingError(Errors.FromModel(new ModelException("WeightShapeMismatch",
                $"Weight '{names[index]}' of layer '{layer.Name}' has shape {Tensor.FormatShape([.. p.Shape])}, but the value has shape {Value.ShapeText}."), Value));
        }

        float[] values = Value.ToSingleArray(out long inexact);
        if (!ShouldProcess($"{layer.Name}.{names[index]}", "Set weight"))
        {
            return;
        }

        if (inexact > 0)
        {
            WriteWarning($"{inexact} of {values.Length} values were rounded converting to float32.");
        }

        values.CopyTo(p.Value, 0);
        p.MarkChanged();
        if (PassThru)
        {
            WriteObject(Model);
        }
    }
}
