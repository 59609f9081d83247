using System.Globalization;
using System.Text;
using PSRnn.Engine.Audio;

namespace PSRnn.Engine.Text;

/// <summary>
/// Keras's TextVectorization in int mode: standardize, split, n-grams, then one id a token — 0 the padding '', 1 the OOV
/// token, then the vocabulary. Immutable; built by <see cref="Adapt"/> (counts, as Keras's adapt) or <see cref="FromTokens"/>
/// (a fixed list, as Keras's vocabulary argument).
/// </summary>
/// <remarks>
/// The rules are Keras 3's (keras/src/layers/preprocessing/text_vectorization.py and index_lookup.py) over TensorFlow's
/// string ops: lowercasing is tf.strings.lower without an encoding, which lowercases ASCII A–Z only; punctuation is the
/// regex <c>[!"#$%&amp;()\*\+,-\./:;&lt;=&gt;?@\[\\\]^_`{|}~\']</c>, the 32 ASCII punctuation characters; whitespace split is
/// on runs of ASCII whitespace (space, \t, \n, \v, \f, \r); character split is per Unicode code point; n-grams are every
/// 1- to n-gram, widths in increasing order, joined by a space. The adapted vocabulary is ordered by count descending,
/// ties by the tokens' UTF-8 bytes descending (Keras's np.lexsort((tokens, counts))[::-1]), and keeps the first
/// max_tokens − 2.
/// </remarks>
public sealed class TextVocabulary
{
    /// <summary>The padding token, id 0.</summary>
    public const string PaddingToken = "";

    /// <summary>The padding id.</summary>
    public const int PaddingId = 0;

    /// <summary>The OOV id.</summary>
    public const int OovId = 1;

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    private TextVocabulary(TextVocabularyOptions options, string[] tokens)
    {
        Options = options;
        _tokens = tokens;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 2; i < tokens.Length; i++)
        {
            _ids[tokens[i]] = i;
        }
    }

    /// <summary>The settings.</summary>
    public TextVocabularyOptions Options { get; }

    /// <summary>How text is standardized.</summary>
    public TextStandardize Standardize => Options.Standardize;

    /// <summary>How text is split.</summary>
    public TextSplit Split => Options.Split;

    /// <summary>The n-gram width.</summary>
    public int NGrams => Options.NGrams;

    /// <summary>The size limit, or null.</summary>
    public int? MaxTokens => Options.MaxTokens;

    /// <summary>The OOV token (id 1).</summary>
    public string OovToken => Options.OovToken;

    /// <summary>Every token by id, as Keras's get_vocabulary(): '' (0), the OOV token (1), then the vocabulary.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The number of ids, padding and OOV included: the Embedding's input_dim.</summary>
    public int Count => _tokens.Length;

    /// <summary>Builds the vocabulary from <paramref name="texts"/>, as Keras's adapt().</summary>
    /// <exception cref="TextException">A bad setting, or no tokens in the texts (VocabularyEmpty).</exception>
    public static TextVocabulary Adapt(IEnumerable<string> texts, TextVocabularyOptions options)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        int rows = 0;
        foreach (string text in texts)
        {
            rows++;
            foreach (string token in Tokenize(text, options))
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
            }
        }

        // Keras removes the reserved tokens from the counts before ordering.
        counts.Remove(PaddingToken);
        counts.Remove(options.OovToken);
        if (counts.Count == 0)
        {
            throw new TextException("VocabularyEmpty", string.Create(CultureInfo.InvariantCulture,
                $"The {rows} text(s) give no tokens after standardizing and splitting, so the vocabulary would hold only '' and '{options.OovToken}'. Give texts with words in them, or -Standardize None."));
        }

        var entries = counts.Select(kv => (Token: kv.Key, kv.Value, Bytes: Encoding.UTF8.GetBytes(kv.Key))).ToList();
        entries.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : b.Bytes.AsSpan().SequenceCompareTo(a.Bytes));
        int keep = options.MaxTokens is { } max ? Math.Min(entries.Count, max - 2) : entries.Count;
        string[] tokens = new string[keep + 2];
        tokens[0] = PaddingToken;
        tokens[1] = options.OovToken;
        for (int i = 0; i < keep; i++)
        {
            tokens[i + 2] = entries[i].Token;
        }

        return new TextVocabulary(options, tokens);
    }

    /// <summary>
    /// A vocabulary of the given tokens in order (ids 2, 3, …), as Keras's vocabulary argument; a list that starts with
    /// '' and the OOV token has them taken as ids 0 and 1. Tokens are used as given, not standardized.
    /// </summary>
    /// <exception cref="TextException">Empty, repeated or reserved tokens, or more than max_tokens.</exception>
    public static TextVocabulary FromTokens(IEnumerable<string> tokens, TextVocabularyOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        List<string> list = [.. tokens];
        if (list.Count >= 2 && list[0] == PaddingToken && list[1] == options.OovToken)
        {
            list.RemoveRange(0, 2);
        }

        if (list.Count == 0)
        {
            throw new TextException("VocabularyEmpty", "-Vocabulary has no tokens besides the padding '' and the OOV token; give at least one.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < list.Count; i++)
        {
            string t = list[i] ?? throw new TextException("VocabularyReservedToken", string.Create(CultureInfo.InvariantCulture, $"-Vocabulary's token {i} is null."));
            if (t == PaddingToken || t == options.OovToken)
            {
                throw new TextException("VocabularyReservedToken", string.Create(CultureInfo.InvariantCulture,
                    $"-Vocabulary's token {i} is '{t}', which is reserved: '' is id 0 and '{options.OovToken}' id 1. Leave them out, or give them first, in that order."));
            }

            if (!seen.Add(t))
            {
                throw new TextException("VocabularyRepeatedToken", $"-Vocabulary has the token '{t}' more than once; each token needs one id.");
            }
        }

        if (options.MaxTokens is { } max && list.Count + 2 > max)
        {
            throw new TextException("VocabularyTooLarge", string.Create(CultureInfo.InvariantCulture,
                $"-Vocabulary gives {list.Count + 2} ids with '' and '{options.OovToken}', more than -MaxTokens {max}."));
        }

        return new TextVocabulary(options, [PaddingToken, options.OovToken, .. list]);
    }

    /// <summary>The text standardized by <paramref name="standardize"/>.</summary>
    public static string StandardizeText(string text, TextStandardize standardize)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool lower = standardize is TextStandardize.Lower or TextStandardize.LowerAndStripPunctuation;
        bool strip = standardize is TextStandardize.StripPunctuation or TextStandardize.LowerAndStripPunctuation;
        if (!lower && !strip)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        foreach (char ch in text)
        {
            if (strip && IsPunctuation(ch))
            {
                continue;
            }

            // ASCII only, as tf.strings.lower with no encoding (absl::AsciiStrToLower).
            sb.Append(lower && ch is >= 'A' and <= 'Z' ? (char)(ch + 32) : ch);
        }

        return sb.ToString();
    }

    /// <summary>The tokens of one text: standardized, split and made into n-grams.</summary>
    public static List<string> Tokenize(string text, TextVocabularyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string s = StandardizeText(text, options.Standardize);
        var parts = new List<string>();
        if (options.Split == TextSplit.Character)
        {
            foreach (Rune r in s.EnumerateRunes())
            {
                parts.Add(r.ToString());
            }
        }
        else
        {
            int start = -1;
            for (int i = 0; i <= s.Length; i++)
            {
                bool space = i == s.Length || IsAsciiWhitespace(s[i]);
                if (space && start >= 0)
                {
                    parts.Add(s[start..i]);
                    start = -1;
                }
                else if (!space && start < 0)
                {
                    start = i;
                }
            }
        }

        if (options.NGrams == 1)
        {
            return parts;
        }

        // tf.strings.ngrams with widths (1, …, n): all 1-grams, then all 2-grams, …, joined by a space.
        var grams = new List<string>(parts.Count * options.NGrams);
        for (int width = 1; width <= options.NGrams; width++)
        {
            for (int i = 0; i + width <= parts.Count; i++)
            {
                grams.Add(width == 1 ? parts[i] : string.Join(' ', parts.GetRange(i, width)));
            }
        }

        return grams;
    }

    /// <summary>The tokens of one text with this vocabulary's settings.</summary>
    public List<string> Tokenize(string text) => Tokenize(text, Options);

    /// <summary>The id of <paramref name="token"/>: its index, or 1 (OOV) when it is not in the vocabulary ('' is 0).</summary>
    public int IdOf(string token) => token.Length == 0 ? PaddingId : _ids.TryGetValue(token, out int id) ? id : OovId;

    /// <summary>
    /// Each text's ids in a row of <paramref name="length"/> (or the longest text's token count, at least 1): as Keras's
    /// output_sequence_length with <see cref="SequenceSide.Post"/> for both sides; padding id 0.
    /// </summary>
    /// <returns>The ids, row-major (texts × length), and the length used.</returns>
    public (long[] Ids, int Length) Encode(IReadOnlyList<string> texts, int? length, SequenceSide padding, SequenceSide truncating)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = new int[texts.Count][];
        int longest = 1;
        for (int i = 0; i < texts.Count; i++)
        {
            List<string> tokens = Tokenize(texts[i]);
            rows[i] = new int[tokens.Count];
            for (int t = 0; t < tokens.Count; t++)
            {
                rows[i][t] = IdOf(tokens[t]);
            }

            longest = Math.Max(longest, tokens.Count);
        }

        int steps = length ?? longest;
        long[] ids = new long[checked(texts.Count * steps)];
        for (int i = 0; i < rows.Length; i++)
        {
            int[] row = rows[i];
            int n = Math.Min(row.Length, steps);
            int from = truncating == SequenceSide.Pre ? row.Length - n : 0;
            int to = padding == SequenceSide.Pre ? steps - n : 0;
            for (int t = 0; t < n; t++)
            {
                ids[(i * steps) + to + t] = row[from + t];
            }
        }

        return (ids, steps);
    }

    /// <summary>The tokens of the ids, padding (0) left out.</summary>
    /// <exception cref="TextException">An id is not one of the vocabulary's (TokenIdOutOfRange).</exception>
    public List<string> Decode(ReadOnlySpan<long> ids)
    {
        var tokens = new List<string>(ids.Length);
        foreach (long id in ids)
        {
            if (id < 0 || id >= _tokens.Length)
            {
                throw new TextException("TokenIdOutOfRange", string.Create(CultureInfo.InvariantCulture,
                    $"Token id {id} is not in the vocabulary: ids run from 0 (padding) to {_tokens.Length - 1}."));
            }

            if (id != PaddingId)
            {
                tokens.Add(_tokens[id]);
            }
        }

        return tokens;
    }

    /// <summary>What goes between tokens when ids are turned back into text: a space, or nothing for character split.</summary>
    public string Separator => Split == TextSplit.Character && NGrams == 1 ? string.Empty : " ";

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"TextVocabulary({Count} tokens, {Standardize}, {Split})");

    /// <summary>Keras's punctuation class: the 32 ASCII punctuation characters of Python's string.punctuation.</summary>
    private static bool IsPunctuation(char ch) => ch < 128 && char.IsAsciiLetterOrDigit(ch) is false && ch > ' ' && ch != (char)127;

    private static bool IsAsciiWhitespace(char ch) => ch is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
