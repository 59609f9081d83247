using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>The parameters SimpleRNN, LSTM and GRU share, as Keras names them, and -Bidirectional.</summary>
public abstract class AddRecurrentLayerCommandBase : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The size of the layer's state and output.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, 1 << 16)]
    public int Units { get; set; }

    /// <summary>
    /// <para type="description">The output activation (Keras activation; default tanh).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(ActivationCompleter))]
    public string Activation { get; set; } = "tanh";

    /// <summary>
    /// <para type="description">Returns the output at every step (batch, time, units) instead of only the last (batch, units);
    /// needed when another recurrent layer follows.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter ReturnSequences { get; set; }

    /// <summary>
    /// <para type="description">Processes the sequence from the last step to the first (Keras go_backwards).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter GoBackwards { get; set; }

    /// <summary>
    /// <para type="description">Wraps the layer in Keras's Bidirectional: a second copy reads the sequence backwards and the
    /// two outputs are merged as -MergeMode says (concatenated by default).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Bidirectional { get; set; }

    /// <summary>
    /// <para type="description">With -Bidirectional, how the two directions' outputs f and g merge (Keras's merge_mode):
    /// Concat [f, g] (2 × units features, the default), Sum f + g, Mul f × g, or Ave (f + g) / 2 (units features).</para>
    /// </summary>
    [Parameter]
    public BidirectionalMerge? MergeMode { get; set; }

    /// <summary>
    /// <para type="description">The fraction of the inputs dropped in training (Keras dropout), per sample, the same at every step.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, 0.99)]
    public double Dropout { get; set; }

    /// <summary>
    /// <para type="description">The fraction of the recurrent state dropped in training (Keras recurrent_dropout).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, 0.99)]
    public double RecurrentDropout { get; set; }

    /// <summary>
    /// <para type="description">Whether the layer has a bias (Keras use_bias; default true).</para>
    /// </summary>
    [Parameter]
    public bool UseBias { get; set; } = true;

    /// <summary>
    /// <para type="description">A penalty on the input kernel counted in the training loss (Keras's kernel_regularizer):
    /// l2:1e-4 (l2·Σw², no ½), l1:1e-5 (l1·Σ|w|) or l1_l2:1e-5,1e-4 (both).</para>
    /// </summary>
    [Parameter]
    [CommaJoined]
    public string? KernelRegularizer { get; set; }

    /// <summary>
    /// <para type="description">A penalty on the recurrent kernel (Keras's recurrent_regularizer), written as -KernelRegularizer.</para>
    /// </summary>
    [Parameter]
    [CommaJoined]
    public string? RecurrentRegularizer { get; set; }

    /// <summary>
    /// <para type="description">A penalty on the bias (Keras's bias_regularizer), written as -KernelRegularizer.</para>
    /// </summary>
    [Parameter]
    [CommaJoined]
    public string? BiasRegularizer { get; set; }

    /// <summary>Creates the one-direction layer.</summary>
    protected abstract RecurrentLayer CreateRecurrentLayer(ActivationKind activation);

    /// <inheritdoc />
    protected sealed override Layer CreateLayer()
    {
        RecurrentLayer layer = CreateRecurrentLayer(ActivationArgument.Parse(this, Activation, nameof(Activation)));
        RegularizerArgument.Apply(this, layer, "kernel", KernelRegularizer, nameof(KernelRegularizer));
        RegularizerArgument.Apply(this, layer, "recurrent_kernel", RecurrentRegularizer, nameof(RecurrentRegularizer));
        RegularizerArgument.Apply(this, layer, "bias", BiasRegularizer, nameof(BiasRegularizer));
        if (MergeMode is not null && !Bidirectional)
        {
            ThrowTerminatingError(Errors.Create("MergeModeWithoutBidirectional", ErrorCategory.InvalidArgument, MergeMode,
                "-MergeMode says how Bidirectional merges its two directions; add -Bidirectional, or leave -MergeMode out."));
        }

        if (!Bidirectional)
        {
            return layer;
        }

        return new Bidirectional(layer, Name, MergeMode ?? BidirectionalMerge.Concat);
    }

    /// <summary>The name for the inner layer: none when wrapped (the wrapper takes -Name).</summary>
    protected string? InnerName => Bidirectional ? null : Name;
}
