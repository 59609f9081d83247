using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a normalization layer: each feature shifted and scaled inside the model (Keras Normalization).</para>
/// <para type="description">The layer computes (x − mean) / max(√variance, 1e-7) per feature (the last axis), as Keras's
/// Normalization does, from statistics it keeps as frozen weights in the model file: measure them on the training data
/// with Invoke-RnnAdapt (Keras's adapt()), or give -Mean and -Variance. A model that normalizes its own input predicts
/// from raw values, and the scaling cannot be forgotten at prediction time. Put it after Add-MaskingLayer (which must
/// be first): the mask is found on the raw padding, and Invoke-RnnAdapt leaves the masked steps out. -Invert maps
/// normalized values back (mean + x·√variance). Until adapted (or given statistics) the layer changes nothing.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor ([float[]](1..48)) -Shape 4, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 | Add-NormalizationLayer | Add-LstmLayer 8 | Add-DenseLayer 1
///     $model | Invoke-RnnAdapt -X $x
///   </code>
///   <para>A forecaster that scales its raw input itself, with the mean and variance of the training data.</para>
/// </example>
/// <example>
///   <code>
///     New-RnnModel -InputShape 0, 13 | Add-MaskingLayer | Add-NormalizationLayer -Mean $mean -Variance $variance | Add-LstmLayer 64
///   </code>
///   <para>Statistics measured elsewhere (13 values each), given directly; the padding is masked before it is scaled.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "NormalizationLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddNormalizationLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The per-feature mean (one value a feature), with -Variance; instead of Invoke-RnnAdapt.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public float[]? Mean { get; set; }

    /// <summary>
    /// <para type="description">The per-feature variance, with -Mean.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public float[]? Variance { get; set; }

    /// <summary>
    /// <para type="description">Map normalized values back to the data's scale (Keras's invert=True).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Invert { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer() => new Normalization(Invert.IsPresent, Name, Mean, Variance);
}
