using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>The parameters minGRU and minLSTM share: units, return_sequences, go_backwards, the bias and the regularizers.</summary>
public abstract class AddMinRecurrentLayerCommandBase : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The size of the layer's state and output.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, 1 << 16)]
    public int Units { get; set; }

    /// <summary>
    /// <para type="description">Returns the output at every step (batch, time, units) instead of only the last (batch, units);
    /// needed when another recurrent layer follows.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter ReturnSequences { get; set; }

    /// <summary>
    /// <para type="description">Processes the sequence from the last step to the first (as Keras's go_backwards; a returned
    /// sequence is in that order).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter GoBackwards { get; set; }

    /// <summary>
    /// <para type="description">Whether the gate projections have a bias (default true).</para>
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

    /// <summary>Creates the layer from the shared settings.</summary>
    protected abstract MinRecurrentLayer CreateMinLayer();

    /// <inheritdoc />
    protected sealed override Layer CreateLayer()
    {
        MinRecurrentLayer layer = CreateMinLayer();
        RegularizerArgument.Apply(this, layer, "kernel", KernelRegularizer, nameof(KernelRegularizer));
        RegularizerArgument.Apply(this, layer, "bias", BiasRegularizer, nameof(BiasRegularizer));
        return layer;
    }
}
