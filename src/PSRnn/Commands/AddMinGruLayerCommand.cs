using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a minGRU layer (Feng et al. 2024, "Were RNNs All We Needed?"): a GRU whose gates read
/// the current input only.</para>
/// <para type="description">h = (1 − z)⊙h₋₁ + z⊙h̃ with z = σ(x·W_z + b_z) and h̃ = g(x·W_h + b_h), g(x) = x + 0.5 for
/// x ≥ 0 and σ(x) below. No gate reads the previous state, so there is no recurrent kernel: the gates of every step
/// come from one matrix product, and the recurrence over time is element-wise. Training runs it as the paper's
/// log-space scan, prediction step by step (the two agree to rounding). Weights: kernel (inputs, 2·units), gate blocks
/// z then h, and bias (2·units). The state starts at zeros (or, in a stream and under -TruncatedBptt, where the last
/// chunk left it); a masked step keeps it, as in the other recurrent layers. Not a Keras layer: model files name it
/// MinGRU; it has no dropout, no -Bidirectional and no ONNX export (OnnxUnsupported).</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 28, 28 -Seed 1 | Add-MinGruLayer 128 -ReturnSequences | Add-MinGruLayer 128 |
///         Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>Two stacked minGRU layers over 28 rows of 28 pixels, the shape of sequential MNIST.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 3 | Add-MaskingLayer | Add-MinGruLayer 16 -GoBackwards | Add-DenseLayer 1
///   </code>
///   <para>A minGRU reading padded sequences of any length from their ends.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "MinGruLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddMinGruLayerCommand : AddMinRecurrentLayerCommandBase
{
    /// <inheritdoc />
    protected override MinRecurrentLayer CreateMinLayer() => new MinGru(Units, ReturnSequences, GoBackwards, UseBias, Name);
}
