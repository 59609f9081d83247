using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Hugging Face's safetensors format, read and written strictly: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON <c>{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}</c> (padded
/// with spaces), then the tensors' bytes, offsets relative to the end of the header. Every tensor's bytes must match its
/// dtype and shape, and the tensors must tile the data exactly (no overlap, no gap, nothing after the last one), as the
/// reference implementation demands; any violation is a <see cref="DataFormatException"/> with a stable ErrorId.
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>The largest header read (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private static readonly Dictionary<string, int> DTypeSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    // Readers look every tensor up by name: a scan per lookup made a file of n tensors cost n².
    private readonly Dictionary<string, SafetensorsTensor> _byName;

    /// <summary>Creates the content of a file.</summary>
    /// <param name="tensors">The tensors, names unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">The string-to-string metadata (may be empty).</param>
    public SafetensorsFile(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Tensors = tensors.ToArray();
        Metadata = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        _byName = new Dictionary<string, SafetensorsTensor>(Tensors.Count, StringComparer.Ordinal);
        foreach (SafetensorsTensor t in Tensors)
        {
            if (t.Name == "__metadata__" || !_byName.TryAdd(t.Name, t))
            {
                throw new ArgumentException($"Tensor name '{t.Name}' is reserved or repeated.", nameof(tensors));
            }
        }
    }

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public SafetensorsTensor? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The byte size of one element of a safetensors dtype, or null for an unknown dtype.</summary>
    public static int? DTypeSize(string dtype) => DTypeSizes.TryGetValue(dtype, out int size) ? size : null;

    /// <summary>Reads and validates a file.</summary>
    /// <exception cref="DataFormatException">The file is not valid safetensors (see the class remarks).</exception>
    public static SafetensorsFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = InputFile.OpenRead(path, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Writes <paramref name="file"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="file">The content.</param>
    /// <param name="overwrite">Whether an existing file is replaced (else <see cref="IOException"/>).</param>
    public static void Save(string path, SafetensorsFile file, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(file);
        AtomicFile.Write(path, file.Write, overwrite);
    }

    /// <summary>Reads and validates a file from a seekable stream positioned at its start.</summary>
    /// <param name="stream">The stream; its length bounds the header and data.</param>
    /// <param name="fileName">The file name for messages, or null.</param>
    /// <exception cref="DataFormatException">The content is not valid safetensors.</exception>
    public static SafetensorsFile Read(Stream stream, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long available = stream.Length - stream.Position;
        Span<byte> prefix = stackalloc byte[8];
        if (available < 8 || !TryReadExactly(stream, prefix))
        {
            throw Fail("SafetensorsTruncated", DataErrorKind.InvalidData, fileName,
                $"The file has {Math.Max(available, 0)} bytes; a safetensors file starts with an 8-byte header length.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(available - 8))
        {
            // A header length past the end and no '{' to start a header: not a damaged safetensors file but another kind.
            Span<byte> head = stackalloc byte[16];
            prefix.CopyTo(head);
            int more = stream.ReadAtLeast(head[8..], 8, throwOnEndOfStream: false);
            if (more > 0 && head[8] != (byte)'{')
            {
                throw Fail("SafetensorsNotRecognized", DataErrorKind.InvalidType, fileName, ModelFormats.NotA(head[..(8 + more)],
                    "a safetensors file", "Give a model or checkpoint written by Export-RnnModel or Invoke-RnnTraining -CheckpointPath."));
            }

            throw Fail("SafetensorsHeaderBeyondFile", DataErrorKind.InvalidData, fileName,
                $"The header length is {headerLength} bytes but only {available - 8} follow it: the file is truncated or not safetensors.");
        }

        if (headerLength > MaxHeaderLength)
        {
            throw Fail("SafetensorsHeaderTooLarge", DataErrorKind.LimitsExceeded, fileName,
                $"The header is {headerLength} bytes; at most {MaxHeaderLength} are read.");
        }

        var header = new byte[(int)headerLength];
        if (!TryReadExactly(stream, header))
        {
            throw Fail("SafetensorsTruncated", DataErrorKind.InvalidData, fileName, "The file ended inside the header.");
        }

        long dataLength = available - 8 - (long)headerLength;
        (List<Entry> entries, Dictionary<string, string> metadata) = ParseHeader(header, dataLength, fileName);

        // The data in offset order: entries were checked to tile [0, dataLength) exactly.
        var tensors = new SafetensorsTensor[entries.Count];
        foreach (Entry e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            var bytes = new byte[e.End - e.Begin];
            if (!TryReadExactly(stream, bytes))
            {
                throw Fail("SafetensorsTruncated", DataErrorKind.InvalidData, fileName, $"The file ended inside tensor '{e.Name}'.");
            }

            tensors[e.Index] = new SafetensorsTensor(e.Name, e.DType, e.Shape, bytes);
        }

        return new SafetensorsFile(tensors, metadata);
    }

    /// <summary>Writes the file: header (metadata first, tensors in order, offsets contiguous, padded to 8 bytes), then data.</summary>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (Metadata.Count > 0)
            {
                writer.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> kv in Metadata)
                {
                    writer.WriteString(kv.Key, kv.Value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (SafetensorsTensor t in Tensors)
            {
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", t.DType);
                writer.WriteStartArray("shape");
                foreach (long d in t.Shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + t.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += t.Data.Length;
            }

            writer.WriteEndObject();
        }

        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padding = (int)((8 - (json.Length % 8)) % 8);
        for (int i = 0; i < padding; i++)
        {
            json.WriteByte((byte)' ');
        }

        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        stream.Write(prefix);
        json.Position = 0;
        json.CopyTo(stream);
        foreach (SafetensorsTensor t in Tensors)
        {
            stream.Write(t.Data);
        }
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(byte[] header, long dataLength, string? fileName)
    {
        JsonDocument document;
        try
        {
            // Strict UTF-8: invalid bytes throw instead of becoming U+FFFD.
            string text = new UTF8Encoding(false, true).GetString(header);
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or ArgumentException)
        {
            throw Fail("SafetensorsBadHeader", DataErrorKind.InvalidData, fileName, $"The header is not valid UTF-8 JSON: {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("SafetensorsBadHeader", DataErrorKind.InvalidData, fileName, "The header must be a JSON object.");
            }

            if (JsonConfig.FirstInvalidString(root) is { } bad)
            {
                throw Fail("SafetensorsBadHeader", DataErrorKind.InvalidData, fileName,
                    $"The header's string at {bad} escapes a lone UTF-16 surrogate, which is not text.");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Fail("SafetensorsBadHeader", DataErrorKind.InvalidData, fileName, $"The header names '{property.Name}' twice.");
                }

                if (property.Name == "__metadata__")
                {
                    ReadMetadata(property.Value, metadata, fileName);
                    continue;
                }

                entries.Add(ReadEntry(entries.Count, property, fileName));
            }

            CheckTiling(entries, dataLength, fileName);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string? fileName)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fail("SafetensorsBadMetadata", DataErrorKind.InvalidData, fileName, "__metadata__ must be an object of strings.");
        }

        foreach (JsonProperty p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String || !metadata.TryAdd(p.Name, p.Value.GetString()!))
            {
                throw Fail("SafetensorsBadMetadata", DataErrorKind.InvalidData, fileName,
                    $"__metadata__ entry '{p.Name}' must be a string, given once.");
            }
        }
    }

    private static Entry ReadEntry(int index, JsonProperty property, string? fileName)
    {
        string name = property.Name;
        JsonElement v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out JsonElement offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Fail("SafetensorsBadHeader", DataErrorKind.InvalidData, fileName,
                $"Tensor '{name}' must have a string dtype, a shape array and data_offsets [begin, end].");
        }

        string dtype = dtypeElement.GetString()!;
        if (DTypeSize(dtype) is not int size)
        {
            throw Fail("SafetensorsUnknownDtype", DataErrorKind.InvalidType, fileName,
                $"Tensor '{name}' has dtype '{dtype}', which is not a safetensors dtype ({string.Join(", ", DTypeSizes.Keys)}).");
        }

        var shape = new List<long>();
        long count = 1;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
            {
                throw Fail("SafetensorsBadHeader", DataErrorKind.InvalidData, fileName,
                    $"Tensor '{name}' has a shape entry that is not a non-negative integer.");
            }

            shape.Add(dim);
            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw Fail("SafetensorsShapeMismatch", DataErrorKind.LimitsExceeded, fileName, $"Tensor '{name}' has a shape too large to hold.");
            }
        }

        long[] offsets = new long[2];
        int i = 0;
        foreach (JsonElement o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out offsets[i]) || offsets[i] < 0)
            {
                throw Fail("SafetensorsBadHeader", DataErrorKind.InvalidData, fileName,
                    $"Tensor '{name}' has a data offset that is not a non-negative integer.");
            }

            i++;
        }

        long bytes;
        try
        {
            bytes = checked(count * size);
        }
        catch (OverflowException)
        {
            throw Fail("SafetensorsShapeMismatch", DataErrorKind.LimitsExceeded, fileName, $"Tensor '{name}' has a shape too large to hold.");
        }

        if (offsets[1] >= offsets[0] && offsets[1] - offsets[0] != bytes)
        {
            throw Fail("SafetensorsShapeMismatch", DataErrorKind.InvalidData, fileName,
                string.Create(CultureInfo.InvariantCulture,
                    $"Tensor '{name}' ({dtype}, shape [{string.Join(", ", shape)}]) needs {bytes} bytes, but its offsets span {offsets[1] - offsets[0]}."));
        }

        if (bytes > Array.MaxLength)
        {
            throw Fail("SafetensorsShapeMismatch", DataErrorKind.LimitsExceeded, fileName, $"Tensor '{name}' is larger than one array can hold.");
        }

        return new Entry(index, name, dtype, shape.ToArray(), offsets[0], offsets[1]);
    }

    private static void CheckTiling(List<Entry> entries, long dataLength, string? fileName)
    {
        foreach (Entry e in entries)
        {
            if (e.Begin > e.End || e.End > dataLength)
            {
                throw Fail("SafetensorsOffsetOutOfRange", DataErrorKind.InvalidData, fileName,
                    $"Tensor '{e.Name}' has data_offsets [{e.Begin}, {e.End}], outside the {dataLength} data bytes.");
            }
        }

        long expected = 0;
        foreach (Entry e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < expected)
            {
                throw Fail("SafetensorsOffsetsOverlap", DataErrorKind.InvalidData, fileName,
                    $"Tensor '{e.Name}' starts at byte {e.Begin}, inside the tensor before it (which ends at {expected}).");
            }

            if (e.Begin > expected)
            {
                throw Fail("SafetensorsDataNotCovered", DataErrorKind.InvalidData, fileName,
                    $"Data bytes {expected} to {e.Begin} belong to no tensor.");
            }

            expected = e.End;
        }

        if (expected != dataLength)
        {
            throw Fail("SafetensorsDataNotCovered", DataErrorKind.InvalidData, fileName,
                $"The file has {dataLength - expected} data bytes after the last tensor.");
        }
    }

    private static bool TryReadExactly(Stream stream, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = stream.Read(buffer[done..]);
            if (n == 0)
            {
                return false;
            }

            done += n;
        }

        return true;
    }

    private static DataFormatException Fail(string id, DataErrorKind kind, string? fileName, string message, Exception? inner = null) =>
        new(id, kind, fileName, message, inner);

    private sealed record Entry(int Index, string Name, string DType, long[] Shape, long Begin, long End);
}
