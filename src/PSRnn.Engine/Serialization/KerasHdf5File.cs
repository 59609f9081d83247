using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Hdf5;

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
/// SimpleRNN, LSTM, GRU, Dropout, Embedding and Bidirectional (merge_mode concat, sum, mul or ave); Keras 2's initializer objects become
/// PSRnn's initializer names. Everything is read and checked before a model is built or a weight is set.</para>
/// <para>The file is read by PSRnn's own bounded HDF5 reader (<see cref="Hdf5File"/>), which checks the whole group tree
/// first and never opens another file: external and user-defined links (<c>KerasUnsafeExternalLink</c>), external storage
/// (<c>KerasUnsafeExternalStorage</c>), virtual datasets (<c>KerasUnsafeVirtualDataset</c>) and chunks larger than their
/// dataset (<c>KerasUnsafeChunk</c>) are refused; soft-link loops and dangling soft links are <c>KerasCorrupt</c>; HDF5
/// features it does not read are <c>KerasUnsupportedHdf5</c>. A model_config may list at most <see cref="MaxLayers"/>
/// layers, and its input shape is checked before any layer is built.</para>
/// </remarks>
public static class KerasHdf5File
{
    /// <summary>The most layers a model_config may list: far beyond any real Sequential model, and a bound on the work of building one.</summary>
    public const int MaxLayers = 10_000;

    /// <summary>Reads a whole Keras model file (model_config and model_weights).</summary>
    /// <exception cref="DataFormatException">The file is not a readable Keras model file (ErrorIds <c>Keras…</c>).</exception>
    public static Sequential Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(path, file =>
        {
            byte[][] config = Hdf5Attributes.ReadStrings(file, file.Root, "model_config") ?? throw Error("KerasNoModelConfig", DataErrorKind.InvalidData, path,
                "The HDF5 file has no model_config attribute: it holds weights only (model.save_weights). Build the model " +
                "(New-RnnModel …) and load the weights into it with Import-RnnModel -Into $model.");
            if (config.Length != 1)
            {
                throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, $"The Keras model_config attribute holds {config.Length} strings, not one.");
            }

            Sequential model = BuildModel(config[0], path);
            Hdf5Object weights = file.Find(file.Root, "model_weights")
                ?? throw Error("KerasNoWeights", DataErrorKind.InvalidData, path, "The Keras model file has no model_weights group.");
            float[][] values = ReadWeights(file, weights, model, path);
            Assign(model, values);
            // compile(loss=...) as saved beside the model, when PSRnn has that loss (else none: training chooses).
            model.Loss = KerasCompileConfig.ReadLoss(Hdf5Attributes.ReadStrings(file, file.Root, "training_config"));
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
            Hdf5Object group = file.Find(file.Root, "model_weights") ?? file.Root;
            float[][] values = ReadWeights(file, group, model, path);
            Assign(model, values);
            return model;
        });
    }

    private static Sequential Read(string path, Func<Hdf5File, Sequential> body) => Guard(path, () =>
    {
        // One open of the one file, a regular file (InputFile refuses FIFOs, devices and the like before opening): the
        // structure is checked and the values read through this handle only.
        using FileStream stream = InputFile.OpenRead(path, bufferSize: 1);
        SafeFileHandle handle = stream.SafeFileHandle;
        Hdf5File file = Hdf5File.Open(handle, RandomAccess.GetLength(handle));
        return body(file);
    });

    /// <summary>Runs a Keras reader's <paramref name="body"/>, turning what its parts throw into the <c>Keras…</c> errors.</summary>
    internal static Sequential Guard(string path, Func<Sequential> body)
    {
        try
        {
            return body();
        }
        catch (Hdf5Exception e)
        {
            throw Error(e.ErrorId, e.Kind, path, e.Message, e);
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
        catch (Exception e) when (e is OverflowException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or InvalidDataException)
        {
            // The reader checks every size it reads; this is a last guard, kept distinct (its inner exception) so that
            // the fuzz target reports it as a finding.
            throw Error("KerasCorrupt", DataErrorKind.InvalidData, path,
                "The HDF5 file is corrupt, or not laid out as Keras writes it: its structure is not one PSRnn's reader expects.", e);
        }
    }

    /// <summary>The (unfilled) Sequential model a Keras model config (model_config, or a .keras archive's config.json) describes.</summary>
    internal static Sequential BuildModel(byte[] json, string path)
    {
        int count = CountLayers(json, path);
        if (count > MaxLayers)
        {
            throw Error("KerasBadConfig", DataErrorKind.LimitsExceeded, path,
                $"The Keras model_config lists {(count == int.MaxValue ? $"more than {MaxLayers:N0}" : count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))} layers; PSRnn reads models of at most {MaxLayers:N0} layers.");
        }

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

        // The input shape first (an InputLayer's, or the first layer that gives one), before any layer is built.
        int[]? batchShape = null;
        foreach (JsonElement entry in entries)
        {
            batchShape ??= BatchShape(JsonConfig.Member(entry, "config") ?? default, path);
        }

        if (batchShape is null || batchShape.Length is < 2 or > 3)
        {
            throw Error("KerasBadConfig", DataErrorKind.InvalidData, path,
                "The Keras model_config gives no input shape (an InputLayer's batch_input_shape, or the first layer's) of (batch, time, features) or (batch, features).");
        }

        // Token input when the first layer (after any InputLayer) is an Embedding.
        bool tokens = entries.Select(ClassName).FirstOrDefault(c => c != "InputLayer") == "Embedding";
        int? time = batchShape[1] < 0 ? null : batchShape[1];
        SampleShape input = (tokens, batchShape.Length) switch
        {
            (true, 2) when time is { } t => SampleShape.Vector(t),
            (true, _) => SampleShape.Sequence(time, 1),
            (false, 2) => SampleShape.Vector(batchShape[1] > 0 ? batchShape[1] : throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, "The input has no fixed number of features.")),
            _ => SampleShape.Sequence(time, batchShape[2] > 0 ? batchShape[2] : throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, "The input has no fixed number of features.")),
        };

        var built = new List<Layer>();
        for (int i = 0; i < entries.Length; i++)
        {
            JsonElement entry = entries[i];
            JsonElement layerConfig = JsonConfig.Member(entry, "config") ?? default;
            string layerClass = ClassName(entry);
            if (layerClass == "InputLayer")
            {
                continue;
            }

            RefuseStatefulOptions(layerConfig, $"layers[{i}] ({layerClass})", path);
            using JsonDocument normalized = Normalize(entry);
            built.Add(LayerFactory.Create(normalized.RootElement, $"layers[{i}]"));
        }

        var model = new Sequential(input, name, seed: 0);
        foreach (Layer layer in built)
        {
            model.Add(layer);
        }

        return model;
    }

    private static string ClassName(JsonElement entry) =>
        JsonConfig.Member(entry, "class_name") is { ValueKind: JsonValueKind.String } c ? c.GetString()! : "";

    /// <summary>
    /// The number of entries in the model_config's layer list (config.layers, or config itself when it is a list), counted
    /// with a streaming reader that stops past <see cref="MaxLayers"/> (then int.MaxValue): a config of 10^7 layers costs
    /// a scan of its bytes, not a document of 10^7 objects. 0 when there is no such list (the parse reports that).
    /// </summary>
    private static int CountLayers(byte[] json, string path)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            // Find root.config (depth 1), then its layers (depth 2) unless config is itself the list.
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return 0;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isConfig = reader.ValueTextEquals("config"u8);
                reader.Read();
                if (!isConfig)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isLayers = reader.ValueTextEquals("layers"u8);
                        reader.Read();
                        if (isLayers && reader.TokenType == JsonTokenType.StartArray)
                        {
                            return CountItems(ref reader);
                        }

                        reader.Skip();
                    }

                    return 0;
                }

                return reader.TokenType == JsonTokenType.StartArray ? CountItems(ref reader) : 0;
            }

            return 0;
        }
        catch (JsonException e)
        {
            throw Error("KerasBadConfig", DataErrorKind.InvalidData, path, $"The Keras model_config is not valid JSON: {e.Message}", e);
        }

        static int CountItems(ref Utf8JsonReader reader)
        {
            int count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (++count > MaxLayers)
                {
                    return int.MaxValue;
                }

                reader.Skip();
            }

            return count;
        }
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
    private static float[][] ReadWeights(Hdf5File file, Hdf5Object group, Sequential model, string path)
    {
        if (!group.IsGroup)
        {
            throw Error("KerasCorrupt", DataErrorKind.InvalidData, path, "The file's model_weights is not a group.");
        }

        string[] layerNames = ReadStrings(file, group, "layer_names", path)
            ?? throw Error("KerasNoWeights", DataErrorKind.InvalidData, path, "The HDF5 file has no layer_names attribute: it is not a Keras model or weights file.");

        // Fixed costs before any lookup: a name listed twice, or more names than the group has links, is a corrupt list.
        if (layerNames.Length > group.Links!.Count)
        {
            throw Error("KerasCorrupt", DataErrorKind.InvalidData, path,
                $"The Keras file's layer_names lists {layerNames.Length} layers, but its weights group has only {group.Links.Count} members.");
        }

        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (string layerName in layerNames)
        {
            if (!distinct.Add(layerName))
            {
                throw Error("KerasCorrupt", DataErrorKind.InvalidData, path, $"The Keras file's layer_names lists the layer '{layerName}' twice.");
            }
        }

        var fileLayers = new List<(string Name, Hdf5Object Group, string[] Weights)>();
        foreach (string layerName in layerNames)
        {
            Hdf5Object layerGroup = file.Find(group, layerName) is { IsGroup: true } g ? g
                : throw Error("KerasCorrupt", DataErrorKind.InvalidData, path, $"The Keras file lists the layer '{layerName}' but has no group for it.");
            string[] weights = ReadStrings(file, layerGroup, "weight_names", path) ?? [];
            if (weights.Length > 0)
            {
                fileLayers.Add((layerName, layerGroup, weights));
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
            (string fileName, Hdf5Object layerGroup, string[] weightNames) = fileLayers[l];
            if (weightNames.Length != parameters.Count)
            {
                throw Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                    $"The file's layer '{fileName}' has {weightNames.Length} weights; the model's layer '{layer.Name}' ({layer.KerasClassName}) has {parameters.Count}.");
            }

            for (int w = 0; w < weightNames.Length; w++)
            {
                Hdf5Dataset dataset = file.Find(layerGroup, weightNames[w])?.Dataset
                    ?? throw Error("KerasCorrupt", DataErrorKind.InvalidData, path, $"The file's layer '{fileName}' lists the weight '{weightNames[w]}' but has no dataset for it.");
                ulong[] dims = dataset.Space.Dims;
                if (dims.Length != parameters[w].Shape.Count || dims.Where((d, i) => d != (ulong)parameters[w].Shape[i]).Any())
                {
                    throw Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                        $"The weight '{fileName}/{weightNames[w]}' has the shape ({string.Join(", ", dims)}); the model's '{layer.Name}' {parameters[w].Name} has ({string.Join(", ", parameters[w].Shape)}).");
                }

                values.Add(ReadFloats(file, dataset, $"{fileName}/{weightNames[w]}", path));
            }
        }

        return [.. values];
    }

    /// <summary>IEEE floats of 2, 4 or 8 bytes, little- or big-endian (HDF5 stores either), as float32.</summary>
    internal static float[] ReadFloats(Hdf5File file, Hdf5Dataset dataset, string name, string path)
    {
        Hdf5Datatype type = dataset.Type;
        if (type.Class != Hdf5Datatype.FloatingPoint || !type.IsIeeeFloat)
        {
            throw Error("KerasWeightDtype", DataErrorKind.InvalidType, path, $"The weight '{name}' holds {type.Describe()}, not IEEE floating point.");
        }

        byte[] raw = dataset.ReadRaw(file.Source, name);
        if (type.BigEndian != !BitConverter.IsLittleEndian)
        {
            // The file's byte order is not this machine's: reverse each element's bytes in place.
            for (int i = 0; i < raw.Length; i += type.Size)
            {
                raw.AsSpan(i, type.Size).Reverse();
            }
        }

        var values = new float[raw.Length / type.Size];
        switch (type.Size)
        {
            case 4:
                Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
                break;
            case 8:
                ReadOnlySpan<double> doubles = MemoryMarshal.Cast<byte, double>(raw);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)doubles[i];
                }

                break;
            default:
                ReadOnlySpan<Half> halves = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)halves[i];
                }

                break;
        }

        return values;
    }

    internal static void Assign(Sequential model, float[][] values)
    {
        // Only now, with every value read and checked, does the model change.
        int i = 0;
        foreach (Layer layer in model.Layers)
        {
            IReadOnlyList<Parameter> parameters = layer is Bidirectional b ? [.. b.ForwardLayer.Parameters, .. b.BackwardLayer.Parameters] : layer.Parameters;
            foreach (Parameter p in parameters)
            {
                values[i++].CopyTo(p.Value, 0);
                p.MarkChanged();
            }
        }
    }

    /// <summary>A string-list attribute, also when Keras split a long one into name0, name1, … (HDF5's 64 KiB header limit).</summary>
    private static string[]? ReadStrings(Hdf5File file, Hdf5Object owner, string name, string path)
    {
        if (Hdf5Attributes.ReadStrings(file, owner, name) is { } whole)
        {
            return Decode(whole, name, path);
        }

        var parts = new List<string>();
        for (int chunk = 0; Hdf5Attributes.ReadStrings(file, owner, $"{name}{chunk}") is { } part; chunk++)
        {
            parts.AddRange(Decode(part, name, path));
        }

        return parts.Count > 0 ? [.. parts] : null;

        static string[] Decode(byte[][] values, string name, string path)
        {
            try
            {
                return values.Select(v => Strict.GetString(v)).ToArray();
            }
            catch (DecoderFallbackException)
            {
                throw Error("KerasCorrupt", DataErrorKind.InvalidData, path, $"The attribute '{name}' holds a name that is not UTF-8 text.");
            }
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static JsonDocument ParseJson(byte[] json, string path)
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

    internal static DataFormatException Error(string id, DataErrorKind kind, string path, string message, Exception? inner = null) =>
        new(id, kind, path, message, inner);
}
