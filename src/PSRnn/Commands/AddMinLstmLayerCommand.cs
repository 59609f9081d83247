using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a minLSTM layer (Feng et al. 2024, "Were RNNs All We Needed?"): an LSTM whose forget and
/// input gates read the current input only and are normalized to sum to one.</para>
/// <para type="description">h = f′⊙h₋₁ + i′⊙h̃ with f = σ(x·W_f + b_f), i = σ(x·W_i + b_i), f′ = f/(f + i),
/// i′ = i/(f + i) and h̃ = g(x·W_h + b_h), g(x) = x + 0.5 for x ≥ 0 and σ(x) below; no output gate and no separate
/// cell state. As for Add-MinGruLayer, every step's gates come from one matrix product, training runs the paper's
/// log-space scan and prediction the step-by-step form. Weights: kernel (inputs, 3·units), gate blocks f, i, h, and
/// bias (3·units). The state starts at zeros (or where a stream's last chunk left it); a masked step keeps it.
/// Not a Keras layer: model files name it MinLSTM; it has no dropout, no -Bidirectional and no ONNX export.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 100, 40 -Seed 1 | Add-MinLstmLayer 64 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A minLSTM classifier over 100 frames of 40 features.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 1 | Add-MinLstmLayer 32 -ReturnSequences -KernelRegularizer l2:1e-4 | Add-DenseLayer 1
///   </code>
///   <para>A per-step forecaster with an L2 penalty on the kernel.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "MinLstmLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddMinLstmLayerCommand : AddMinRecurrentLayerCommandBase
{
    /// <inheritdoc />
    protected override MinRecurrentLayer CreateMinLayer() => new MinLstm(Units, ReturnSequences, GoBackwards, UseBias, Name);
}
