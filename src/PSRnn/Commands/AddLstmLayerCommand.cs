using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a long short-term memory layer (Keras LSTM).</para>
/// <para type="description">Adds Keras's LSTM: kernel (inputs, 4·units), recurrent_kernel (units, 4·units) and bias
/// (4·units), gates in the order i, f, c, o; glorot_uniform, orthogonal and zero initializers with the forget-gate bias
/// starting at 1 (unit_forget_bias). It takes sequences (samples, time steps, features) and returns the last state, or
/// every step's output with -ReturnSequences (needed before another recurrent layer). -Bidirectional reads the sequence
/// both ways and concatenates the two outputs. -ProjectionSize p is PyTorch's proj_size: h = W_hr·(o⊙tanh(c)) has p
/// values (fewer than the units), the recurrent kernel is (p, 4·units), and the layer's output is p wide.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 100, 13 | Add-LstmLayer 128 -ReturnSequences | Add-LstmLayer 128 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>Keras's LSTM(128, return_sequences=True) → LSTM(128) → Dense(10, softmax).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 | Add-LstmLayer 64 -Bidirectional -Dropout 0.2 -RecurrentDropout 0.1 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>Any number of time steps (0), a bidirectional LSTM with input and recurrent dropout.</para>
/// </example>
/// <example>
///   <code>
///     New-RnnModel -InputShape 0, 40 | Add-LstmLayer 512 -ProjectionSize 128 -ReturnSequences | Add-DenseLayer 30 -Activation softmax
///   </code>
///   <para>PyTorch's nn.LSTM(40, 512, proj_size=128): a 512-unit cell whose output and recurrent state are projected to 128.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "LstmLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddLstmLayerCommand : AddRecurrentLayerCommandBase
{
    /// <summary>
    /// <para type="description">The activation of the i, f and o gates: sigmoid (default) or hard_sigmoid.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(GateActivationCompleter))]
    public string RecurrentActivation { get; set; } = "sigmoid";

    /// <summary>
    /// <para type="description">Starts the forget-gate bias at 1 (Keras unit_forget_bias; default true).</para>
    /// </summary>
    [Parameter]
    public bool UnitForgetBias { get; set; } = true;

    /// <summary>
    /// <para type="description">PyTorch's proj_size: projects h to this many values (1 to units − 1) with a weight_hr
    /// (units, p); 0, the default, for Keras's LSTM without a projection. The ONNX LSTM operator has no projection, so
    /// such a layer exports only in PSRnn's own format.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 1 << 16)]
    public int ProjectionSize { get; set; }

    /// <inheritdoc />
    protected override RecurrentLayer CreateRecurrentLayer(ActivationKind activation) =>
        new Lstm(Units, ReturnSequences, GoBackwards, (float)Dropout, (float)RecurrentDropout, InnerName)
        {
            Activation = activation,
            RecurrentActivation = ActivationArgument.Parse(this, RecurrentActivation, nameof(RecurrentActivation)),
            UnitForgetBias = UnitForgetBias,
            UseBias = UseBias,
            ProjectionSize = ProjectionSize,
        };
}
