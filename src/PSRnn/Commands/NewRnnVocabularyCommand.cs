using System.Management.Automation;
using PSRnn.Engine.Text;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Builds a text vocabulary from strings, as Keras's TextVectorization adapt().</para>
/// <para type="description">Every string piped in (or given to -InputObject) is standardized, split into tokens and made
/// into n-grams, and the tokens are counted; the vocabulary is id 0 the padding '', id 1 the OOV token (-OovToken,
/// '[UNK]'), then the tokens by count, most frequent first, ties broken by the tokens' UTF-8 bytes in descending order
/// (as Keras). -MaxTokens caps the ids, the two reserved ones included. -Vocabulary gives a fixed token list instead
/// (used as given, not standardized; '' and the OOV token may come first).</para>
/// <para type="description">The rules are Keras 3's. -Standardize LowerAndStripPunctuation (default) lowercases, then
/// removes the 32 ASCII punctuation characters of Keras's regex [!"#$%&amp;()\*\+,-\./:;&lt;=&gt;?@\[\\\]^_`{|}~\'];
/// Lower and StripPunctuation do one of them, None neither. Lowercasing is ASCII only (A–Z), as TensorFlow's
/// tf.strings.lower that Keras calls: 'ÉCHEC' becomes 'Échec'; other punctuation (such as '…' or '«') stays. -Split
/// Whitespace (default) splits on runs of ASCII whitespace; Character makes every Unicode code point a token, spaces
/// included. -NGrams n adds every 2- to n-gram, joined by a space, after the single tokens. Input that is not a string
/// is refused (TextInputNotString); texts giving no tokens at all are refused (VocabularyEmpty), where Keras would keep
/// a vocabulary of only '' and '[UNK]'.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $v = 'foo bar', 'bar baz', 'baz bada boom' | New-RnnVocabulary
///     $v.Tokens
///   </code>
///   <para>Keras's documented example: '', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada' — bar and baz twice, the rest once, ties in descending order.</para>
/// </example>
/// <example>
///   <code>
///     $v = Get-Content ./app.log | New-RnnVocabulary -MaxTokens 5000
///     $ids = Get-Content ./app.log | ConvertTo-RnnTokenId -Vocabulary $v -SequenceLength 20
///   </code>
///   <para>A vocabulary of a log's 4,998 most frequent words, then each line as 20 token ids.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "RnnVocabulary", DefaultParameterSetName = AdaptSet)]
[OutputType(typeof(TextVocabulary))]
public sealed class NewRnnVocabularyCommand : PSCmdlet
{
    private const string AdaptSet = "Adapt";
    private const string FixedSet = "Fixed";
    private readonly List<string> _texts = [];

    /// <summary>
    /// <para type="description">The texts to count tokens in, one string each; from the pipeline too.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = AdaptSet)]
    [AllowEmptyString]
    [AllowNull]
    public object?[] InputObject { get; set; } = [];

    /// <summary>
    /// <para type="description">A fixed token list instead of counting (Keras's vocabulary argument): ids 2, 3, … in
    /// order; the tokens are used as given.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = FixedSet)]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public string[] Vocabulary { get; set; } = [];

    /// <summary>
    /// <para type="description">LowerAndStripPunctuation (default), Lower, StripPunctuation or None.</para>
    /// </summary>
    [Parameter]
    public TextStandardize Standardize { get; set; } = TextStandardize.LowerAndStripPunctuation;

    /// <summary>
    /// <para type="description">Whitespace (default: words) or Character (code points).</para>
    /// </summary>
    [Parameter]
    public TextSplit Split { get; set; } = TextSplit.Whitespace;

    /// <summary>
    /// <para type="description">Tokens are every 1- to n-gram of the split text, joined by a space (Keras's ngrams=n); 1 by default.</para>
    /// </summary>
    [Parameter]
    public int NGrams { get; set; } = 1;

    /// <summary>
    /// <para type="description">The most ids, padding and OOV included (Keras's max_tokens); 2 or more. No limit by default.</para>
    /// </summary>
    [Parameter]
    public int? MaxTokens { get; set; }

    /// <summary>
    /// <para type="description">The token of id 1, for every token not in the vocabulary; '[UNK]' by default.</para>
    /// </summary>
    [Parameter]
    [AllowEmptyString]
    public string OovToken { get; set; } = TextVocabularyOptions.DefaultOovToken;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == AdaptSet)
        {
            TextArguments.Gather(this, InputObject, _texts);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var options = new TextVocabularyOptions { Standardize = Standardize, Split = Split, NGrams = NGrams, MaxTokens = MaxTokens, OovToken = OovToken };
        try
        {
            WriteObject(ParameterSetName == FixedSet ? TextVocabulary.FromTokens(Vocabulary, options) : TextVocabulary.Adapt(_texts, options));
        }
        catch (TextException e)
        {
            ThrowTerminatingError(TextArguments.FromText(e, options));
        }
    }
}
