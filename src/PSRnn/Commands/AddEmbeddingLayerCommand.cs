using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a token embedding as the first layer (Keras Embedding).</para>
/// <para type="description">Turns each token id (0 to InputDim − 1) into a learned vector of OutputDim values, so a
/// sample of T token ids becomes a (T, OutputDim) sequence for the recurrent layers after it. It must be the model's
/// first layer; create the model with -InputShape set to the sequence length. With -MaskZero, id 0 is padding that
/// the layers after it skip (Keras's mask_zero).</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 100 | Add-EmbeddingLayer -InputDim 65 -OutputDim 64 | Add-LstmLayer 512 -ReturnSequences
///   </code>
///   <para>A character model: 65 symbols, 64-wide embeddings, 100 characters per sample.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 50 -Seed 1 | Add-EmbeddingLayer 1000 32 | Add-GruLayer 32 | Add-DenseLayer 1 -Activation sigmoid
///   </code>
///   <para>A text classifier over 50 token ids from a 1,000-word vocabulary: the ids go in as (samples, 50) integers.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $ids = ConvertTo-RnnSequenceBatch -InputObject @(@(4, 8, 15), @(16, 23), @(42)) -MaxLength 3
///     $model = New-RnnModel -InputShape 3, 1 -Seed 1 | Add-EmbeddingLayer 50 8 -MaskZero | Add-LstmLayer 8 | Add-DenseLayer 1
///     ($model | Invoke-RnnPrediction -X $ids).Shape
///   </code>
///   <para>Token sequences of different lengths padded before with id 0, which the embedding masks: the LSTM reads only
///   the real tokens. The padded batch is (3, 3, 1), so the model takes -InputShape 3, 1.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "EmbeddingLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddEmbeddingLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The vocabulary size: token ids run from 0 to InputDim − 1.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, int.MaxValue)]
    public int InputDim { get; set; }

    /// <summary>
    /// <para type="description">The length of each token's vector.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, 1 << 16)]
    public int OutputDim { get; set; }

    /// <summary>
    /// <para type="description">Treats token id 0 as padding (Keras's mask_zero): the layers after the embedding skip
    /// those steps, and the loss and metrics leave them out. Id 0 is then reserved, so -InputDim is the vocabulary size
    /// plus one. Pad token sequences with 0 (ConvertTo-RnnSequenceBatch's default -Value).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter MaskZero { get; set; }

    /// <summary>
    /// <para type="description">A penalty on the embedding matrix counted in the training loss (Keras's
    /// embeddings_regularizer): l2:1e-4 (l2·Σw², no ½), l1:1e-5 (l1·Σ|w|) or l1_l2:1e-5,1e-4 (both).</para>
    /// </summary>
    [Parameter]
    [CommaJoined]
    public string? EmbeddingsRegularizer { get; set; }

    /// <inheritdoc />
    protected override Layer CreateLayer()
    {
        var layer = new Embedding(InputDim, OutputDim, Name) { MaskZero = MaskZero.IsPresent };
        RegularizerArgument.Apply(this, layer, "embeddings", EmbeddingsRegularizer, nameof(EmbeddingsRegularizer));
        return layer;
    }
}
