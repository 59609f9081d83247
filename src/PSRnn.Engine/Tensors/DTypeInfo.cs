namespace PSRnn.Engine.Tensors;

/// <summary>Facts about each <see cref="DType"/>: its .NET element type, size and NumPy name.</summary>
public static class DTypeInfo
{
    /// <summary>The .NET type of one element.</summary>
    public static Type ElementType(this DType dtype) => dtype switch
    {
        DType.Bool => typeof(bool),
        DType.Int8 => typeof(sbyte),
        DType.UInt8 => typeof(byte),
        DType.Int16 => typeof(short),
        DType.UInt16 => typeof(ushort),
        DType.Int32 => typeof(int),
        DType.UInt32 => typeof(uint),
        DType.Int64 => typeof(long),
        DType.UInt64 => typeof(ulong),
        DType.Float16 => typeof(Half),
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>Bytes per element, as NumPy stores it.</summary>
    public static int ItemSize(this DType dtype) => dtype switch
    {
        DType.Bool or DType.Int8 or DType.UInt8 => 1,
        DType.Int16 or DType.UInt16 or DType.Float16 => 2,
        DType.Int32 or DType.UInt32 or DType.Float32 => 4,
        DType.Int64 or DType.UInt64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>NumPy's name of the dtype, such as <c>float32</c>.</summary>
    public static string NumpyName(this DType dtype) => dtype switch
    {
        DType.Bool => "bool",
        DType.Int8 => "int8",
        DType.UInt8 => "uint8",
        DType.Int16 => "int16",
        DType.UInt16 => "uint16",
        DType.Int32 => "int32",
        DType.UInt32 => "uint32",
        DType.Int64 => "int64",
        DType.UInt64 => "uint64",
        DType.Float16 => "float16",
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>True for the three floating-point dtypes.</summary>
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float16 or DType.Float32 or DType.Float64;

    /// <summary>True for the signed and unsigned integer dtypes (not bool).</summary>
    public static bool IsInteger(this DType dtype) =>
        dtype is DType.Int8 or DType.UInt8 or DType.Int16 or DType.UInt16 or DType.Int32
            or DType.UInt32 or DType.Int64 or DType.UInt64;

    /// <summary>The dtype whose element type is <paramref name="type"/>.</summary>
    /// <returns>False when no dtype holds that .NET type.</returns>
    public static bool TryFromElementType(Type type, out DType dtype)
    {
        ArgumentNullException.ThrowIfNull(type);
        foreach (DType d in Enum.GetValues<DType>())
        {
            if (d.ElementType() == type)
            {
                dtype = d;
                return true;
            }
        }

        dtype = default;
        return false;
    }

    /// <summary>Parses a NumPy dtype name (<c>float32</c>, <c>int64</c>, <c>bool</c>, …), case-insensitively.</summary>
    public static bool TryParse(string name, out DType dtype)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (DType d in Enum.GetValues<DType>())
        {
            if (string.Equals(d.NumpyName(), name, StringComparison.OrdinalIgnoreCase))
            {
                dtype = d;
                return true;
            }
        }

        dtype = default;
        return false;
    }
}
