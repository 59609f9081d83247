using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Rebuilds layers from their Keras config (<c>{"class_name": "LSTM", "config": {…}}</c>, as <see cref="Layer.GetConfig"/>
/// writes it). Missing keys take Keras's defaults, so a hand-written config need only give what differs.
/// </summary>
internal static class LayerFactory
{
    // The recurrent layers by Keras class name: each reads its own keys (a new cell adds its line here).
    private static readonly (string ClassName, Func<RecurrentSettings, ILayerConfig, RecurrentLayer> Create)[] Recurrents =
    [
        ("SimpleRNN", SimpleRnn.FromConfig),
        ("LSTM", Lstm.FromConfig),
        ("GRU", Gru.FromConfig),
        ("IndRNN", IndRnn.FromConfig),
    ];

    /// <summary>The Keras class names this factory builds.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["Dense", .. Recurrents.Select(r => r.ClassName), "Dropout", "Embedding", "Bidirectional", "Masking", "SpecAugment", "Normalization", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "LayerNormalization", "Conv1D", "Attention", "MultiHeadAttention", "MinGRU", "MinLSTM"];

    /// <summary>Creates the (unbuilt) layer a serialized layer entry describes.</summary>
    /// <param name="entry">The entry: class_name and config.</param>
    /// <param name="where">Where the entry is, for messages (<c>layers[2]</c>).</param>
    /// <param name="weightsFromFile">
    /// True (the default, for readers): the layer is marked <see cref="Layer.WeightsFromFile"/>, so
    /// <see cref="Models.Sequential.Add"/> builds it without allocating or initializing its weights — the caller checks the
    /// file's tensors against <see cref="Layer.Parameters"/>' shapes, then writes every <see cref="Parameter.Value"/>
    /// (which allocates it). False: Add initializes the weights as for a new layer.
    /// </param>
    /// <exception cref="ModelConfigException"><c>ModelUnknownLayer</c> for a class it does not know; <c>ModelBadConfig</c> for bad values.</exception>
    public static Layer Create(JsonElement entry, string where, bool weightsFromFile = true)
    {
        Layer layer = CreateLayer(entry, where);
        layer.WeightsFromFile = weightsFromFile;
        return layer;
    }

    private static Layer CreateLayer(JsonElement entry, string where)
    {
        Layer layer = CreateLayerOnly(entry, where);
        WeightRegularizers.Read(layer, JsonConfig.Member(entry, "config") ?? default, where);
        return layer;
    }

    private static Layer CreateLayerOnly(JsonElement entry, string where)
    {
        string className = JsonConfig.String(entry, "class_name", where);
        JsonElement config = JsonConfig.Member(entry, "config") ?? default;
        if (config.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined))
        {
            throw JsonConfig.Bad($"{where}.config", "an object");
        }

        where = $"{where} ({className})";
        string? name = config.ValueKind == JsonValueKind.Object && JsonConfig.Member(config, "name") is { ValueKind: JsonValueKind.String } n
            ? n.GetString() : null;
        try
        {
            foreach ((string recurrentName, Func<RecurrentSettings, ILayerConfig, RecurrentLayer> create) in Recurrents)
            {
                if (recurrentName == className)
                {
                    var reader = new JsonLayerConfig(config, where, name);
                    return create(RecurrentSettings.Read(reader), reader);
                }
            }

            return className switch
            {
                "Dense" => new Dense(JsonConfig.Int(config, "units", where), Activation(config, "activation", where, "linear"),
                    JsonConfig.Bool(config, "use_bias", where, true), name)
                {
                    KernelInitializer = Initializer(config, "kernel_initializer", where, "glorot_uniform"),
                    BiasInitializer = Initializer(config, "bias_initializer", where, "zeros"),
                },
                "Dropout" => new DropoutLayer(JsonConfig.Float(config, "rate", where), name),
                "Embedding" => new Embedding(JsonConfig.Int(config, "input_dim", where), JsonConfig.Int(config, "output_dim", where), name)
                {
                    EmbeddingsInitializer = Initializer(config, "embeddings_initializer", where, "random_uniform"),
                    MaskZero = JsonConfig.Bool(config, "mask_zero", where, false),
                },
                "Masking" => new Masking(JsonConfig.Float(config, "mask_value", where, 0f), name),
                "Bidirectional" => Bidirectional(config, where, name),
                "SpecAugment" => SpecAugmentConfig.Create(config, where, name),
                "Normalization" => Normalization(config, where, name),
                "GlobalAveragePooling1D" => Pooling(GlobalPoolingMode.Average, config, where, name),
                "GlobalMaxPooling1D" => Pooling(GlobalPoolingMode.Max, config, where, name),
                "LayerNormalization" => LayerNormalization(config, where, name),
                "Conv1D" => Conv1D(config, where, name),
                "Attention" => Attention(config, where, name),
                "MultiHeadAttention" => MultiHeadAttention(config, where, name),
                "MinGRU" => MinGru.FromConfig(new JsonLayerConfig(config, where, name)),
                "MinLSTM" => MinLstm.FromConfig(new JsonLayerConfig(config, where, name)),
                _ => throw new ModelConfigException("ModelUnknownLayer",
                    $"The model configuration's {where} is a layer type PSRnn does not have; it builds {string.Join(", ", ClassNames)}."),
            };
        }
        catch (ArgumentException e)
        {
            // Constructors reject out-of-range values (units ≤ 0, rates outside [0, 1), …).
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where} is invalid: {ExceptionText.Plain(e)}", e);
        }
    }

    private static SelfAttention Attention(JsonElement config, string where, string? name)
    {
        if (JsonConfig.String(config, "score_mode", where, "dot") != "dot" || JsonConfig.Float(config, "dropout", where, 0f) != 0f)
        {
            throw new ModelConfigException("ModelBadConfig",
                $"The model configuration's {where} is an Attention with score_mode concat or dropout; PSRnn's is dot-product self-attention without dropout.");
        }

        return new SelfAttention(JsonConfig.Bool(config, "use_scale", where, false), JsonConfig.Bool(config, "use_causal_mask", where, false), name);
    }

    private static MultiHeadAttention MultiHeadAttention(JsonElement config, string where, string? name)
    {
        // attention_axes: Keras's default (null) attends over the steps, the one axis a (samples, steps, features) input has.
        bool stepsAxis = JsonConfig.Member(config, "attention_axes") is not { } axes
            || (axes.ValueKind == JsonValueKind.Number && axes.GetInt32() == 1)
            || (axes.ValueKind == JsonValueKind.Array && axes.GetArrayLength() == 1 && axes[0].ValueKind == JsonValueKind.Number && axes[0].GetInt32() == 1);
        if (JsonConfig.Float(config, "dropout", where, 0f) != 0f || !stepsAxis)
        {
            throw new ModelConfigException("ModelBadConfig",
                $"The model configuration's {where} is a MultiHeadAttention with dropout or attention_axes; PSRnn's attends over the steps without dropout.");
        }

        int? valueDim = JsonConfig.Member(config, "value_dim") is null ? null : JsonConfig.Int(config, "value_dim", where);
        int? outputSize = JsonConfig.Member(config, "output_shape") is null ? null : OneInt(config, "output_shape", where, null);
        return new MultiHeadAttention(JsonConfig.Int(config, "num_heads", where), JsonConfig.Int(config, "key_dim", where), valueDim,
            JsonConfig.Bool(config, "use_bias", where, true), JsonConfig.Bool(config, "use_causal_mask", where, false), outputSize, name)
        {
            KernelInitializer = Initializer(config, "kernel_initializer", where, "glorot_uniform"),
            BiasInitializer = Initializer(config, "bias_initializer", where, "zeros"),
        };
    }

    private static Conv1D Conv1D(JsonElement config, string where, string? name)
    {
        if (JsonConfig.String(config, "data_format", where, "channels_last") != "channels_last" || JsonConfig.Int(config, "groups", where, 1) != 1)
        {
            throw new ModelConfigException("ModelBadConfig",
                $"The model configuration's {where} is a Conv1D with data_format channels_first or groups; PSRnn convolves (samples, steps, features) in one group.");
        }

        string padding = JsonConfig.String(config, "padding", where, "valid");
        Conv1DPadding pad = padding switch
        {
            "valid" => Conv1DPadding.Valid,
            "same" => Conv1DPadding.Same,
            "causal" => Conv1DPadding.Causal,
            _ => throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where}.padding is '{padding}'; Conv1D pads valid, same or causal."),
        };
        return new Conv1D(OneInt(config, "filters", where, null), OneInt(config, "kernel_size", where, null), OneInt(config, "strides", where, 1), pad,
            OneInt(config, "dilation_rate", where, 1), Activation(config, "activation", where, "linear"), JsonConfig.Bool(config, "use_bias", where, true), name);
    }

    // Keras writes a 1-D convolution's sizes as an int or a one-element list.
    private static int OneInt(JsonElement config, string key, string where, int? fallback)
    {
        if (JsonConfig.Member(config, key) is { ValueKind: JsonValueKind.Array } list)
        {
            return list.GetArrayLength() == 1 && list[0].ValueKind == JsonValueKind.Number && list[0].TryGetInt32(out int one) ? one
                : throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where}.{key} must be one integer.");
        }

        return JsonConfig.Int(config, key, where, fallback);
    }

    private static LayerNormalization LayerNormalization(JsonElement config, string where, string? name)
    {
        // Keras writes axis as -1 or [-1]; PSRnn normalizes the features of each step.
        JsonElement? axis = JsonConfig.Member(config, "axis");
        bool lastAxis = axis is null
            || (axis.Value.ValueKind == JsonValueKind.Number && axis.Value.GetInt32() == -1)
            || (axis.Value.ValueKind == JsonValueKind.Array && axis.Value.GetArrayLength() == 1
                && axis.Value[0].ValueKind == JsonValueKind.Number && axis.Value[0].GetInt32() == -1);
        if (!lastAxis || JsonConfig.Bool(config, "rms_scaling", where, false))
        {
            throw new ModelConfigException("ModelBadConfig",
                $"The model configuration's {where} normalizes another axis or with rms_scaling; PSRnn's LayerNormalization normalizes the features (axis -1) by mean and variance.");
        }

        return new LayerNormalization(JsonConfig.Float(config, "epsilon", where, 1e-3f), JsonConfig.Bool(config, "center", where, true),
            JsonConfig.Bool(config, "scale", where, true), name);
    }

    private static GlobalPooling1D Pooling(GlobalPoolingMode mode, JsonElement config, string where, string? name)
    {
        // PSRnn pools the steps of (samples, steps, features) into (samples, features), Keras's defaults.
        if (JsonConfig.String(config, "data_format", where, "channels_last") != "channels_last" || JsonConfig.Bool(config, "keepdims", where, false))
        {
            throw new ModelConfigException("ModelBadConfig",
                $"The model configuration's {where} pools with data_format channels_first or keepdims true; PSRnn pools (samples, steps, features) to (samples, features).");
        }

        return new GlobalPooling1D(mode, name);
    }

    private static Normalization Normalization(JsonElement config, string where, string? name)
    {
        // PSRnn's (and Keras's default) axis is the last: the features.
        if (config.TryGetProperty("axis", out JsonElement axis) && !(axis.ValueKind == JsonValueKind.Number && axis.GetInt32() == -1))
        {
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where} normalizes over axis {axis}; PSRnn normalizes the features (axis -1).");
        }

        // Statistics come with the weights: a saved model's layer is as adapted as it was.
        return new Normalization(JsonConfig.Bool(config, "invert", where, false), name) { IsAdapted = true };
    }

    private static Bidirectional Bidirectional(JsonElement config, string where, string? name)
    {
        // Keras writes merge_mode null for None, which returns the two directions as two outputs: no Sequential can.
        bool none = config.TryGetProperty("merge_mode", out JsonElement written) && written.ValueKind == JsonValueKind.Null;
        string mode = none ? "None" : JsonConfig.String(config, "merge_mode", where, "concat");
        BidirectionalMerge merge = mode switch
        {
            "concat" => BidirectionalMerge.Concat,
            "sum" => BidirectionalMerge.Sum,
            "mul" => BidirectionalMerge.Mul,
            "ave" => BidirectionalMerge.Ave,
            _ => throw new ModelConfigException("ModelBadConfig",
                $"The model configuration's {where} has merge_mode {(none ? "None (two outputs, which a Sequential model cannot pass on)" : $"'{mode}'")}; " +
                "PSRnn supports 'concat', 'sum', 'mul' and 'ave'."),
        };

        JsonElement inner = JsonConfig.RequireObject(config, "layer", where);
        if (CreateLayer(inner, $"{where}.layer") is not RecurrentLayer forward)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where}.layer must be {string.Join(", ", Recurrents.Select(r => r.ClassName))}.");
        }

        // Keras names the directions forward_<name> and backward_<name>; give the wrapper the inner name and put the saved ones back.
        string forwardName = forward.Name;
        forward.Name = forwardName.StartsWith("forward_", StringComparison.Ordinal) ? forwardName["forward_".Length..] : forwardName;
        var layer = new Bidirectional(forward, name, merge);
        if (forwardName.Length > 0)
        {
            layer.ForwardLayer.Name = forwardName;
        }

        if (JsonConfig.Member(config, "backward_layer") is { } backward
            && JsonConfig.Member(JsonConfig.Member(backward, "config") ?? default, "name") is { ValueKind: JsonValueKind.String } backwardName)
        {
            layer.BackwardLayer.Name = backwardName.GetString()!;
        }

        return layer;
    }

    private static ActivationKind Activation(JsonElement config, string key, string where, string fallback)
    {
        string text = JsonConfig.String(config, key, where, fallback);
        return ActivationFunctions.TryParse(text, out ActivationKind kind) ? kind
            : throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where}.{key} is '{text}', which is not an activation PSRnn knows.");
    }

    private static string Initializer(JsonElement config, string key, string where, string fallback)
    {
        // Keras 3 may serialize an initializer as {"class_name": "GlorotUniform", "config": {…}}; PSRnn writes its name.
        string text = JsonConfig.String(config, key, where, fallback);
        return Initializers.Names.Contains(text, StringComparer.Ordinal) ? text
            : throw new ModelConfigException("ModelBadConfig",
                $"The model configuration's {where}.{key} is '{text}'; PSRnn knows {string.Join(", ", Initializers.Names)}.");
    }

    // A recurrent layer's config as it reads it back: JsonConfig's typed reads at this entry, plus the checks of names.
    private sealed class JsonLayerConfig(JsonElement config, string where, string? name) : ILayerConfig
    {
        public string? Name => name;

        public int Int(string key, int? fallback = null) => JsonConfig.Int(config, key, where, fallback);

        public float Float(string key, float? fallback = null) => JsonConfig.Float(config, key, where, fallback);

        public float? OptionalFloat(string key) => JsonConfig.OptionalFloat(config, key, where);

        public bool Bool(string key, bool fallback) => JsonConfig.Bool(config, key, where, fallback);

        public ActivationKind Activation(string key, string fallback) => LayerFactory.Activation(config, key, where, fallback);

        public string Initializer(string key, string fallback) => LayerFactory.Initializer(config, key, where, fallback);
    }
}
