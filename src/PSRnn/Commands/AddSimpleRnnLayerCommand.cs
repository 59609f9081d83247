using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a fully connected recurrent layer (Keras SimpleRNN).</para>
/// <para type="description">Adds Keras's SimpleRNN: h = activation(x·kernel + h₋₁·recurrent_kernel + bias), with
/// kernel (inputs, units), recurrent_kernel (units, units) and bias (units); tanh by default.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 28, 28 | Add-SimpleRnnLayer 128 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A plain RNN reading an image row by row.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 12, 1 | Add-SimpleRnnLayer 8 -Activation relu -GoBackwards | Add-DenseLayer 1
///   </code>
///   <para>A ReLU RNN that reads the 12 steps last to first, with one linear output for regression.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "SimpleRnnLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddSimpleRnnLayerCommand : AddRecurrentLayerCommandBase
{
    /// <inheritdoc />
    protected override RecurrentLayer CreateRecurrentLayer(ActivationKind activation) =>
        new SimpleRnn(Units, ReturnSequences, GoBackwards, (float)Dropout, (float)RecurrentDropout, InnerName)
        {
            Activation = activation,
            UseBias = UseBias,
        };
}
