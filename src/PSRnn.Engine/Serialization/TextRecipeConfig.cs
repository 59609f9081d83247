using System.Text.Json;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Text;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// The <c>text_recipe</c> metadata entry of a model file: a <see cref="TextRecipe"/> as JSON with Keras's names and values
/// (standardize lower_and_strip_punctuation | lower | strip_punctuation | null, split whitespace | character, ngrams,
/// max_tokens, oov_token, vocabulary as get_vocabulary() with '' and the OOV token first, output_sequence_length), and
/// PSRnn's padding, truncating and classes. Files without it load with no recipe.
/// </summary>
internal static class TextRecipeConfig
{
    /// <summary>The metadata key.</summary>
    public const string Key = "text_recipe";

    private const string Where = Key;

    private static readonly (TextStandardize Value, string? Name)[] Standardizes =
    [
        (TextStandardize.LowerAndStripPunctuation, "lower_and_strip_punctuation"),
        (TextStandardize.Lower, "lower"),
        (TextStandardize.StripPunctuation, "strip_punctuation"),
        (TextStandardize.None, null),
    ];

    public static void Write(Utf8JsonWriter w, TextRecipe recipe)
    {
        TextVocabulary v = recipe.Vocabulary;
        w.WriteStartObject();
        string? standardize = Standardizes.First(s => s.Value == v.Standardize).Name;
        if (standardize is null)
        {
            w.WriteNull("standardize");
        }
        else
        {
            w.WriteString("standardize", standardize);
        }

        w.WriteString("split", v.Split == TextSplit.Character ? "character" : "whitespace");
        w.WriteNumber("ngrams", v.NGrams);
        if (v.MaxTokens is int max)
        {
            w.WriteNumber("max_tokens", max);
        }
        else
        {
            w.WriteNull("max_tokens");
        }

        w.WriteString("oov_token", v.OovToken);
        w.WriteStartArray("vocabulary");
        foreach (string t in v.Tokens)
        {
            w.WriteStringValue(t);
        }

        w.WriteEndArray();
        if (recipe.SequenceLength is int length)
        {
            w.WriteNumber("output_sequence_length", length);
        }
        else
        {
            w.WriteNull("output_sequence_length");
        }

        w.WriteString("padding", recipe.Padding.ToString());
        w.WriteString("truncating", recipe.Truncating.ToString());
        w.WriteStartArray("classes");
        foreach (string c in recipe.Classes)
        {
            w.WriteStringValue(c);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <exception cref="ModelConfigException">The entry is not a valid recipe.</exception>
    public static TextRecipe Read(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw JsonConfig.Bad(Where, "an object");
        }

        JsonElement? s = JsonConfig.Member(e, "standardize");
        TextStandardize standardize = s is null || s.Value.ValueKind == JsonValueKind.Null ? TextStandardize.None
            : s.Value.ValueKind == JsonValueKind.String && Standardizes.FirstOrDefault(x => x.Name == s.Value.GetString()) is { Name: not null } found ? found.Value
            : throw JsonConfig.Bad($"{Where}.standardize", "lower_and_strip_punctuation, lower, strip_punctuation or null");
        string split = JsonConfig.String(e, "split", Where);
        var options = new TextVocabularyOptions
        {
            Standardize = standardize,
            Split = split switch
            {
                "whitespace" => TextSplit.Whitespace,
                "character" => TextSplit.Character,
                _ => throw JsonConfig.Bad($"{Where}.split", "whitespace or character"),
            },
            NGrams = JsonConfig.Int(e, "ngrams", Where, 1),
            MaxTokens = OptionalInt(e, "max_tokens"),
            OovToken = JsonConfig.String(e, "oov_token", Where),
        };
        try
        {
            TextVocabulary vocabulary = TextVocabulary.FromTokens(Strings(e, "vocabulary"), options);
            if (JsonConfig.Member(e, "vocabulary")!.Value.GetArrayLength() != vocabulary.Count)
            {
                throw JsonConfig.Bad($"{Where}.vocabulary", "the tokens by id, '' and the OOV token first");
            }

            var recipe = new TextRecipe
            {
                Vocabulary = vocabulary,
                SequenceLength = OptionalInt(e, "output_sequence_length"),
                Padding = Side(e, "padding"),
                Truncating = Side(e, "truncating"),
                Classes = Strings(e, "classes"),
            };
            recipe.Validate();
            return recipe;
        }
        catch (TextException x)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model file's {Where} is invalid: {x.Message}", x);
        }
    }

    private static int? OptionalInt(JsonElement e, string key) =>
        JsonConfig.Member(e, key) is { ValueKind: not JsonValueKind.Null } ? JsonConfig.Int(e, key, Where) : null;

    private static string[] Strings(JsonElement e, string key) =>
        JsonConfig.Member(e, key) is { ValueKind: JsonValueKind.Array } list
            ? [.. list.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : throw JsonConfig.Bad($"{Where}.{key}", "a list of strings"))]
            : throw JsonConfig.Bad($"{Where}.{key}", "a list of strings");

    private static SequenceSide Side(JsonElement e, string key) =>
        Enum.TryParse(JsonConfig.String(e, key, Where), ignoreCase: false, out SequenceSide value) && Enum.IsDefined(value)
            ? value : throw JsonConfig.Bad($"{Where}.{key}", "Pre or Post");
}
