namespace PSRnn.Engine.Tensors;

/// <summary>
/// A k×n float32 kernel (row-major, Keras's (in, out) layout) stored at a lower precision for prediction: int8 with one
/// scale per column (W[i, j] ≈ Scales[j]·q[i, j], symmetric, q in [−127, 127]) or bfloat16 (Scales all 1).
/// <see cref="QuantizedGemm"/> reads it and widens each element to float32 in registers.
/// </summary>
/// <remarks>
/// Rows are <see cref="Stride"/> elements apart, n rounded up to 32 (zeros after n), and the storage has a row's worth of
/// zeros after the last one, so the kernels load whole vectors at any column and keep only the columns they own.
/// The storage is pinned (the kernels hold raw pointers into it for a whole product).
/// </remarks>
internal sealed class QuantizedMatrix
{
    /// <summary>Column padding: the widest register tile (AVX-512, 32 columns).</summary>
    internal const int ColumnMultiple = 32;

    private QuantizedMatrix(WeightPrecision precision, int k, int n)
    {
        Precision = precision;
        K = k;
        N = n;
        Stride = (n + ColumnMultiple - 1) / ColumnMultiple * ColumnMultiple;
        ElementSize = precision == WeightPrecision.Int8 ? 1 : 2;
        long bytes = (((long)k + 1) * Stride * ElementSize) + 64;
        if (bytes > Array.MaxLength)
        {
            throw new ArgumentException($"A quantized {k}×{n} kernel needs {bytes} bytes, more than an array holds.");
        }

        Data = GC.AllocateArray<byte>((int)bytes, pinned: true);
        Scales = GC.AllocateArray<float>(Stride + ColumnMultiple, pinned: true);
    }

    /// <summary><see cref="WeightPrecision.Int8"/> or <see cref="WeightPrecision.BFloat16"/>.</summary>
    internal WeightPrecision Precision { get; }

    /// <summary>Rows (the product's k).</summary>
    internal int K { get; }

    /// <summary>Columns.</summary>
    internal int N { get; }

    /// <summary>Elements from one row to the next: <see cref="N"/> rounded up to <see cref="ColumnMultiple"/>.</summary>
    internal int Stride { get; }

    /// <summary>Bytes an element: 1 (int8) or 2 (bfloat16).</summary>
    internal int ElementSize { get; }

    /// <summary>The elements, row-major: sbyte or the upper 16 bits of a float32, little-endian.</summary>
    internal byte[] Data { get; }

    /// <summary>The scale of each column (1 for bfloat16; 0 for an all-zero int8 column and for the padding).</summary>
    internal float[] Scales { get; }

    /// <summary>Bytes the weights occupy (for the reader of a benchmark: a quarter or half of float32's).</summary>
    internal long WeightBytes => (long)K * N * ElementSize;

    /// <summary>Quantizes the k×n row-major <paramref name="values"/> at <paramref name="precision"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="precision"/> is float32 (nothing to quantize).</exception>
    internal static QuantizedMatrix Create(ReadOnlySpan<float> values, int k, int n, WeightPrecision precision)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (precision is not (WeightPrecision.Int8 or WeightPrecision.BFloat16))
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Only int8 and bfloat16 kernels are quantized.");
        }

        if (values.Length < (long)k * n)
        {
            throw new ArgumentException($"A {k}×{n} kernel needs {(long)k * n} values, but the span has {values.Length}.", nameof(values));
        }

        var q = new QuantizedMatrix(precision, k, n);
        if (precision == WeightPrecision.Int8)
        {
            q.FillInt8(values);
        }
        else
        {
            q.FillBFloat16(values);
        }

        return q;
    }

    /// <summary>The float32 value element (i, j) stands for: Scales[j]·q[i, j], or the bfloat16 widened.</summary>
    internal float Dequantized(int i, int j)
    {
        long at = ((long)i * Stride) + j;
        return Precision == WeightPrecision.Int8
            ? Scales[j] * (sbyte)Data[at]
            : BitConverter.UInt32BitsToSingle((uint)(Data[2 * at] | (Data[(2 * at) + 1] << 8)) << 16);
    }

    /// <summary>float32 to bfloat16, rounded to nearest even (NaN stays a quiet NaN, infinities stay infinite).</summary>
    internal static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    // Symmetric per column: the column's largest magnitude maps to 127; rounding to nearest even, as ONNX Runtime's
    // quantizer (numpy.rint).
    private void FillInt8(ReadOnlySpan<float> values)
    {
        var max = new float[N];
        for (int i = 0; i < K; i++)
        {
            ReadOnlySpan<float> row = values.Slice(i * N, N);
            for (int j = 0; j < N; j++)
            {
                max[j] = MathF.Max(max[j], MathF.Abs(row[j]));
            }
        }

        for (int j = 0; j < N; j++)
        {
            Scales[j] = max[j] / 127f;
        }

        Span<sbyte> data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(Data.AsSpan());
        for (int i = 0; i < K; i++)
        {
            ReadOnlySpan<float> row = values.Slice(i * N, N);
            Span<sbyte> into = data.Slice(i * Stride, N);
            for (int j = 0; j < N; j++)
            {
                float s = Scales[j];
                into[j] = s == 0f ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(row[j] / s, MidpointRounding.ToEven), -127f, 127f);
            }
        }
    }

    private void FillBFloat16(ReadOnlySpan<float> values)
    {
        Scales.AsSpan(0, N).Fill(1f);
        Span<ushort> data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(Data.AsSpan());
        for (int i = 0; i < K; i++)
        {
            ReadOnlySpan<float> row = values.Slice(i * N, N);
            Span<ushort> into = data.Slice(i * Stride, N);
            for (int j = 0; j < N; j++)
            {
                into[j] = ToBFloat16(row[j]);
            }
        }
    }
}
