using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a layer normalization layer: each step's features rescaled to zero mean and unit variance,
/// then by a learnt gain and offset (Keras LayerNormalization).</para>
/// <para type="description">Normalizes the features of every time step (or vector) on its own, in training and
/// prediction alike: y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, with gamma (ones at first) and beta
/// (zeros) trained like any weight. Between stacked recurrent layers it keeps activations in range and often speeds up
/// training. -Epsilon is Keras's default 1e-3 (PyTorch's nn.LayerNorm uses 1e-5); -Center $false drops beta, -Scale
/// $false drops gamma. A mask passes through unchanged. Unlike Add-NormalizationLayer, which learns fixed statistics of
/// the data with Invoke-RnnAdapt, this layer computes them from each step as it goes.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 -Seed 1 | Add-LstmLayer 32 -ReturnSequences | Add-LayerNormalizationLayer |
///         Add-LstmLayer 32 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>Two stacked LSTMs with the first one's outputs normalized at every step.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 30, 4 | Add-LayerNormalizationLayer -Epsilon 1e-5 -Center $false | Add-GruLayer 8
///   </code>
///   <para>PyTorch's epsilon, and a gain without an offset.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "LayerNormalizationLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddLayerNormalizationLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">Added to the variance before the square root (Keras's epsilon); 1e-3 by default.</para>
    /// </summary>
    [Parameter]
    public double Epsilon { get; set; } = 1e-3;

    /// <summary>
    /// <para type="description">Whether the layer adds a learnt offset beta (Keras's center; default true).</para>
    /// </summary>
    [Parameter]
    public bool Center { get; set; } = true;

    /// <summary>
    /// <para type="description">Whether the layer multiplies by a learnt gain gamma (Keras's scale; default true).</para>
    /// </summary>
    [Parameter]
    public bool Scale { get; set; } = true;

    /// <inheritdoc />
    protected override Layer CreateLayer()
    {
        if (!(Epsilon > 0) || double.IsInfinity(Epsilon) || (float)Epsilon == 0f)
        {
            ThrowTerminatingError(Errors.Create("LayerNormalizationEpsilon", ErrorCategory.InvalidArgument, Epsilon,
                "-Epsilon must be a positive number (Keras's default 1e-3, PyTorch's 1e-5): it keeps the division finite when a step's features are all equal."));
        }

        return new LayerNormalization((float)Epsilon, Center, Scale, Name);
    }
}
