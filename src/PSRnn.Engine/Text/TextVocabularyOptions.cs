using System.Globalization;

namespace PSRnn.Engine.Text;

/// <summary>The settings of a <see cref="TextVocabulary"/>: Keras TextVectorization's standardize, split, ngrams, max_tokens and OOV token.</summary>
public sealed record TextVocabularyOptions
{
    /// <summary>The OOV token Keras uses.</summary>
    public const string DefaultOovToken = "[UNK]";

    /// <summary>The largest <see cref="NGrams"/> accepted.</summary>
    public const int MaxNGrams = 16;

    /// <summary>How text is standardized before splitting.</summary>
    public TextStandardize Standardize { get; init; } = TextStandardize.LowerAndStripPunctuation;

    /// <summary>How standardized text is split into tokens.</summary>
    public TextSplit Split { get; init; } = TextSplit.Whitespace;

    /// <summary>Keras's ngrams as an integer: the tokens are every n-gram of 1 to NGrams tokens, joined by a space; 1 is plain tokens.</summary>
    public int NGrams { get; init; } = 1;

    /// <summary>The most entries, the padding '' and the OOV token included (Keras's max_tokens), or null for no limit.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>The token of id 1, for everything not in the vocabulary.</summary>
    public string OovToken { get; init; } = DefaultOovToken;

    /// <summary>Throws <see cref="TextException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        if (MaxTokens is { } max && max < 2)
        {
            throw new TextException("VocabularyMaxTokensTooSmall",
                string.Create(c, $"-MaxTokens {max}: the vocabulary holds the padding '' (id 0) and the OOV token (id 1) first, so give 2 or more (Keras: max_tokens must be greater than 1)."));
        }

        if (NGrams < 1 || NGrams > MaxNGrams)
        {
            throw new TextException("VocabularyBadNGrams", string.Create(c, $"-NGrams {NGrams}: give 1 (plain tokens) to {MaxNGrams}."));
        }

        if (string.IsNullOrEmpty(OovToken))
        {
            throw new TextException("VocabularyBadOovToken", "The OOV token cannot be empty: '' is the padding token (id 0).");
        }

        if (!Enum.IsDefined(Standardize) || !Enum.IsDefined(Split))
        {
            throw new TextException("VocabularyBadSetting", "Unknown -Standardize or -Split value.");
        }
    }
}
