using System.Text;
using System.Text.Json;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// The loss of a Keras HDF5 model file's <c>training_config</c> attribute (what model.compile(loss=...) was given,
/// saved by save_model_to_hdf5): a name such as <c>"huber"</c>, or a serialized loss
/// <c>{"class_name": "Huber", "config": {"delta": 0.5, "reduction": ..., "name": ...}}</c> (Keras 3 adds "module").
/// </summary>
/// <remarks>
/// Lenient by design: the weights are what an import is for, so a loss PSRnn cannot reproduce exactly — unknown, a
/// custom function, label_smoothing, another axis or reduction — leaves the model without a loss (training then
/// chooses one, or takes -Loss) rather than failing the import or training with something else.
/// </remarks>
internal static class KerasCompileConfig
{
    // Keras config entries that do not change the value PSRnn computes: from_logits is implied by the last layer
    // (PSRnn fuses softmax/sigmoid and reads a linear output as logits), name and dtype are labels.
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal) { "name", "dtype", "from_logits", "reduction", "axis", "label_smoothing" };

    /// <summary>The loss the attribute names, or null (no attribute, not JSON, or a loss PSRnn cannot reproduce).</summary>
    public static Loss? ReadLoss(byte[][]? trainingConfig)
    {
        if (trainingConfig is not [byte[] text])
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(Encoding.UTF8.GetString(text));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("loss", out JsonElement loss))
            {
                return null;
            }

            if (loss.ValueKind == JsonValueKind.String)
            {
                return Losses.FromName(loss.GetString()!);
            }

            if (loss.ValueKind != JsonValueKind.Object || !loss.TryGetProperty("class_name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var options = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (loss.TryGetProperty("config", out JsonElement config) && config.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty p in config.EnumerateObject())
                {
                    if (!Ignored.Contains(p.Name))
                    {
                        options[p.Name] = p.Value.ValueKind switch
                        {
                            JsonValueKind.True => true,
                            JsonValueKind.False => false,
                            JsonValueKind.Number => p.Value.GetDouble(),
                            _ => p.Value.ToString(),
                        };
                    }
                    else if (!Reproducible(p.Name, p.Value))
                    {
                        return null;
                    }
                }
            }

            return Losses.FromName(name.GetString()!, options);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or Layers.ModelException)
        {
            return null;
        }
    }

    // Whether an entry PSRnn does not read leaves the loss as PSRnn computes it.
    private static bool Reproducible(string key, JsonElement value) => key switch
    {
        "reduction" => value.ValueKind is JsonValueKind.Null || value.GetString() is "auto" or "sum_over_batch_size",
        "axis" => value.ValueKind is JsonValueKind.Null || (value.ValueKind == JsonValueKind.Number && value.GetDouble() == -1),
        "label_smoothing" => value.ValueKind is JsonValueKind.Null || (value.ValueKind == JsonValueKind.Number && value.GetDouble() == 0),
        _ => true,
    };
}
