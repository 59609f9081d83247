using System.Globalization;

namespace PSRnn.Engine.Tensors;

/// <summary>Conversions between boxed scalars, dtypes and float32 that never lose information silently.</summary>
internal static class ScalarConversion
{
    /// <summary>
    /// Converts a boxed number to the element type of <paramref name="dtype"/>. Integer targets take only
    /// integral values in range (NumPy would wrap or truncate; we refuse); float targets round as NumPy does.
    /// </summary>
    public static object ToDType(object value, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (dtype == DType.Bool)
        {
            return value switch
            {
                bool b => b,
                _ when TryInteger(value, out decimal d) && (d == 0 || d == 1) => d == 1,
                _ => throw new InvalidCastException($"Value '{Describe(value)}' is not a boolean (true/false or 0/1)."),
            };
        }

        if (dtype.IsFloatingPoint())
        {
            double x = value switch
            {
                bool b => b ? 1 : 0,
                Half h => (double)h,
                IConvertible c when IsNumeric(value) => c.ToDouble(CultureInfo.InvariantCulture),
                _ => throw new InvalidCastException($"Value '{Describe(value)}' is not a number."),
            };
            return dtype switch
            {
                DType.Float16 => (Half)x,
                DType.Float32 => (float)x,
                _ => x,
            };
        }

        if (!TryInteger(value, out decimal n))
        {
            throw new InvalidCastException($"Value '{Describe(value)}' is not an integer, so it cannot be stored as {dtype.NumpyName()}.");
        }

        try
        {
            return dtype switch
            {
                DType.Int8 => (object)checked((sbyte)n),
                DType.UInt8 => checked((byte)n),
                DType.Int16 => checked((short)n),
                DType.UInt16 => checked((ushort)n),
                DType.Int32 => checked((int)n),
                DType.UInt32 => checked((uint)n),
                DType.Int64 => checked((long)n),
                DType.UInt64 => checked((ulong)n),
                _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
            };
        }
        catch (OverflowException)
        {
            throw new InvalidCastException($"Value {n.ToString(CultureInfo.InvariantCulture)} is out of range for {dtype.NumpyName()}.");
        }
    }

    /// <summary>True for the CLR numeric primitives and decimal (not strings, not bool).</summary>
    public static bool IsNumeric(object value) => value is sbyte or byte or short or ushort or int or uint or long
        or ulong or float or double or decimal or Half;

    /// <summary>Reads an integral value exactly; floats qualify only when they hold a whole number.</summary>
    public static bool TryInteger(object value, out decimal result)
    {
        switch (value)
        {
            case sbyte or byte or short or ushort or int or uint or long or ulong:
                result = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                return true;
            case decimal m when decimal.Truncate(m) == m:
                result = m;
                return true;
            case double or float or Half:
                double x = value is Half h ? (double)h : Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(x) && Math.Floor(x) == x && Math.Abs(x) < 7.9e28)
                {
                    result = (decimal)x;
                    return true;
                }

                break;
        }

        result = 0;
        return false;
    }

    /// <summary>
    /// Converts <paramref name="length"/> elements of a flat typed array from <paramref name="offset"/> (a tensor's window)
    /// to float32, counting the elements that did not convert exactly.
    /// </summary>
    public static float[] ToSingle(Array data, int offset, int length, out long inexact)
    {
        ArgumentNullException.ThrowIfNull(data);
        // Dispatch on the exact element type: a pattern like `case int[]` also matches a uint[] (CLR array covariance).
        if (!DTypeInfo.TryFromElementType(data.GetType().GetElementType()!, out DType dtype))
        {
            throw new ArgumentException($"Unsupported element type {data.GetType().GetElementType()}.", nameof(data));
        }

        var result = new float[length];
        long lost = 0;
        switch (dtype)
        {
            case DType.Float32:
                Array.Copy(data, offset, result, 0, length);
                break;
            case DType.Float64:
                ReadOnlySpan<double> d = ((double[])data).AsSpan(offset, length);
                for (int i = 0; i < d.Length; i++)
                {
                    result[i] = (float)d[i];
                    lost += result[i] == d[i] || double.IsNaN(d[i]) ? 0 : 1;
                }

                break;
            case DType.Float16:
                ReadOnlySpan<Half> h = ((Half[])data).AsSpan(offset, length);
                for (int i = 0; i < h.Length; i++)
                {
                    result[i] = (float)h[i];
                }

                break;
            case DType.Bool:
                ReadOnlySpan<bool> b = ((bool[])data).AsSpan(offset, length);
                for (int i = 0; i < b.Length; i++)
                {
                    result[i] = b[i] ? 1f : 0f;
                }

                break;
            case DType.Int8:
                Widen<sbyte>(((sbyte[])data).AsSpan(offset, length), result);
                break;
            case DType.UInt8:
                Widen<byte>(((byte[])data).AsSpan(offset, length), result);
                break;
            case DType.Int16:
                Widen<short>(((short[])data).AsSpan(offset, length), result);
                break;
            case DType.UInt16:
                Widen<ushort>(((ushort[])data).AsSpan(offset, length), result);
                break;
            case DType.Int32:
                ReadOnlySpan<int> n32 = ((int[])data).AsSpan(offset, length);
                for (int i = 0; i < n32.Length; i++)
                {
                    result[i] = n32[i];
                    // Every float of magnitude below 2^31 converts back to int exactly, so the round trip is the test.
                    lost += result[i] < 2147483648f && (int)result[i] == n32[i] ? 0 : 1;
                }

                break;
            case DType.UInt32:
                ReadOnlySpan<uint> u32 = ((uint[])data).AsSpan(offset, length);
                for (int i = 0; i < u32.Length; i++)
                {
                    result[i] = u32[i];
                    lost += result[i] < 4294967296f && (uint)result[i] == u32[i] ? 0 : 1;
                }

                break;
            case DType.Int64:
                ReadOnlySpan<long> n64 = ((long[])data).AsSpan(offset, length);
                for (int i = 0; i < n64.Length; i++)
                {
                    result[i] = n64[i];
                    // 2^63 is a float but not a long: anything that rounds up to it is inexact.
                    lost += result[i] < 9.223372e18f && (long)result[i] == n64[i] ? 0 : 1;
                }

                break;
            case DType.UInt64:
                ReadOnlySpan<ulong> u64 = ((ulong[])data).AsSpan(offset, length);
                for (int i = 0; i < u64.Length; i++)
                {
                    result[i] = u64[i];
                    lost += result[i] < 1.8446744e19f && (ulong)result[i] == u64[i] ? 0 : 1;
                }

                break;
        }

        inexact = lost;
        return result;
    }

    // Types of 16 bits or fewer always fit float32 exactly.
    private static void Widen<T>(ReadOnlySpan<T> source, float[] result)
        where T : struct, IConvertible
    {
        for (int i = 0; i < source.Length; i++)
        {
            result[i] = source[i].ToSingle(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Whether a converted float holds exactly the source's value (NaN counts as kept).</summary>
    public static bool SameValue(object source, object converted)
    {
        double x = converted switch
        {
            Half h => (double)h,
            float f => f,
            double d => d,
            _ => throw new ArgumentException("Not a float.", nameof(converted)),
        };
        if (double.IsNaN(x))
        {
            return true;
        }

        return source switch
        {
            bool b => x == (b ? 1 : 0),
            Half h => x == (double)h,
            float f => x == f,
            double d => x == d,
            ulong u => x < 18446744073709551616.0 && (ulong)x == u,
            long l => x < 9223372036854775808.0 && (long)x == l,
            _ => x == Convert.ToDouble(source, CultureInfo.InvariantCulture),
        };
    }

    private static string Describe(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
