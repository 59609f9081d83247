using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds an independently recurrent layer (IndRNN, Li et al., 2018).</para>
/// <para type="description">Adds IndRNN: h = activation(x·kernel + recurrent_kernel ⊙ h₋₁ + bias), with kernel
/// (inputs, units), an element-wise recurrent_kernel (units) — each unit reads only its own previous state — and bias
/// (units). The paper uses relu; tanh is the default here, as for the other recurrent layers. -RecurrentMax bounds
/// |recurrent_kernel| after every optimizer update (the paper's 2^(1/T) keeps a ReLU IndRNN's memory of T steps from
/// exploding); the recurrent weights start uniform in [0, 1], clipped to the bound. It takes sequences (samples, time
/// steps, features) and returns the last state, or every step's output with -ReturnSequences. Exports to ONNX as an
/// RNN operator whose recurrence matrix is diagonal (it reads back as that SimpleRNN).</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 | Add-IndRnnLayer 64 -Activation relu -RecurrentMax ([math]::Pow(2, 1 / 100)) -ReturnSequences | Add-IndRnnLayer 64 -Activation relu | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>Two ReLU IndRNN layers with the paper's bound for a memory of 100 steps.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 28, 28 | Add-IndRnnLayer 32 -Bidirectional | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A bidirectional tanh IndRNN reading an image row by row.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "IndRnnLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddIndRnnLayerCommand : AddRecurrentLayerCommandBase
{
    /// <summary>
    /// <para type="description">The largest |u| the recurrent weights may take, applied after every update (a positive
    /// number); leave it out for no bound.</para>
    /// </summary>
    [Parameter]
    public double? RecurrentMax { get; set; }

    /// <inheritdoc />
    protected override RecurrentLayer CreateRecurrentLayer(ActivationKind activation) =>
        new IndRnn(Units, ReturnSequences, GoBackwards, (float)Dropout, (float)RecurrentDropout, InnerName)
        {
            Activation = activation,
            UseBias = UseBias,
            RecurrentMax = RecurrentMax is double max ? (float)max : null,
        };
}
