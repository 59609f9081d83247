using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Hdf5;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Reads Keras 3's native model files (<c>model.save('m.keras')</c>, keras/src/saving/saving_lib.py): a zip archive of
/// <c>config.json</c> (the serialized Sequential model), <c>metadata.json</c> (keras_version, date_saved) and
/// <c>model.weights.h5</c>.
/// </summary>
/// <remarks>
/// <para>In model.weights.h5 each object's own variables are the datasets <c>0</c>, <c>1</c>, … of a group <c>vars</c>
/// under its path: a Sequential's layers are <c>layers/&lt;name&gt;</c>, the name being the snake-case class name with a
/// counter per class (<c>lstm</c>, <c>lstm_1</c>, <c>dense</c>; not the layer's own name), and a layer's sublayers sit under
/// their attribute names: a recurrent layer's variables in <c>cell/vars</c>, a Bidirectional's in
/// <c>forward_layer/cell/vars</c> and <c>backward_layer/cell/vars</c>, a MultiHeadAttention's in
/// <c>query_dense/vars</c>, <c>key_dense</c>, <c>value_dense</c>, <c>output_dense</c> (<c>_query_dense</c>, … as Keras 3.0
/// wrote them). Keras's variable order and shapes are PSRnn's, so values are copied unchanged.</para>
/// <para>The config is read as <see cref="KerasHdf5File"/> reads an HDF5 model's model_config (same layers, same checks
/// and error IDs); the weights file through the same bounded HDF5 reader, copied out of the archive to a temporary file
/// that is deleted on close. Archive errors: <c>KerasArchiveCorrupt</c> (not a readable zip),
/// <c>KerasArchiveIncomplete</c> (config.json or model.weights.h5 missing, or weights in the npz format),
/// <c>KerasArchiveTooLarge</c> (a member beyond <see cref="MaxConfigBytes"/> or <see cref="MaxWeightBytes"/>);
/// <c>KerasWeightMismatch</c> for weights that are missing or do not fit.</para>
/// <para><see cref="Save"/> writes the same layout (Export-RnnModel -Format Keras), model.weights.h5 through
/// <see cref="Hdf5Writer"/>.</para>
/// </remarks>
public static class KerasArchive
{
    /// <summary>The largest config.json or metadata.json read.</summary>
    public const long MaxConfigBytes = 64L << 20;

    /// <summary>The largest model.weights.h5 read (PSRnn's models hold at most 2^31 floats a weight).</summary>
    public const long MaxWeightBytes = 64L << 30;

    internal const string ConfigName = "config.json";
    internal const string MetadataName = "metadata.json";
    internal const string WeightsName = "model.weights.h5";

    /// <summary>Whether a seekable stream holds a zip archive with a <c>config.json</c>: a .keras file (the stream is left where it was).</summary>
    internal static bool IsArchive(Stream stream)
    {
        long start = stream.Position;
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            return zip.GetEntry(ConfigName) is not null;
        }
        catch (InvalidDataException)
        {
            return false;
        }
        finally
        {
            stream.Position = start;
        }
    }

    /// <summary>Reads a whole .keras model.</summary>
    /// <exception cref="DataFormatException">The file is not a readable Keras archive, or a model PSRnn cannot build (ErrorIds <c>Keras…</c>).</exception>
    public static Sequential Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return KerasHdf5File.Guard(path, () =>
        {
            using FileStream stream = InputFile.OpenRead(path, bufferSize: 1 << 16);
            using ZipArchive zip = Open(stream, path);
            ZipArchiveEntry configEntry = zip.GetEntry(ConfigName)
                ?? throw KerasHdf5File.Error("KerasArchiveIncomplete", DataErrorKind.InvalidData, path, $"The Keras archive has no {ConfigName}.");
            ZipArchiveEntry weightsEntry = zip.GetEntry(WeightsName) ?? throw KerasHdf5File.Error("KerasArchiveIncomplete", DataErrorKind.InvalidData, path,
                zip.GetEntry("model.weights.npz") is not null
                    ? "The Keras archive keeps its weights as model.weights.npz; PSRnn reads the default, model.weights.h5 (save it with model.save('m.keras'))."
                    : $"The Keras archive has no {WeightsName}.");
            byte[] config = ReadMember(configEntry, MaxConfigBytes, path);
            Sequential model = KerasHdf5File.BuildModel(config, path);
            model.Loss = KerasCompileConfig.ReadLoss(CompileConfig(config));
            float[][] values;
            using (FileStream weights = CopyToTemporaryFile(weightsEntry, path))
            {
                Hdf5File file = Hdf5File.Open(weights.SafeFileHandle, weights.Length);
                values = ReadWeights(file, model, path);
            }

            KerasHdf5File.Assign(model, values);
            return model;
        });
    }

    /// <summary>The error ID for a model Keras 3 could not load as a Sequential model.</summary>
    public const string ExportUnsupportedErrorId = "KerasExportUnsupported";

    /// <summary>
    /// Writes <paramref name="model"/> as a .keras archive in the layout Keras 3's model.save writes (see the class
    /// remarks): config.json with an InputLayer of the model's batch shape and each layer's Keras config, metadata.json,
    /// and model.weights.h5 with every weight at its Keras path; written whole to a temporary file, then moved into place.
    /// </summary>
    /// <exception cref="ModelException"><see cref="ExportUnsupportedErrorId"/>: a layer Keras's Sequential cannot hold.</exception>
    public static void Save(string path, Sequential model, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        model.EnsureNotEmpty();
        foreach (Layer layer in model.Layers)
        {
            if (layer is SelfAttention or MultiHeadAttention or SpecAugmentLayer)
            {
                throw new ModelException(ExportUnsupportedErrorId, layer is SpecAugmentLayer
                    ? $"Layer '{layer.Name}' is PSRnn's SpecAugment, which Keras 3 does not have. Export the model in PSRnn's own format (or ONNX: it drops the layer), or remove it."
                    : $"Layer '{layer.Name}' ({layer.KerasClassName}) takes a query and a value in Keras, which a Keras Sequential model (one input per layer) cannot give it. " +
                      "Export the model in PSRnn's own format or to ONNX.");
            }
        }

        var weights = new Hdf5Writer();
        weights.Root.Require("vars");
        foreach ((string group, _, IReadOnlyList<Parameter> parameters) in VariableGroups(model))
        {
            Hdf5Writer.Group vars = weights.Root.Require(group + "/vars");
            for (int i = 0; i < parameters.Count; i++)
            {
                vars.AddDataset(i.ToString(System.Globalization.CultureInfo.InvariantCulture), parameters[i].Shape, parameters[i].Value);
            }
        }

        byte[] h5 = weights.ToArray();
        byte[] config = Json(w => WriteConfig(w, model));
        byte[] metadata = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("keras_version", "3.6.0");
            w.WriteString("date_saved", DateTime.UtcNow.ToString("yyyy-MM-dd@HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("producer", "PSRnn");
            w.WriteEndObject();
        });
        AtomicFile.Write(path, stream =>
        {
            // Stored, not compressed, as Keras writes it.
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach ((string name, byte[] bytes) in new[] { (MetadataName, metadata), (ConfigName, config), (WeightsName, h5) })
            {
                using Stream entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(bytes);
            }
        }, overwrite);
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.ToArray();
    }

    // serialize_keras_object(model): the Sequential, an InputLayer of the batch shape, then each layer's config.
    private static void WriteConfig(Utf8JsonWriter w, Sequential model)
    {
        void Shape() => ModelFile.WriteShape(w, model.InputShape, batchAxis: true);

        w.WriteStartObject();
        w.WriteString("module", "keras");
        w.WriteString("class_name", "Sequential");
        w.WriteStartObject("config");
        w.WriteString("name", model.Name);
        w.WriteBoolean("trainable", true);
        w.WriteString("dtype", "float32");
        w.WriteStartArray("layers");
        w.WriteStartObject();
        w.WriteString("module", "keras.layers");
        w.WriteString("class_name", "InputLayer");
        w.WriteStartObject("config");
        w.WritePropertyName("batch_shape");
        Shape();
        w.WriteString("dtype", model.Layers[0] is Embedding ? "int32" : "float32");
        w.WriteBoolean("sparse", false);
        w.WriteString("name", "input_layer");
        w.WriteEndObject();
        w.WriteNull("registered_name");
        w.WriteEndObject();
        foreach (Layer layer in model.Layers)
        {
            w.WriteStartObject();
            w.WriteString("module", "keras.layers");
            w.WriteString("class_name", layer.KerasClassName);
            w.WritePropertyName("config");
            JsonConfig.Write(w, layer.GetConfig());
            w.WriteNull("registered_name");
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteNull("registered_name");
        w.WriteStartObject("build_config");
        w.WritePropertyName("input_shape");
        Shape();
        w.WriteEndObject();
        if (model.Loss is { } loss)
        {
            w.WriteStartObject("compile_config");
            w.WriteString("loss", loss.KerasName);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("compile_config");
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// The groups that hold each layer's variables in model.weights.h5, with the parameters each holds, in
    /// <see cref="Sequential.Parameters"/> order; layers without weights have none.
    /// </summary>
    internal static IEnumerable<(string Group, string[] Alternatives, IReadOnlyList<Parameter> Parameters)> VariableGroups(Sequential model)
    {
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Layer layer in model.Layers)
        {
            string snake = SnakeCase(layer.KerasClassName);
            int n = used.TryGetValue(snake, out int seen) ? seen + 1 : 0;
            used[snake] = n;
            string path = n == 0 ? $"layers/{snake}" : $"layers/{snake}_{n}";
            switch (layer)
            {
                case Bidirectional b:
                    yield return ($"{path}/forward_layer/cell", [], b.ForwardLayer.Parameters);
                    yield return ($"{path}/backward_layer/cell", [], b.BackwardLayer.Parameters);
                    break;
                case RecurrentLayer r:
                    yield return ($"{path}/cell", [], r.Parameters);
                    break;
                case MultiHeadAttention m:
                    int step = m.UseBias ? 2 : 1;
                    string[] sublayers = ["query_dense", "key_dense", "value_dense", "output_dense"];
                    for (int s = 0; s < sublayers.Length; s++)
                    {
                        yield return ($"{path}/{sublayers[s]}", [$"{path}/_{sublayers[s]}"], m.Parameters.Skip(s * step).Take(step).ToArray());
                    }

                    break;
                default:
                    if (layer.Parameters.Count > 0)
                    {
                        yield return (path, [], layer.Parameters);
                    }

                    break;
            }
        }
    }

    /// <summary>Keras's naming.to_snake_case: <c>SimpleRNN</c> → simple_rnn, <c>GlobalAveragePooling1D</c> → global_average_pooling1d.</summary>
    internal static string SnakeCase(string className)
    {
        string name = Regex.Replace(className, @"\W+", "");
        name = Regex.Replace(name, "(.)([A-Z][a-z]+)", "$1_$2");
        return Regex.Replace(name, "([a-z])([A-Z])", "$1_$2").ToLowerInvariant();
    }

    private static float[][] ReadWeights(Hdf5File file, Sequential model, string path)
    {
        var values = new List<float[]>();
        foreach ((string group, string[] alternatives, IReadOnlyList<Parameter> parameters) in VariableGroups(model))
        {
            string? found = alternatives.Prepend(group).FirstOrDefault(g => file.Find(file.Root, g + "/vars") is { IsGroup: true });
            Hdf5Object vars = found is null
                ? throw KerasHdf5File.Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                    $"The Keras archive's weights have no group {group}/vars for the model's {string.Join(", ", parameters.Select(p => p.Name))}.")
                : file.Find(file.Root, found + "/vars")!;
            int count = vars.Links!.Count;
            if (count != parameters.Count)
            {
                throw KerasHdf5File.Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                    $"The Keras archive's {found}/vars holds {count} variables; the model's layer has {parameters.Count} there ({string.Join(", ", parameters.Select(p => p.Name))}).");
            }

            for (int i = 0; i < parameters.Count; i++)
            {
                string name = $"{found}/vars/{i}";
                Hdf5Dataset dataset = file.Find(file.Root, name)?.Dataset
                    ?? throw KerasHdf5File.Error("KerasWeightMismatch", DataErrorKind.InvalidData, path, $"The Keras archive's weights have no dataset {name}.");
                ulong[] dims = dataset.Space.Dims;
                IReadOnlyList<int> shape = parameters[i].Shape;
                if (dims.Length != shape.Count || dims.Where((d, k) => d != (ulong)shape[k]).Any())
                {
                    throw KerasHdf5File.Error("KerasWeightMismatch", DataErrorKind.InvalidData, path,
                        $"The weight {name} has the shape ({string.Join(", ", dims)}); the model's {parameters[i].Name} there has ({string.Join(", ", shape)}).");
                }

                values.Add(KerasHdf5File.ReadFloats(file, dataset, name, path));
            }
        }

        return [.. values];
    }

    private static ZipArchive Open(Stream stream, string path)
    {
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw KerasHdf5File.Error("KerasArchiveCorrupt", DataErrorKind.InvalidData, path, $"The Keras archive is not a readable zip file: {e.Message}", e);
        }
    }

    private static byte[] ReadMember(ZipArchiveEntry entry, long limit, string path)
    {
        if (entry.Length > limit)
        {
            throw KerasHdf5File.Error("KerasArchiveTooLarge", DataErrorKind.LimitsExceeded, path,
                $"The Keras archive's {entry.FullName} is {entry.Length:N0} bytes; PSRnn reads at most {limit:N0}.");
        }

        try
        {
            using Stream input = entry.Open();
            using var buffer = new MemoryStream((int)entry.Length);
            CopyBounded(input, buffer, limit, entry.FullName, path);
            return buffer.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw KerasHdf5File.Error("KerasArchiveCorrupt", DataErrorKind.InvalidData, path, $"The Keras archive's {entry.FullName} does not decompress: {e.Message}", e);
        }
    }

    private static FileStream CopyToTemporaryFile(ZipArchiveEntry entry, string path)
    {
        if (entry.Length > MaxWeightBytes)
        {
            throw KerasHdf5File.Error("KerasArchiveTooLarge", DataErrorKind.LimitsExceeded, path,
                $"The Keras archive's {entry.FullName} is {entry.Length:N0} bytes; PSRnn reads at most {MaxWeightBytes:N0}.");
        }

        var temporary = new FileStream(Path.Combine(Path.GetTempPath(), $"psrnn-{Guid.NewGuid():N}.h5"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            using (Stream input = entry.Open())
            {
                CopyBounded(input, temporary, MaxWeightBytes, entry.FullName, path);
            }

            temporary.Flush();
            return temporary;
        }
        catch (InvalidDataException e)
        {
            temporary.Dispose();
            throw KerasHdf5File.Error("KerasArchiveCorrupt", DataErrorKind.InvalidData, path, $"The Keras archive's {entry.FullName} does not decompress: {e.Message}", e);
        }
        catch
        {
            temporary.Dispose();
            throw;
        }
    }

    // A member's declared length can lie: the bytes actually decompressed are counted too.
    private static void CopyBounded(Stream input, Stream output, long limit, string member, string path)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            total += n;
            if (total > limit)
            {
                throw KerasHdf5File.Error("KerasArchiveTooLarge", DataErrorKind.LimitsExceeded, path,
                    $"The Keras archive's {member} decompresses to more than {limit:N0} bytes, the most PSRnn reads.");
            }

            output.Write(buffer, 0, n);
        }
    }

    // compile_config (optimizer, loss, metrics) as the HDF5 reader's training_config: the loss is read when PSRnn has it.
    private static byte[][]? CompileConfig(byte[] config)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(config);
            return doc.RootElement.ValueKind == JsonValueKind.Object && JsonConfig.Member(doc.RootElement, "compile_config") is { ValueKind: JsonValueKind.Object } compile
                ? [Encoding.UTF8.GetBytes(compile.GetRawText())]
                : null;
        }
        catch (JsonException)
        {
            return null; // BuildModel has already refused invalid JSON
        }
    }
}
