using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PSRnn.Engine.Data;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// One tensor of a safetensors file: its name, dtype (the format's names: <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>F64</c>,
/// <c>I64</c>, …), shape and raw little-endian bytes in C order.
/// </summary>
public sealed class SafetensorsTensor
{
    /// <summary>Creates a tensor from raw bytes; the caller vouches that the bytes fit the dtype and shape.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="dtype">The safetensors dtype name.</param>
    /// <param name="shape">The shape (empty for a scalar).</param>
    /// <param name="data">The values, little-endian, C order.</param>
    public SafetensorsTensor(string name, string dtype, IReadOnlyList<long> shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dtype);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        Name = name;
        DType = dtype;
        Shape = shape.ToArray();
        Data = data;
    }

    /// <summary>The tensor name (unique in its file).</summary>
    public string Name { get; }

    /// <summary>The safetensors dtype name.</summary>
    public string DType { get; }

    /// <summary>The shape.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The raw bytes, little-endian, C order.</summary>
    public byte[] Data { get; }

    /// <summary>An F32 tensor of <paramref name="values"/> with <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">The shape does not hold exactly that many values.</exception>
    public static SafetensorsTensor FromSingle(string name, IReadOnlyList<int> shape, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        if (count != values.Length)
        {
            throw new ArgumentException($"Tensor '{name}' has {values.Length} values; its shape holds {count}.", nameof(values));
        }

        var data = new byte[values.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(data);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
            }
        }

        return new SafetensorsTensor(name, "F32", shape.Select(d => (long)d).ToArray(), data);
    }

    /// <summary>
    /// The values as float32: F32 exactly; F16 and BF16 widened exactly; F64 rounded to nearest (the only lossy case).
    /// </summary>
    /// <param name="fileName">The file, for the error message.</param>
    /// <exception cref="DataFormatException"><c>ModelTensorDtypeUnsupported</c>: an integer or boolean dtype.</exception>
    public float[] ToSingle(string? fileName = null)
    {
        var values = new float[Data.Length / ElementSize(fileName)];
        CopySingleTo(values, fileName);
        return values;
    }

    /// <summary>Converts the values as <see cref="ToSingle"/> does, straight into <paramref name="destination"/> (of their count).</summary>
    /// <exception cref="DataFormatException"><c>ModelTensorDtypeUnsupported</c>: an integer or boolean dtype.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not have one element per value.</exception>
    internal void CopySingleTo(Span<float> destination, string? fileName = null)
    {
        int size = ElementSize(fileName);
        if (destination.Length * (long)size != Data.Length)
        {
            throw new ArgumentException($"Tensor '{Name}' has {Data.Length / size} values, not {destination.Length}.", nameof(destination));
        }

        ReadOnlySpan<byte> data = Data;
        switch (DType)
        {
            case "F32":
                if (BitConverter.IsLittleEndian)
                {
                    data.CopyTo(MemoryMarshal.AsBytes(destination));
                }
                else
                {
                    for (int i = 0; i < destination.Length; i++)
                    {
                        destination[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
                    }
                }

                break;
            case "F16":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]);
                }

                break;
            case "BF16":
                // bfloat16 is the top half of a float32.
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]) << 16);
                }

                break;
            default:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..]);
                }

                break;
        }
    }

    private int ElementSize(string? fileName) => DType switch
    {
        "F32" => 4,
        "F16" or "BF16" => 2,
        "F64" => 8,
        _ => throw new DataFormatException("ModelTensorDtypeUnsupported", DataErrorKind.InvalidType, fileName,
            $"Tensor '{Name}' is {DType}; weights must be floating point (F32, or F16, BF16, F64 converted to F32)."),
    };
}
