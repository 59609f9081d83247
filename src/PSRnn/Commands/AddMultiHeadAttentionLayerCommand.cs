using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a multi-head self-attention layer (Keras MultiHeadAttention with query = key = value = the
/// sequence).</para>
/// <para type="description">Each of -Heads heads projects every step to a query and a key of -KeyDim values and a value
/// of -ValueDim values (default -KeyDim), weighs the steps by the softmax of query · key / √KeyDim, and sums their
/// values; the heads' results are projected back to the input's features (or -OutputSize): Keras's
/// MultiHeadAttention()(x, x), with its weights (query, key, value and attention_output kernels and biases) in Keras's
/// shapes. -Causal lets step i look only at steps up to i (Keras's use_causal_mask). Under a mask, padding steps get no
/// attention and the mask passes on, as in Keras. Put it after a recurrent layer with -ReturnSequences or a Conv1D front
/// end, and pool the result (Add-GlobalPoolingLayer) or read it with another recurrent layer. Memory grows with heads ×
/// steps × steps per sample.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 -Seed 1 | Add-MaskingLayer | Add-GruLayer 32 -ReturnSequences |
///         Add-MultiHeadAttentionLayer -Heads 4 -KeyDim 8 | Add-GlobalPoolingLayer | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A classifier whose every real frame attends to the others through four heads, then averaged.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 1 | Add-LstmLayer 16 -ReturnSequences | Add-MultiHeadAttentionLayer 2 8 -Causal -UseBias $false | Add-DenseLayer 1
///   </code>
///   <para>A forecaster whose every step attends to the past only, with two heads and no biases.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "MultiHeadAttentionLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddMultiHeadAttentionLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The number of attention heads (Keras's num_heads).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, 1 << 12)]
    public int Heads { get; set; }

    /// <summary>
    /// <para type="description">The size of each head's queries and keys (Keras's key_dim).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, 1 << 16)]
    public int KeyDim { get; set; }

    /// <summary>
    /// <para type="description">The size of each head's values (Keras's value_dim; default -KeyDim).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 16)]
    public int ValueDim { get; set; }

    /// <summary>
    /// <para type="description">The output's features (Keras's output_shape; default the input's features).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 20)]
    public int OutputSize { get; set; }

    /// <summary>
    /// <para type="description">Whether the four projections have biases (default true).</para>
    /// </summary>
    [Parameter]
    public bool UseBias { get; set; } = true;

    /// <summary>
    /// <para type="description">Step i attends only to steps 0..i (Keras's use_causal_mask).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Causal { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer() => new MultiHeadAttention(Heads, KeyDim,
        MyInvocation.BoundParameters.ContainsKey(nameof(ValueDim)) ? ValueDim : null, UseBias, Causal,
        MyInvocation.BoundParameters.ContainsKey(nameof(OutputSize)) ? OutputSize : null, Name);
}
