using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a gated recurrent unit layer (Keras GRU).</para>
/// <para type="description">Adds Keras's GRU with gates in the order z, r, h: kernel (inputs, 3·units),
/// recurrent_kernel (units, 3·units). With -ResetAfter (the default, as Keras and PyTorch) the reset gate multiplies the
/// recurrent product and the bias is (2, 3·units): input bias and recurrent bias; -ResetAfter $false applies the reset
/// before the recurrent product, with one bias (3·units). h = z⊙h₋₁ + (1−z)⊙ĥ.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 100, 40 | Add-GruLayer 256 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A GRU classifier over 100 frames of 40 features.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 50, 8 | Add-GruLayer 32 -Bidirectional -ResetAfter $false | Add-DenseLayer 4 -Activation softmax
///   </code>
///   <para>A bidirectional GRU with Keras's older reset_after=False gate (bias of shape (3·units)).</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "GruLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddGruLayerCommand : AddRecurrentLayerCommandBase
{
    /// <summary>
    /// <para type="description">The activation of the z and r gates: sigmoid (default) or hard_sigmoid.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(GateActivationCompleter))]
    public string RecurrentActivation { get; set; } = "sigmoid";

    /// <summary>
    /// <para type="description">Applies the reset gate after the recurrent product (Keras reset_after; default true).</para>
    /// </summary>
    [Parameter]
    public bool ResetAfter { get; set; } = true;

    /// <inheritdoc />
    protected override RecurrentLayer CreateRecurrentLayer(ActivationKind activation) =>
        new Gru(Units, ReturnSequences, GoBackwards, (float)Dropout, (float)RecurrentDropout, ResetAfter, InnerName)
        {
            Activation = activation,
            RecurrentActivation = ActivationArgument.Parse(this, RecurrentActivation, nameof(RecurrentActivation)),
            UseBias = UseBias,
        };
}
