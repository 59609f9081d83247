using System.Buffers.Binary;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>An ONNX TensorProto: a named constant (an initializer) stored as little-endian raw_data.</summary>
internal sealed class OnnxTensor
{
    private OnnxTensor(string name, long[] dims, OnnxDataType dataType, byte[] rawData)
    {
        Name = name;
        Dims = dims;
        DataType = dataType;
        RawData = rawData;
    }

    /// <summary>The tensor's name, which nodes use as an input.</summary>
    public string Name { get; }

    /// <summary>The shape.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>The element type.</summary>
    public OnnxDataType DataType { get; }

    /// <summary>The elements, C order, little-endian.</summary>
    public byte[] RawData { get; }

    /// <summary>A float32 tensor of <paramref name="values"/> (C order) with shape <paramref name="dims"/>.</summary>
    public static OnnxTensor Float(string name, long[] dims, ReadOnlySpan<float> values)
    {
        CheckCount(dims, values.Length);
        var raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            // Explicit little-endian: raw_data is little-endian whatever the machine.
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        return new OnnxTensor(name, dims, OnnxDataType.Float, raw);
    }

    /// <summary>An int64 tensor of <paramref name="values"/> with shape <paramref name="dims"/>.</summary>
    public static OnnxTensor Int64(string name, long[] dims, ReadOnlySpan<long> values)
    {
        CheckCount(dims, values.Length);
        var raw = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
        }

        return new OnnxTensor(name, dims, OnnxDataType.Int64, raw);
    }

    /// <summary>Writes the TensorProto fields (dims 1, data_type 2, name 8, raw_data 9).</summary>
    public void WriteTo(ProtoWriter writer)
    {
        foreach (long d in Dims)
        {
            writer.WriteInt64(1, d);
        }

        writer.WriteInt64(2, (long)DataType);
        writer.WriteString(8, Name);
        writer.WriteBytes(9, RawData);
    }

    private static void CheckCount(long[] dims, int count)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long expected = 1;
        foreach (long d in dims)
        {
            expected *= d;
        }

        if (expected != count)
        {
            throw new ArgumentException($"A tensor of shape ({string.Join(", ", dims)}) holds {expected} values, not {count}.", nameof(dims));
        }
    }
}
