using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Measures a normalization layer's mean and variance on data (Keras's adapt()).</para>
/// <para type="description">Runs -X through the layers before the model's Normalization layer (its first one, or
/// -Layer by name or index) and sets that layer's per-feature mean and variance (population variance, as Keras's adapt:
/// NumPy's var with ddof 0), summed in double over every real step: steps a Masking layer before it masks are left out.
/// The statistics are frozen weights: training does not change them and the model file keeps them. Call it once, on
/// the training data, before Invoke-RnnTraining. The model is passed on.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor ([float[]](1..48)) -Shape 4, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 | Add-NormalizationLayer | Add-GruLayer 8 | Add-DenseLayer 1
///     $model | Invoke-RnnAdapt -X $x | Get-RnnLayerWeight -Layer 0
///   </code>
///   <para>The layer's mean (24, 25) and variance of each of the two features.</para>
/// </example>
/// <example>
///   <code>
///     $model = New-RnnModel -InputShape 0, 13 | Add-MaskingLayer | Add-NormalizationLayer | Add-LstmLayer 64 | Add-DenseLayer 10 -Activation softmax
///     $model | Invoke-RnnAdapt -X $xTrain | Invoke-RnnTraining -X $xTrain -Y $yTrain -Epochs 10
///   </code>
///   <para>Padded feature sequences: the statistics leave the padding out; then training on the raw features.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "RnnAdapt")]
[OutputType(typeof(Sequential))]
public sealed class InvokeRnnAdaptCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model; it comes from the pipeline and is passed on.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The data, as the model's input: (N, T, F) or (N, F), any numeric dtype.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [TensorTransformation]
    public Tensor X { get; set; } = null!;

    /// <summary>
    /// <para type="description">The Normalization layer, by name or index; the model's first one by default.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? Layer { get; set; }

    /// <summary>
    /// <para type="description">Samples a pass through the layers before it; 256 by default.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 20)]
    public int BatchSize { get; set; } = 256;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Normalization layer = Find();
        try
        {
            Dataset data = Dataset.Create(X, null, Model);
            NormalizationAdapter.Adapt(Model, layer, data, BatchSize);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, X));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("AdaptDataInvalid", ErrorCategory.InvalidData, X, $"Cannot adapt layer '{layer.Name}': {Errors.Describe(e)}", e));
        }

        WriteObject(Model);
    }

    private Normalization Find()
    {
        object? key = TensorArgument.Unwrap(Layer);
        Normalization? found = null;
        try
        {
            // The model's own lookup (index, negative from the end, or name), as Get-RnnLayerWeight's -Layer.
            found = key is null ? Model.Layers.OfType<Normalization>().FirstOrDefault() : Model.GetLayer(key) as Normalization;
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Layer));
        }

        if (found is null)
        {
            ThrowTerminatingError(Errors.Create("AdaptLayerNotNormalization", ErrorCategory.InvalidArgument, Layer,
                key is null ? "The model has no Normalization layer: add one with Add-NormalizationLayer." : $"Layer {key} is not a Normalization layer."));
        }

        return found!;
    }
}
