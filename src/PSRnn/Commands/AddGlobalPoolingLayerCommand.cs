using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a layer that pools a sequence into one vector: the mean or the maximum over its steps (Keras
/// GlobalAveragePooling1D, GlobalMaxPooling1D).</para>
/// <para type="description">Turns (samples, steps, features) into (samples, features): -Mode Average (the default) takes
/// each feature's mean over the steps, -Mode Max its largest value. Under a mask (Add-MaskingLayer, or
/// Add-EmbeddingLayer -MaskZero) only the real steps count, so padding changes nothing; a sample with no real step
/// gives zeros. Put it after a recurrent layer with -ReturnSequences to classify from every step's output rather than
/// the last one. Keras's GlobalMaxPooling1D ignores a mask; this layer honours it for both modes.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 13 -Seed 1 | Add-MaskingLayer | Add-GruLayer 32 -ReturnSequences |
///         Add-GlobalPoolingLayer | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>A classifier that averages the GRU's outputs over each utterance's real frames.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 20, 4 | Add-LstmLayer 8 -ReturnSequences | Add-GlobalPoolingLayer -Mode Max | Add-DenseLayer 1
///   </code>
///   <para>The largest value each LSTM unit reaches over the sequence, then a regression head.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "GlobalPoolingLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddGlobalPoolingLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">Average (the mean over the real steps; Keras GlobalAveragePooling1D) or Max (the largest
    /// value; Keras GlobalMaxPooling1D).</para>
    /// </summary>
    [Parameter(Position = 0)]
    public GlobalPoolingMode Mode { get; set; } = GlobalPoolingMode.Average;

    /// <inheritdoc />
    protected override Layer CreateLayer() => new GlobalPooling1D(Mode, Name);
}
