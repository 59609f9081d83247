using System.Buffers.Binary;
using PSRnn.Engine.Data;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>
/// Decodes the ONNX messages import needs (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
/// ValueInfoProto) with <see cref="ProtoReader"/>; other fields are skipped. Field numbers are onnx.proto's.
/// </summary>
internal static class OnnxModelDecoder
{
    // TensorProto.DataType values import reads.
    private const int Float = 1, UInt8 = 2, Int8 = 3, Int32 = 6, Int64 = 7, Bool = 9, Double = 11;

    /// <summary>Decodes a whole model file.</summary>
    /// <exception cref="DataFormatException">The bytes are not a valid ONNX model, or use external data.</exception>
    public static OnnxDecodedModel Decode(byte[] data, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var model = new ProtoReader(data, 0, data.Length, fileName);
        long ir = 0, opset = 0;
        string producer = "";
        ProtoReader? graph = null;
        while (model.TryReadTag(out int field))
        {
            switch (field)
            {
                case 1: ir = model.ReadInt64(); break;
                case 2: producer = model.ReadString(); break;
                case 7: graph = model.ReadMessage(); break;
                case 8:
                    ProtoReader op = model.ReadMessage();
                    string domain = "";
                    long version = 0;
                    while (op.TryReadTag(out int f))
                    {
                        if (f == 1) { domain = op.ReadString(); }
                        else if (f == 2) { version = op.ReadInt64(); }
                        else { op.Skip(); }
                    }

                    if (domain is "" or "ai.onnx")
                    {
                        opset = version;
                    }

                    break;
                default: model.Skip(); break;
            }
        }

        if (graph is null || ir <= 0)
        {
            throw new DataFormatException("OnnxNotAModel", DataErrorKind.InvalidData, fileName,
                "The file is not an ONNX model: it has no IR version or no graph. Export the model again.");
        }

        return DecodeGraph(graph, ir, opset, producer, fileName);
    }

    private static OnnxDecodedModel DecodeGraph(ProtoReader graph, long ir, long opset, string producer, string? fileName)
    {
        var nodes = new List<OnnxDecodedNode>();
        var initializers = new Dictionary<string, OnnxDecodedTensor>(StringComparer.Ordinal);
        var inputs = new List<(string, int, OnnxDim[])>();
        var outputs = new List<string>();
        string name = "";
        while (graph.TryReadTag(out int field))
        {
            switch (field)
            {
                case 1: nodes.Add(DecodeNode(graph.ReadMessage(), fileName)); break;
                case 2: name = graph.ReadString(); break;
                case 5:
                    OnnxDecodedTensor t = DecodeTensor(graph.ReadMessage(), fileName);
                    initializers[t.Name] = t;
                    break;
                case 11: inputs.Add(DecodeValueInfo(graph.ReadMessage(), fileName)); break;
                case 12: outputs.Add(DecodeValueInfo(graph.ReadMessage(), fileName).Item1); break;
                default: graph.Skip(); break;
            }
        }

        // Before IR 4, initializers were also listed as inputs; those are constants, not the model's input.
        inputs.RemoveAll(i => initializers.ContainsKey(i.Item1));
        return new OnnxDecodedModel(ir, opset, producer, name, nodes, initializers, inputs, outputs);
    }

    private static OnnxDecodedNode DecodeNode(ProtoReader node, string? fileName)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxDecodedAttribute>(StringComparer.Ordinal);
        string name = "", op = "", domain = "";
        while (node.TryReadTag(out int field))
        {
            switch (field)
            {
                case 1: inputs.Add(node.ReadString()); break;
                case 2: outputs.Add(node.ReadString()); break;
                case 3: name = node.ReadString(); break;
                case 4: op = node.ReadString(); break;
                case 5:
                    OnnxDecodedAttribute a = DecodeAttribute(node.ReadMessage(), fileName);
                    attributes[a.Name] = a;
                    break;
                case 7: domain = node.ReadString(); break;
                default: node.Skip(); break;
            }
        }

        return new OnnxDecodedNode(op, domain == "ai.onnx" ? "" : domain, name, inputs, outputs, attributes);
    }

    private static OnnxDecodedAttribute DecodeAttribute(ProtoReader reader, string? fileName)
    {
        var a = new OnnxDecodedAttribute();
        while (reader.TryReadTag(out int field))
        {
            switch (field)
            {
                case 1: a.Name = reader.ReadString(); break;
                case 2: a.F = reader.ReadFloat(); break;
                case 3: a.I = reader.ReadInt64(); break;
                case 4: a.S = reader.ReadString(); break;
                case 5: a.T = DecodeTensor(reader.ReadMessage(), fileName); break;
                case 6 or 11 or 15 or 16: a.HasSubgraph = true; reader.Skip(); break;
                case 7: reader.ReadFloats(a.Floats); break;
                case 8: reader.ReadInt64s(a.Ints); break;
                case 9: a.Strings.Add(reader.ReadString()); break;
                default: reader.Skip(); break;
            }
        }

        return a;
    }

    /// <summary>Decodes a TensorProto (dims 1, data_type 2, float_data 4, int32_data 5, int64_data 7, name 8, raw_data 9, double_data 10, data_location 14).</summary>
    internal static OnnxDecodedTensor DecodeTensor(ProtoReader reader, string? fileName)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        var ints = new List<long>();
        var doubles = new List<double>();
        int type = 0;
        string name = "";
        (int Start, int Length)? raw = null;
        bool external = false;
        while (reader.TryReadTag(out int field))
        {
            switch (field)
            {
                case 1: reader.ReadInt64s(dims); break;
                case 2: type = Enum32(reader.ReadInt64(), $"tensor '{name}' data_type", fileName); break;
                case 4: reader.ReadFloats(floats); break;
                case 5 or 7: reader.ReadInt64s(ints); break;
                case 8: name = reader.ReadString(); break;
                case 9: raw = reader.ReadLengthDelimited(); break;
                case 10: reader.ReadDoubles(doubles); break;
                case 14: external = reader.ReadInt64() == 1; break;
                default: reader.Skip(); break;
            }
        }

        if (external)
        {
            throw new DataFormatException("OnnxExternalData", DataErrorKind.InvalidType, fileName,
                $"The ONNX tensor '{name}' keeps its data in an external file, which PSRnn does not read. Export the model with its weights inside the .onnx file.");
        }

        long count = ElementCount(name, dims, fileName);

        float[]? f = null;
        long[]? i = null;
        if (raw is { } r)
        {
            ReadOnlySpan<byte> bytes = reader.Bytes(r.Start, r.Length);
            int size = type switch { Float or Int32 => 4, Int64 or Double => 8, UInt8 or Int8 or Bool => 1, _ => 0 };
            if (size == 0)
            {
                throw UnsupportedType(name, type, fileName);
            }

            if (bytes.Length != count * size)
            {
                throw new DataFormatException("OnnxCorrupt", DataErrorKind.InvalidData, fileName,
                    $"The ONNX tensor '{name}' has {bytes.Length} bytes of data where its shape ({string.Join(", ", dims)}) needs {count * size}. Export the model again.");
            }

            int n = (int)count;
            switch (type)
            {
                case Float:
                    f = new float[n];
                    for (int k = 0; k < n; k++) { f[k] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(k * 4)..]); }
                    break;
                case Double:
                    f = new float[n];
                    for (int k = 0; k < n; k++) { f[k] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(k * 8)..]); }
                    break;
                case Int32:
                    i = new long[n];
                    for (int k = 0; k < n; k++) { i[k] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(k * 4)..]); }
                    break;
                case Int64:
                    i = new long[n];
                    for (int k = 0; k < n; k++) { i[k] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(k * 8)..]); }
                    break;
                default:
                    i = new long[n];
                    for (int k = 0; k < n; k++) { i[k] = type == Int8 ? (sbyte)bytes[k] : bytes[k]; }
                    break;
            }
        }
        else
        {
            switch (type)
            {
                case Float: f = [.. floats]; break;
                case Double: f = doubles.ConvertAll(d => (float)d).ToArray(); break;
                case Int32 or Int64 or UInt8 or Int8 or Bool: i = [.. ints]; break;
                default: throw UnsupportedType(name, type, fileName);
            }

            if ((f?.Length ?? i!.Length) != count)
            {
                throw new DataFormatException("OnnxCorrupt", DataErrorKind.InvalidData, fileName,
                    $"The ONNX tensor '{name}' has {f?.Length ?? i!.Length} values where its shape ({string.Join(", ", dims)}) needs {count}. Export the model again.");
            }
        }

        return new OnnxDecodedTensor(name, [.. dims], f, i);
    }

    private static (string, int, OnnxDim[]) DecodeValueInfo(ProtoReader reader, string? fileName)
    {
        string name = "";
        int elem = 0;
        var dims = new List<OnnxDim>();
        while (reader.TryReadTag(out int field))
        {
            if (field == 1)
            {
                name = reader.ReadString();
            }
            else if (field == 2)
            {
                ProtoReader type = reader.ReadMessage();
                while (type.TryReadTag(out int tf))
                {
                    if (tf != 1)
                    {
                        type.Skip();
                        continue;
                    }

                    ProtoReader tensor = type.ReadMessage();
                    while (tensor.TryReadTag(out int f))
                    {
                        if (f == 1)
                        {
                            elem = Enum32(tensor.ReadInt64(), "graph input elem_type", fileName);
                        }
                        else if (f == 2)
                        {
                            ProtoReader shape = tensor.ReadMessage();
                            while (shape.TryReadTag(out int sf))
                            {
                                if (sf != 1)
                                {
                                    shape.Skip();
                                    continue;
                                }

                                ProtoReader dim = shape.ReadMessage();
                                OnnxDim d = OnnxDim.Symbolic("");
                                while (dim.TryReadTag(out int df))
                                {
                                    if (df == 1) { d = OnnxDim.Fixed(dim.ReadInt64()); }
                                    else if (df == 2) { d = OnnxDim.Symbolic(dim.ReadString()); }
                                    else { dim.Skip(); }
                                }

                                dims.Add(d);
                            }
                        }
                        else
                        {
                            tensor.Skip();
                        }
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return (name, elem, [.. dims]);
    }

    /// <summary>The most axes a tensor may have: ONNX sets no bound, real models use at most a handful.</summary>
    internal const int MaxRank = 32;

    /// <summary>
    /// The element count of a tensor's dims, in checked arithmetic: (4, 2^62) wrapped to 0 and (4, 2^62 + 3) to 12, which
    /// then loaded as Dense(0) or a silently wrong Dense(3). Each dimension must fit an int and the product one array.
    /// </summary>
    internal static long ElementCount(string name, IReadOnlyList<long> dims, string? fileName)
    {
        if (dims.Count > MaxRank)
        {
            throw TooLarge($"The ONNX tensor '{name}' has {dims.Count} axes; PSRnn reads tensors of at most {MaxRank}.", fileName);
        }

        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0)
            {
                throw new DataFormatException("OnnxCorrupt", DataErrorKind.InvalidData, fileName,
                    $"The ONNX tensor '{name}' has the shape ({string.Join(", ", dims)}), with a negative size. Export the model again.");
            }

            if (d > int.MaxValue || (d > 0 && count > Array.MaxLength / d))
            {
                throw TooLarge($"The ONNX tensor '{name}' has the shape ({string.Join(", ", dims)}), more values than one array holds ({Array.MaxLength:N0}).", fileName);
            }

            count *= d;
        }

        return count;
    }

    /// <summary>The error for sizes beyond what PSRnn holds (<see cref="OnnxImporter.TooLargeErrorId"/>).</summary>
    internal static DataFormatException TooLarge(string message, string? fileName) =>
        new(OnnxImporter.TooLargeErrorId, DataErrorKind.LimitsExceeded, fileName, message);

    // An int32 enum stored as a varint: 2^32 + 1 must not become 1.
    private static int Enum32(long value, string what, string? fileName) =>
        value is >= int.MinValue and <= int.MaxValue ? (int)value
            : throw new DataFormatException("OnnxCorrupt", DataErrorKind.InvalidData, fileName,
                $"The ONNX file's {what} is {value}, which is not a 32-bit value. Export the model again.");

    private static DataFormatException UnsupportedType(string name, int type, string? fileName) =>
        new("OnnxUnsupportedDataType", DataErrorKind.InvalidType, fileName,
            $"The ONNX tensor '{name}' has data type {type}; PSRnn reads float, double and integer tensors. Export the model in float32.");
}
