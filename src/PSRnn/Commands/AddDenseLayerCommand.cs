using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a fully connected layer (Keras Dense).</para>
/// <para type="description">Adds y = activation(x·kernel + bias) with kernel (inputs, units) and bias (units), Keras's
/// glorot_uniform and zeros initializers. After a layer that returns sequences it applies to every time step, as Keras
/// does on 3-D input. A softmax (or sigmoid) output is trained fused with its cross-entropy loss.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Add-DenseLayer -Units 10 -Activation softmax
///   </code>
///   <para>A 10-way classifier on top of the model.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $model = New-RnnModel -InputShape 20, 3 | Add-GruLayer 16 | Add-DenseLayer 1 -Activation sigmoid
///     $model
///   </code>
///   <para>A binary classifier: one sigmoid unit gives the probability of the positive class. The model prints its summary.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "DenseLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddDenseLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The number of outputs.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, 1 << 20)]
    public int Units { get; set; }

    /// <summary>
    /// <para type="description">The activation (Keras name; default linear).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(ActivationCompleter))]
    public string Activation { get; set; } = "linear";

    /// <summary>
    /// <para type="description">Whether the layer has a bias (default true).</para>
    /// </summary>
    [Parameter]
    public bool UseBias { get; set; } = true;

    /// <summary>
    /// <para type="description">A penalty on the kernel counted in the training loss (Keras's kernel_regularizer):
    /// l2:1e-4 (l2·Σw², no ½), l1:1e-5 (l1·Σ|w|) or l1_l2:1e-5,1e-4 (both).</para>
    /// </summary>
    [Parameter]
    [CommaJoined]
    public string? KernelRegularizer { get; set; }

    /// <summary>
    /// <para type="description">A penalty on the bias (Keras's bias_regularizer), written as -KernelRegularizer.</para>
    /// </summary>
    [Parameter]
    [CommaJoined]
    public string? BiasRegularizer { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer()
    {
        var layer = new Dense(Units, ActivationArgument.Parse(this, Activation, nameof(Activation)), UseBias, Name);
        RegularizerArgument.Apply(this, layer, "kernel", KernelRegularizer, nameof(KernelRegularizer));
        RegularizerArgument.Apply(this, layer, "bias", BiasRegularizer, nameof(BiasRegularizer));
        return layer;
    }
}
