using System.Text.Json;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Reads Keras's <c>kernel_regularizer</c>, <c>recurrent_regularizer</c>, <c>bias_regularizer</c> and
/// <c>embeddings_regularizer</c> from a layer's config (<c>{"class_name": "L2", "config": {"l2": 0.0001}}</c>, as Keras 3
/// and <see cref="Regularizer.ToKerasConfig"/> write them, or a name such as <c>"l2"</c>).
/// </summary>
internal static class WeightRegularizers
{
    /// <summary>The weights of a layer that Keras lets carry a regularizer.</summary>
    public static IReadOnlyList<string> WeightsOf(Layer layer) => layer switch
    {
        Dense or MultiHeadAttention => ["kernel", "bias"],
        RecurrentLayer => ["kernel", "recurrent_kernel", "bias"],
        MinRecurrentLayer => ["kernel", "bias"],
        Embedding => ["embeddings"],
        _ => [],
    };

    /// <summary>Sets on <paramref name="layer"/> each regularizer its config names.</summary>
    /// <exception cref="ModelConfigException"><c>ModelBadConfig</c>: a regularizer PSRnn does not have, or bad factors.</exception>
    public static void Read(Layer layer, JsonElement config, string where)
    {
        foreach (string weight in WeightsOf(layer))
        {
            string key = Layer.RegularizerKey(weight);
            if (JsonConfig.Member(config, key) is { } entry)
            {
                layer.SetRegularizer(weight, Parse(entry, $"{where}.{key}"));
            }
        }
    }

    private static Regularizer Parse(JsonElement entry, string where)
    {
        try
        {
            if (entry.ValueKind == JsonValueKind.String)
            {
                return Regularizer.Parse(entry.GetString()!);
            }

            string name = JsonConfig.String(entry, "class_name", where);
            JsonElement c = JsonConfig.Member(entry, "config") ?? default;
            return name switch
            {
                "L1" => Checked(new Regularizer("L1", JsonConfig.Float(c, "l1", where, Regularizer.DefaultFactor), 0f)),
                "L2" => Checked(new Regularizer("L2", 0f, JsonConfig.Float(c, "l2", where, Regularizer.DefaultFactor))),
                "L1L2" => Checked(new Regularizer("L1L2", JsonConfig.Float(c, "l1", where, 0f), JsonConfig.Float(c, "l2", where, 0f))),
                _ => throw new ModelConfigException("ModelBadConfig",
                    $"The model configuration's {where} is regularizer '{name}'; PSRnn has L1, L2 and L1L2."),
            };
        }
        catch (ModelException e)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where} is invalid: {e.Message}", e);
        }
    }

    private static Regularizer Checked(Regularizer r) =>
        r.L1 >= 0 && r.L2 >= 0 && float.IsFinite(r.L1) && float.IsFinite(r.L2) ? r
        : throw new ModelException("RegularizerInvalid", $"Its factors must be finite numbers ≥ 0 (l1 {r.L1}, l2 {r.L2}).");
}
