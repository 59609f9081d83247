using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Text;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Turns strings into token ids with a vocabulary, as Keras's TextVectorization layer (int mode).</para>
/// <para type="description">Each string is standardized, split and made into n-grams by the vocabulary's settings
/// (New-RnnVocabulary), and each token becomes its id: 1 (the OOV token) when it is not in the vocabulary. The result
/// is an int64 tensor (strings, T) padded with id 0, for Add-EmbeddingLayer -MaskZero. T is -SequenceLength, or the
/// longest string's token count (at least 1). As Keras's output_sequence_length, padding and truncating are at the end
/// by default (-Padding Post, -Truncating Post: a long text keeps its first tokens); Pre puts the padding first or
/// keeps the last tokens.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $v = 'foo bar', 'bar baz', 'baz bada boom' | New-RnnVocabulary
///     'foo qux bar', 'qux baz' | ConvertTo-RnnTokenId -Vocabulary $v -SequenceLength 4
///   </code>
///   <para>Keras's documented example: [[4, 1, 3, 0], [1, 2, 0, 0]] — qux is out of the vocabulary (1), 0 pads.</para>
/// </example>
/// <example>
///   <code>
///     $x = $lines | ConvertTo-RnnTokenId -Vocabulary $v -SequenceLength 30 -Padding Pre -Truncating Pre
///   </code>
///   <para>Each line as its last 30 tokens, padded before.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "RnnTokenId")]
[OutputType(typeof(Tensor))]
public sealed class ConvertToRnnTokenIdCommand : PSCmdlet
{
    private readonly List<string> _texts = [];

    /// <summary>
    /// <para type="description">The strings; from the pipeline too.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowNull]
    public object?[] InputObject { get; set; } = [];

    /// <summary>
    /// <para type="description">The vocabulary from New-RnnVocabulary.</para>
    /// </summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public TextVocabulary Vocabulary { get; set; } = null!;

    /// <summary>
    /// <para type="description">The ids per string (Keras's output_sequence_length); by default the longest string's.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 24)]
    public int? SequenceLength { get; set; }

    /// <summary>
    /// <para type="description">Where the padding ids 0 go: Post (default, as Keras's TextVectorization) or Pre.</para>
    /// </summary>
    [Parameter]
    public SequenceSide Padding { get; set; } = SequenceSide.Post;

    /// <summary>
    /// <para type="description">Which end a long string loses: Post (default, keeps the first tokens, as Keras) or Pre.</para>
    /// </summary>
    [Parameter]
    public SequenceSide Truncating { get; set; } = SequenceSide.Post;

    /// <inheritdoc />
    protected override void ProcessRecord() => TextArguments.Gather(this, InputObject, _texts);

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        (long[] ids, int length) = Vocabulary.Encode(_texts, SequenceLength, Padding, Truncating);
        WriteObject(new Tensor(ids, _texts.Count, length));
    }
}
