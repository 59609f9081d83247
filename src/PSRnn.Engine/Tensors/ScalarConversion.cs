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

    /// <summary>Converts a flat typed array to float32, counting the elements that did not convert exactly.</summary>
    public static float[] ToSingle(Array data, out long inexact)
    {
        ArgumentNullException.ThrowIfNull(data);
        long lost = 0;
        float[] result;
        switch (data)
        {
            case float[] f:
                result = (float[])f.Clone();
                break;
            case double[] d:
                result = new float[d.Length];
                for (int i = 0; i < d.Length; i++)
                {
                    result[i] = (float)d[i];
                    if (result[i] != d[i] && !double.IsNaN(d[i]))
                    {
                        lost++;
                    }
                }

                break;
            case Half[] h:
                result = new float[h.Length];
                for (int i = 0; i < h.Length; i++)
                {
                    result[i] = (float)h[i];
                }

                break;
            case bool[] b:
                result = new float[b.Length];
                for (int i = 0; i < b.Length; i++)
                {
                    result[i] = b[i] ? 1f : 0f;
                }

                break;
            case sbyte[] or byte[] or short[] or ushort[]:
                result = new float[data.Length];
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = Convert.ToSingle(data.GetValue(i), CultureInfo.InvariantCulture);
                }

                break;
            case int[] n32:
                result = new float[n32.Length];
                for (int i = 0; i < n32.Length; i++)
                {
                    result[i] = n32[i];
                    lost += (long)result[i] == n32[i] ? 0 : 1;
                }

                break;
            case uint[] u32:
                result = new float[u32.Length];
                for (int i = 0; i < u32.Length; i++)
                {
                    result[i] = u32[i];
                    lost += result[i] < 4294967296f && (uint)result[i] == u32[i] ? 0 : 1;
                }

                break;
            case long[] n64:
                result = new float[n64.Length];
                for (int i = 0; i < n64.Length; i++)
                {
                    result[i] = n64[i];
                    // 2^63 is representable as a float but not as a long: anything that rounds there is inexact.
                    lost += result[i] < 9.223372e18f && result[i] >= -9.223372e18f && (long)result[i] == n64[i] ? 0 : 1;
                }

                break;
            case ulong[] u64:
                result = new float[u64.Length];
                for (int i = 0; i < u64.Length; i++)
                {
                    result[i] = u64[i];
                    lost += result[i] < 1.8446744e19f && (ulong)result[i] == u64[i] ? 0 : 1;
                }

                break;
            default:
                throw new ArgumentException($"Unsupported element type {data.GetType().GetElementType()}.", nameof(data));
        }

        inexact = lost;
        return result;
    }

    private static string Describe(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
