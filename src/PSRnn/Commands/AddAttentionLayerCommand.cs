using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a dot-product self-attention layer: each step becomes a weighted mean of the sequence's
/// steps (Keras Attention with query = value = the sequence).</para>
/// <para type="description">For each step i, the weights are the softmax over the steps j of x_i · x_j (times a learnt
/// scale with -UseScale), and the output is the weighted sum of the x_j: the layer lets every step look at the whole
/// sequence, as Keras's Attention()([x, x]) does. -Causal lets step i look only at steps up to i (Keras's
/// use_causal_mask), for models that must not see the future. Under a mask, padding steps get no weight and padding
/// queries output zeros, as in Keras. Put it after a recurrent layer with -ReturnSequences, and pool the result
/// (Add-GlobalPoolingLayer) or read it with another recurrent layer. Memory grows with steps × steps per sample.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 -Seed 1 | Add-MaskingLayer | Add-GruLayer 32 -ReturnSequences | Add-AttentionLayer -UseScale |
///         Add-GlobalPoolingLayer | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A classifier that attends over the GRU's outputs at every real frame, then averages them.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 1 | Add-LstmLayer 16 -ReturnSequences | Add-AttentionLayer -Causal | Add-DenseLayer 1
///   </code>
///   <para>A forecaster whose every step attends to the past only.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "AttentionLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddAttentionLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">Scales the scores by a learnt scalar (Keras's use_scale; it starts at 1).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter UseScale { get; set; }

    /// <summary>
    /// <para type="description">Step i attends only to steps 0..i (Keras's use_causal_mask).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Causal { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer() => new SelfAttention(UseScale, Causal, Name);
}
