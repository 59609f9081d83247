using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Small JSON helpers for model configurations: writes Keras-style config dictionaries, and reads typed values with
/// Keras's defaults, failing with <see cref="ModelConfigException"/> that says where the bad value is.
/// </summary>
internal static class JsonConfig
{
    /// <summary>Writes a config value: null, string, bool, integer, floating point (non-finite as a string), or a dictionary.</summary>
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case float f:
                WriteDouble(writer, f);
                break;
            case double d:
                WriteDouble(writer, d);
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (KeyValuePair<string, object?> kv in map)
                {
                    writer.WritePropertyName(kv.Key);
                    Write(writer, kv.Value);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (object? item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"Cannot write a {value.GetType().Name} into a model configuration.", nameof(value));
        }
    }

    /// <summary>Writes a double; JSON has no NaN or infinity, so those are written as strings Python's float() reads.</summary>
    public static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture) switch
            {
                "NaN" => "nan",
                _ when value > 0 => "inf",
                _ => "-inf",
            });
        }
    }

    /// <summary>Reads a double written by <see cref="WriteDouble"/>.</summary>
    public static double ReadDouble(JsonElement value, string where) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String => value.GetString() switch
        {
            "nan" => double.NaN,
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => throw Bad(where, "a number"),
        },
        _ => throw Bad(where, "a number"),
    };

    /// <summary>
    /// The first string or member name of <paramref name="e"/> that is not valid UTF-16 (an escaped lone surrogate such as
    /// "\udc00", which JSON's grammar allows but .NET strings cannot hold), or null when every string reads.
    /// </summary>
    /// <remarks>Found by fuzzing: GetString and JsonProperty.Name throw InvalidOperationException on such text.</remarks>
    public static string? FirstInvalidString(JsonElement e, string where = "$")
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                return Readable(() => e.GetString()) ? null : where;
            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in e.EnumerateArray())
                {
                    if (FirstInvalidString(item, string.Create(CultureInfo.InvariantCulture, $"{where}[{i++}]")) is { } bad)
                    {
                        return bad;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (JsonProperty p in e.EnumerateObject())
                {
                    string? name = null;
                    if (!Readable(() => name = p.Name))
                    {
                        return where + ".<name>";
                    }

                    if (FirstInvalidString(p.Value, $"{where}.{name}") is { } bad)
                    {
                        return bad;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool Readable(Func<string?> read)
    {
        try
        {
            read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The member <paramref name="key"/> of an object, or null when absent or JSON null.</summary>
    public static JsonElement? Member(JsonElement obj, string key) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v : null;

    /// <summary>A required object.</summary>
    public static JsonElement RequireObject(JsonElement obj, string key, string where) =>
        Member(obj, key) is { ValueKind: JsonValueKind.Object } v ? v : throw Bad($"{where}.{key}", "an object");

    /// <summary>An integer member, or <paramref name="fallback"/> when absent (null: required).</summary>
    public static int Int(JsonElement obj, string key, string where, int? fallback = null)
    {
        if (Member(obj, key) is not { } v)
        {
            return fallback ?? throw Bad($"{where}.{key}", "an integer (it is missing)");
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Bad($"{where}.{key}", "an integer");
    }

    /// <summary>A float member (stored as the double of the float, so it comes back exactly), or the fallback.</summary>
    public static float Float(JsonElement obj, string key, string where, float? fallback = null)
    {
        if (Member(obj, key) is not { } v)
        {
            return fallback ?? throw Bad($"{where}.{key}", "a number (it is missing)");
        }

        return (float)ReadDouble(v, $"{where}.{key}");
    }

    /// <summary>An optional float member.</summary>
    public static float? OptionalFloat(JsonElement obj, string key, string where) =>
        Member(obj, key) is { } v ? (float)ReadDouble(v, $"{where}.{key}") : null;

    /// <summary>A boolean member, or the fallback when absent.</summary>
    public static bool Bool(JsonElement obj, string key, string where, bool fallback)
    {
        if (Member(obj, key) is not { } v)
        {
            return fallback;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad($"{where}.{key}", "true or false"),
        };
    }

    /// <summary>A string member, or the fallback when absent (null fallback: required).</summary>
    public static string String(JsonElement obj, string key, string where, string? fallback = null)
    {
        if (Member(obj, key) is not { } v)
        {
            return fallback ?? throw Bad($"{where}.{key}", "a string (it is missing)");
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Bad($"{where}.{key}", "a string");
    }

    /// <summary>A ulong written as a decimal string (JSON numbers lose precision past 2^53 in many readers).</summary>
    public static ulong UInt64(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.String && ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong u) ? u
        : value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out ulong n) ? n
        : throw Bad(where, "an unsigned 64-bit integer (as a decimal string)");

    /// <summary>The standard error for a value of the wrong kind.</summary>
    public static ModelConfigException Bad(string where, string expected) =>
        new("ModelBadConfig", $"The model configuration's {where} must be {expected}.");
}
