using System.Text;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PureHDF;
using PureHDF.VOL.Native;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Reads Keras HDF5 files in Keras 2's documented layout (tf.keras saving/hdf5_format.py; Keras 3's
/// legacy_h5_format.py): a whole Sequential model (<c>model.save('m.h5')</c>: root attribute <c>model_config</c> JSON and
/// group <c>model_weights</c>) or weights only (<c>model.save_weights('w.h5')</c>).
/// </summary>
/// <remarks>
/// <para>A weights group has the attribute <c>layer_names</c> (the model's layers, in order) and, per layer, a group whose
/// attribute <c>weight_names</c> lists that layer's weights in <c>layer.weights</c> order, each a dataset at the path of its
/// name (<c>lstm/lstm_cell/kernel:0</c>). As Keras's <c>load_weights_from_hdf5_group</c>, the file's layers that have
/// weights are matched to the model's by position, and each layer's weights by order; Keras's shapes and gate orders
/// are PSRnn's, so the values are copied unchanged (F64 and F16 converted to float32).</para>
/// <para>The model configuration is built with <see cref="LayerFactory"/> for Sequential models of InputLayer, Dense,
/// SimpleRNN, LSTM, GRU, Dropout, Embedding and Bidirectional (merge_mode concat); Keras 2's initializer objects become
/// PSRnn's initializer names. Everything is read and checked before a model is built or a weight is set.</para>
/// </remarks>
public static class KerasHdf5File
{
    /// <summary>Reads a whole Keras model file (model_config and model_weights).</summary>
    /// <exception cref="DataFormatException">The file is not a readable Keras model file (ErrorIds <c>Keras…</c>).</exception>
    public static Sequential Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(path, file =>
        {
            if (!file.AttributeExists("model_config"))
            {
                throw Error("KerasNoModelConfig", DataErrorKind.InvalidData, path,
                    "The HDF5 file has no model_config attribute: it holds weights only (model.save_weights). Build the model " +
                    "(New-RnnModel …) and load the weights into it with Import-RnnModel -Into $model.");
            }

            Sequential model = BuildModel(ReadString(file.Attribute("model_config")), path);
            if (!file.LinkExists("model_weights"))
            {
                throw Error("KerasNoWeights", DataErrorKind.InvalidData, path, "The Keras model file has no model_weights group.");
            }

            float[][] values = ReadWeights((IH5Group)file.Get("model_weights"), model, path);
            Assign(model, values);
            return model;
        });
    }

    /// <summary>
    /// Loads the weights of a Keras weights file (or a whole model file's model_weights) into <paramref name="model"/>,
    /// which must have the same layers with weights, in the same order, with the same shapes.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not readable or does not fit the model; the model is then unchanged.</exception>
    public static void LoadWeightsInto(string path, Sequential model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        Read(path, file =>
        {
            IH5Group group = file.LinkExists("model_weights") ? (IH5Group)file.Get("model_weights") : file;
            float[][] values = ReadWeights(group, model, path);
            Assign(model, values);
            return model;
        });
    }

    private static Sequential Read(string path, Func<IH5Group, Sequential> body)
    {
        try
        {
            using NativeFile file = H5File.Open(PSRnn.Engine.IO.InputFile.OpenRead(path));
            return body(file);
        }
        catch (DataFormatException)
        {
            throw;
        }
        catch (ModelConfigException e)
        {
            throw Error(e.ErrorId == "ModelUnknownLayer" ? "KerasUnknownLayer" : "KerasBadConfig",
                e.ErrorId == "ModelUnknownLayer" ? DataErrorKind.InvalidType : DataErrorKind.InvalidData, path, e.Message, e);
        }
        catch (ModelException e)
        {
            throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, $"The Keras model does not build: {e.Message}", e);
        }
        catch (OutOfMemoryException e)
        {
            // PureHDF allocates a heap or message block at the size the file declares before reading it (found by
            // fuzzing: tests/fixtures/fuzz/keras); a corrupt size fails that one allocation and leaves the process sound.
            throw Error("KerasCorrupt", DataErrorKind.InvalidData, path,
                "The HDF5 file declares a block larger than can be allocated: it is corrupt (or far larger than this " +
                $"machine's memory) ({e.Message}).", e);
        }
        catch (Exception e) when (e is not (IOException or UnauthorizedAccessException))
        {
            // PureHDF reports malformed or truncated files with a variety of exception types.
            throw Error("KerasCorrupt", DataErrorKind.InvalidData, path,
                $"The HDF5 file is truncated or corrupt, or not laid out as Keras writes it ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private static Sequential BuildModel(string json, string path)
    {
        using JsonDocument doc = ParseJson(json, path);
        JsonElement root = doc.RootElement;
        string cls = root.ValueKind == JsonValueKind.Object && JsonConfig.Member(root, "class_name") is { ValueKind: JsonValueKind.String } c ? c.GetString()! : "";
        if (cls != "Sequential")
        {
            throw Error("KerasUnsupportedModel", DataErrorKind.InvalidType, path,
                $"The Keras model is a '{cls}' model; PSRnn imports Sequential models. Rebuild it as keras.Sequential, or load its weights with -Into.");
        }

        JsonElement config = JsonConfig.Member(root, "config") ?? default;
        // Keras before 2.2.3 wrote the layer list as the config itself.
        JsonElement layers = config.ValueKind == JsonValueKind.Array ? config : JsonConfig.Member(config, "layers") ?? default;
        if (layers.ValueKind != JsonValueKind.Array)
        {
            throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, "The Keras model_config has no list of layers.");
        }

        string? name = config.ValueKind == JsonValueKind.Object && JsonConfig.Member(config, "name") is { ValueKind: JsonValueKind.String } n ? n.GetString() : null;
        JsonElement[] entries = [.. layers.EnumerateArray()];
        int[]? batchShape = null;
        var built = new List<Layer>();
        for (int i = 0; i < entries.Length; i++)
        {
            JsonElement entry = entries[i];
            JsonElement layerConfig = JsonConfig.Member(entry, "config") ?? default;
            batchShape ??= BatchShape(layerConfig, path);
            string layerClass = JsonConfig.Member(entry, "class_name") is { ValueKind: JsonValueKind.String } lc ? lc.GetString()! : "";
            if (layerClass == "InputLayer")
            {
                continue;
            }

            RefuseStatefulOptions(layerConfig, $"layers[{i}] ({layerClass})", path);
            using JsonDocument normalized = Normalize(entry);
            built.Add(LayerFactory.Create(normalized.RootElement, $"layers[{i}]"));
        }

        if (batchShape is null || batchShape.Length is < 2 or > 3)
        {
            throw Error("KerasBadConfig", DataErrorKind.InvalidData, path,
                "The Keras model_config gives no input shape (an InputLayer's batch_input_shape, or the first layer's) of (batch, time, features) or (batch, features).");
        }

        bool tokens = built.Count > 0 && built[0] is Embedding;
        int? time = batchShape[1] < 0 ? null : batchShape[1];
        SampleShape input = (tokens, batchShape.Length) switch
        {
            (true, 2) when time is { } t => SampleShape.Vector(t),
            (true, _) => SampleShape.Sequence(time, 1),
            (false, 2) => SampleShape.Vector(batchShape[1] > 0 ? batchShape[1] : throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, "The input has no fixed number of features.")),
            _ => SampleShape.Sequence(time, batchShape[2] > 0 ? batchShape[2] : throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, "The input has no fixed number of features.")),
        };

        var model = new Sequential(input, name, seed: 0);
        foreach (Layer layer in built)
        {
            model.Add(layer);
        }

        return model;
    }

    /// <summary>(batch, …) from batch_input_shape (Keras 2) or batch_shape (Keras 3), null for unknown sizes (as -1); null if absent.</summary>
    private static int[]? BatchShape(JsonElement config, string path)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        JsonElement? shape = JsonConfig.Member(config, "batch_input_shape") ?? JsonConfig.Member(config, "batch_shape");
        if (shape is not { ValueKind: JsonValueKind.Array } s)
        {
            return null;
        }

        return s.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Null ? -1
            : d.TryGetInt32(out int v) && v > 0 ? v : throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, $"The input shape has the size {d}.")).ToArray();
    }

    private static void RefuseStatefulOptions(JsonElement config, string where, string path)
    {
        foreach (string key in new[] { "stateful", "return_state", "time_major" })
        {
            if (config.ValueKind == JsonValueKind.Object && JsonConfig.Member(config, key) is { ValueKind: JsonValueKind.True })
            {
                throw Error("KerasUnsupportedConfig", DataErrorKind.InvalidType, path,
                    $"The Keras model's {where} has {key}=True, which PSRnn's layers do not have.");
            }
        }

        if (config.ValueKind == JsonValueKind.Object && JsonConfig.Member(config, "layer") is { ValueKind: JsonValueKind.Object } inner)
        {
            RefuseStatefulOptions(JsonConfig.Member(inner, "config") ?? default, where + ".layer", path);
        }
    }

    /// <summary>A copy of a layer entry with Keras 2's initializer objects turned into PSRnn's names (or dropped when PSRnn has no such initializer).</summary>
    private static JsonDocument Normalize(JsonElement entry)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, entry);
        }

        return JsonDocument.Parse(buffer.ToArray());

        static void Write(Utf8JsonWriter w, JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                w.WriteStartArray();
                foreach (JsonElement item in e.EnumerateArray())
                {
                    Write(w, item);
                }

                w.WriteEndArray();
                return;
            }

            if (e.ValueKind != JsonValueKind.Object)
            {
                e.WriteTo(w);
                return;
            }

            w.WriteStartObject();
            foreach (JsonProperty p in e.EnumerateObject())
            {
                if (p.Name.EndsWith("_initializer", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Object)
                {
                    string snake = Snake(JsonConfig.Member(p.Value, "class_name")?.GetString() ?? "");
                    if (Initializers.Names.Contains(snake, StringComparer.Ordinal))
                    {
                        w.WriteString(p.Name, snake);
                    }

                    continue;
                }

                w.WritePropertyName(p.Name);
                Write(w, p.Value);
            }

            w.WriteEndObject();
        }
    }

    private static string Snake(string camel)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < camel.Length; i++)
        {
            if (char.IsUpper(camel[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(camel[i]));
        }

        return sb.ToString();
    }

    /// <summary>Every weight of <paramref name="model"/>, read from the file and checked, in model.Parameters order.</summary>
    private static float[][] ReadWeights(IH5Group group, Sequential model, string path)
    {
        string[] layerNames = ReadStrings(group, "layer_names")
            ?? throw Error("KerasNoWeights", DataErrorKind.InvalidData, path, "The HDF5 file has no layer_names attribute: it is not a Keras model or weights file.");
        var fileLayers = new List<(string Name, string[] Weights)>();
        foreach (string layerName in layerNames)
        {
            if (!group.LinkExists(layerName))
            {
                throw Error("KerasCorrupt", DataErrorKind.InvalidData, path, $"The Keras file lists the layer '{layerName}' but has no group for it.");
            }

            string[] weights = ReadStrings((IH5Group)group.Get(layerName), "weight_names") ?? [];
            if (weights.Length > 0)
            {
                fileLayers.Add((layerName, weights));
            }
        }

        Layer[] modelLayers = model.Layers.Where(l => l.Parameters.Count > 0 || l is Bidirectional).ToArray();
        if (fileLayers.Count != modelLayers.Length)
        {
            throw Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                $"The file has weights for {fileLayers.Count} layers ({string.Join(", ", fileLayers.Select(f => f.Name))}); the model has {modelLayers.Length} layers with weights.");
        }

        var values = new List<float[]>();
        for (int l = 0; l < modelLayers.Length; l++)
        {
            Layer layer = modelLayers[l];
            IReadOnlyList<Parameter> parameters = layer is Bidirectional b ? [.. b.ForwardLayer.Parameters, .. b.BackwardLayer.Parameters] : layer.Parameters;
            (string fileName, string[] weightNames) = fileLayers[l];
            if (weightNames.Length != parameters.Count)
            {
                throw Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                    $"The file's layer '{fileName}' has {weightNames.Length} weights; the model's layer '{layer.Name}' ({layer.KerasClassName}) has {parameters.Count}.");
            }

            var layerGroup = (IH5Group)group.Get(fileName);
            for (int w = 0; w < weightNames.Length; w++)
            {
                if (!layerGroup.LinkExists(weightNames[w]))
                {
                    throw Error("KerasCorrupt", DataErrorKind.InvalidData, path, $"The file's layer '{fileName}' lists the weight '{weightNames[w]}' but has no dataset for it.");
                }

                var dataset = (IH5Dataset)layerGroup.Get(weightNames[w]);
                int[] shape = dataset.Space.Dimensions.Select(d => (int)d).ToArray();
                if (!shape.SequenceEqual(parameters[w].Shape))
                {
                    throw Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                        $"The weight '{fileName}/{weightNames[w]}' has the shape ({string.Join(", ", shape)}); the model's '{layer.Name}' {parameters[w].Name} has ({string.Join(", ", parameters[w].Shape)}).");
                }

                values.Add(ReadFloats(dataset, $"{fileName}/{weightNames[w]}", path));
            }
        }

        return [.. values];
    }

    private static float[] ReadFloats(IH5Dataset dataset, string name, string path)
    {
        if (dataset.Type.Class != H5DataTypeClass.FloatingPoint)
        {
            throw Error("KerasWeightDtype", DataErrorKind.InvalidType, path, $"The weight '{name}' is not floating point ({dataset.Type.Class}).");
        }

        return dataset.Type.Size switch
        {
            4 => dataset.Read<float[]>(),
            8 => Array.ConvertAll(dataset.Read<double[]>(), d => (float)d),
            2 => Array.ConvertAll(dataset.Read<Half[]>(), h => (float)h),
            _ => throw Error("KerasWeightDtype", DataErrorKind.InvalidType, path, $"The weight '{name}' has {dataset.Type.Size}-byte floats."),
        };
    }

    private static void Assign(Sequential model, float[][] values)
    {
        // Only now, with every value read and checked, does the model change.
        int i = 0;
        foreach (Layer layer in model.Layers)
        {
            IReadOnlyList<Parameter> parameters = layer is Bidirectional b ? [.. b.ForwardLayer.Parameters, .. b.BackwardLayer.Parameters] : layer.Parameters;
            foreach (Parameter p in parameters)
            {
                values[i++].CopyTo(p.Value, 0);
            }
        }
    }

    /// <summary>A string-list attribute, also when Keras split a long one into name0, name1, … (HDF5's 64 KiB header limit).</summary>
    private static string[]? ReadStrings(IH5Object owner, string name)
    {
        if (owner.AttributeExists(name))
        {
            return ReadStringArray(owner.Attribute(name));
        }

        var parts = new List<string>();
        for (int chunk = 0; owner.AttributeExists($"{name}{chunk}"); chunk++)
        {
            parts.AddRange(ReadStringArray(owner.Attribute($"{name}{chunk}")));
        }

        return parts.Count > 0 ? [.. parts] : null;
    }

    private static string[] ReadStringArray(IH5Attribute attribute) =>
        attribute.Space.Dimensions.Length == 0 ? [ReadString(attribute)]
        : attribute.Space.Dimensions.Aggregate(1UL, (a, d) => a * d) == 0 ? []
        : attribute.Read<string[]>().Select(s => s.TrimEnd('\0')).ToArray();

    private static string ReadString(IH5Attribute attribute) => attribute.Read<string>().TrimEnd('\0');

    private static JsonDocument ParseJson(string json, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, $"The Keras model_config is not valid JSON: {e.Message}", e);
        }

        if (JsonConfig.FirstInvalidString(doc.RootElement) is { } bad)
        {
            doc.Dispose();
            throw Error("KerasBadConfig", DataErrorKind.InvalidData, path,
                $"The Keras model_config's string at {bad} escapes a lone UTF-16 surrogate, which is not text.");
        }

        return doc;
    }

    private static DataFormatException Error(string id, DataErrorKind kind, string path, string message, Exception? inner = null) =>
        new(id, kind, path, message, inner);
}
