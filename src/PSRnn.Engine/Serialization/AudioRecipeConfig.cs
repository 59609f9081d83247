using System.Text.Json;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// The <c>audio_recipe</c> metadata entry of a model file: an <see cref="AudioRecipe"/> as JSON, with names as
/// Import-RnnAudio's parameters (sample_rate, feature, coefficients, mel_bands, deltas, trim_silence_db, normalize,
/// stack_frames (written when above 1), frames, padding, truncating, padding_value, classes). Files without it load with no recipe.
/// </summary>
internal static class AudioRecipeConfig
{
    /// <summary>The metadata key.</summary>
    public const string Key = "audio_recipe";

    private const string Where = Key;

    public static void Write(Utf8JsonWriter w, AudioRecipe recipe)
    {
        AudioFeatureOptions o = recipe.Options;
        w.WriteStartObject();
        w.WriteNumber("sample_rate", o.SampleRate);
        w.WriteString("feature", o.Feature.ToString());
        w.WriteNumber("coefficients", o.Coefficients);
        w.WriteNumber("mel_bands", o.MelBands);
        w.WriteBoolean("deltas", o.Deltas);
        if (o.TrimSilenceDb is double db)
        {
            w.WritePropertyName("trim_silence_db");
            JsonConfig.WriteDouble(w, db);
        }

        w.WriteBoolean("normalize", o.Normalize);
        if (o.StackFrames != 1)
        {
            // Only when set: a recipe without stacking is written as before it existed.
            w.WriteNumber("stack_frames", o.StackFrames);
        }

        if (recipe.Frames is int frames)
        {
            w.WriteNumber("frames", frames);
        }

        w.WriteString("padding", recipe.Padding.ToString());
        w.WriteString("truncating", recipe.Truncating.ToString());
        w.WritePropertyName("padding_value");
        JsonConfig.WriteDouble(w, recipe.PaddingValue);
        w.WriteStartArray("classes");
        foreach (string c in recipe.Classes)
        {
            w.WriteStringValue(c);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <exception cref="ModelConfigException">The entry is not a valid recipe.</exception>
    public static AudioRecipe Read(JsonElement e)
    {
        string[] classes = JsonConfig.Member(e, "classes") is { ValueKind: JsonValueKind.Array } list
            ? [.. list.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : throw JsonConfig.Bad($"{Where}.classes", "a list of names"))]
            : throw JsonConfig.Bad($"{Where}.classes", "a list of names");
        var recipe = new AudioRecipe
        {
            Options = new AudioFeatureOptions
            {
                SampleRate = JsonConfig.Int(e, "sample_rate", Where),
                Feature = Named<AudioFeatureKind>(e, "feature"),
                Coefficients = JsonConfig.Int(e, "coefficients", Where),
                MelBands = JsonConfig.Int(e, "mel_bands", Where),
                Deltas = JsonConfig.Bool(e, "deltas", Where, false),
                TrimSilenceDb = JsonConfig.Member(e, "trim_silence_db") is { } db ? JsonConfig.ReadDouble(db, $"{Where}.trim_silence_db") : null,
                Normalize = JsonConfig.Bool(e, "normalize", Where, false),
                StackFrames = JsonConfig.Int(e, "stack_frames", Where, 1),
            },
            Frames = JsonConfig.Member(e, "frames") is not null ? JsonConfig.Int(e, "frames", Where) : null,
            Padding = Named<SequenceSide>(e, "padding"),
            Truncating = Named<SequenceSide>(e, "truncating"),
            PaddingValue = JsonConfig.Float(e, "padding_value", Where),
            Classes = classes,
        };
        try
        {
            recipe.Validate();
        }
        catch (ArgumentException x)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model file's {Where} is invalid: {ExceptionText.Plain(x)}", x);
        }

        return recipe;
    }

    private static T Named<T>(JsonElement e, string key)
        where T : struct, Enum =>
        Enum.TryParse(JsonConfig.String(e, key, Where), ignoreCase: false, out T value) && Enum.IsDefined(value)
            ? value : throw JsonConfig.Bad($"{Where}.{key}", string.Join(" or ", Enum.GetNames<T>()));
}
