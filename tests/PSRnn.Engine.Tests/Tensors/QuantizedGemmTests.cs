using System.Runtime.Intrinsics.X86;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Tensors;

/// <summary>
/// The int8 and bfloat16 kernels against a float64 product with the dequantized weights (what the stored elements stand
/// for), on every kernel path this machine runs: the result is that product within float32 rounding of its terms.
/// Plus the quantization itself (int8's per-column scales and ±127 range, bfloat16's round-to-nearest-even).
/// </summary>
public sealed class QuantizedGemmTests
{
    private static IEnumerable<string> Paths()
    {
        if (Avx512F.IsSupported)
        {
            yield return nameof(GemmPath.Vector512);
        }

        if (Avx2.IsSupported && Fma.IsSupported)
        {
            yield return nameof(GemmPath.Vector256);
        }

        // Vector128 has no quantized kernel of its own: it runs the plain loop, as Scalar does.
        yield return nameof(GemmPath.Vector128);
        yield return nameof(GemmPath.Scalar);
    }

    // (m, n, k): one row (the row-times-matrix pass), tile edges on both vector widths, and k over two blocks of 512.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 5, 3), (1, 16, 40), (1, 130, 128), (1, 512, 128), (1, 257, 77),
        (2, 33, 17), (7, 70, 300), (9, 16, 5), (8, 32, 64), (6, 48, 33), (33, 130, 600), (17, 1, 9),
    ];

    public static TheoryData<string, string, int, int, int, float> Cases()
    {
        var data = new TheoryData<string, string, int, int, int, float>();
        foreach (string path in Paths())
        {
            foreach (string precision in new[] { nameof(WeightPrecision.Int8), nameof(WeightPrecision.BFloat16) })
            {
                for (int s = 0; s < Shapes.Length; s++)
                {
                    float beta = (s % 3) switch { 0 => 0f, 1 => 1f, _ => -0.5f };
                    data.Add(path, precision, Shapes[s].M, Shapes[s].N, Shapes[s].K, beta);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ProductEqualsTheDequantizedProductWithinRounding(string path, string precision, int m, int n, int k, float beta)
    {
        // A block of columns from the middle of a wider kernel (as GRU reads U), strided A and C, NaN-free old C.
        var rng = new Rng((ulong)((m * 1000) + (n * 10) + k));
        int column = n % 2 == 0 ? 3 : 0, width = n + column + 5, lda = k + 3, ldc = n + 2;
        float[] w = Values(rng, k * width, 0.7);
        float[] a = Values(rng, m * lda, 1.0);
        float[] c = Values(rng, m * ldc, 1.0);
        QuantizedMatrix q = QuantizedMatrix.Create(w, k, width, Enum.Parse<WeightPrecision>(precision));

        float[] actual = (float[])c.Clone();
        QuantizedGemm.Multiply(Enum.Parse<GemmPath>(path), 1, m, n, k, a, lda, q, column, beta, actual, ldc);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                int at = (i * ldc) + j;
                if (j >= n)
                {
                    Assert.Equal(c[at], actual[at]);
                    continue;
                }

                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double term = (double)a[(i * lda) + p] * q.Dequantized(p, column + j);
                    sum += term;
                    magnitude += Math.Abs(term);
                }

                double expected = sum + (beta == 0f ? 0 : beta * (double)c[at]);
                magnitude += Math.Abs(beta * (double)c[at]);

                // Each of the k + 2 float32 roundings (FMA chain, scale, merge) is at most half an ulp of a partial sum.
                double bound = (k + 3) * magnitude * Math.Pow(2, -24) + 1e-30;
                Assert.True(Math.Abs(actual[at] - expected) <= bound,
                    $"{path} {precision} {m}×{n}×{k} beta {beta}: c[{i},{j}] = {actual[at]}, expected {expected} ± {bound}");
            }
        }
    }

    [Theory]
    [InlineData(nameof(WeightPrecision.Int8))]
    [InlineData(nameof(WeightPrecision.BFloat16))]
    public void ThreadCountsGiveTheSameBits(string precision)
    {
        // Over a million multiply-adds, so two workers split the columns.
        var rng = new Rng(3);
        int m = 32, n = 300, k = 700;
        float[] w = Values(rng, k * n, 0.1);
        float[] a = Values(rng, m * k, 1.0);
        QuantizedMatrix q = QuantizedMatrix.Create(w, k, n, Enum.Parse<WeightPrecision>(precision));
        foreach (string path in Paths())
        {
            var one = new float[m * n];
            var two = new float[m * n];
            var three = new float[m * n];
            QuantizedGemm.Multiply(Enum.Parse<GemmPath>(path), 1, m, n, k, a, k, q, 0, 0f, one, n);
            QuantizedGemm.Multiply(Enum.Parse<GemmPath>(path), 2, m, n, k, a, k, q, 0, 0f, two, n);
            QuantizedGemm.Multiply(Enum.Parse<GemmPath>(path), 3, m, n, k, a, k, q, 0, 0f, three, n);
            Assert.Equal(one, two);
            Assert.Equal(one, three);
        }
    }

    [Fact]
    public void Int8IsSymmetricPerColumnWithTheLargestMagnitudeAt127()
    {
        // Columns of exact scales (127 → 1, 254 → 2), ties rounding to even, an all-zero column, a tiny scale.
        float[] w =
        [
            127f, -254f, 0f, 1e-30f,
            -63.5f, 127f, 0f, 0f,
            62.5f, 0.5f, 0f, -1e-30f,
        ];
        QuantizedMatrix q = QuantizedMatrix.Create(w, 3, 4, WeightPrecision.Int8);
        Assert.Equal(1f, q.Scales[0]);
        Assert.Equal(2f, q.Scales[1]);
        Assert.Equal(0f, q.Scales[2]);
        Assert.Equal(127, (sbyte)q.Data[0]);
        Assert.Equal(-64, (sbyte)q.Data[q.Stride]);
        Assert.Equal(62, (sbyte)q.Data[2 * q.Stride]);
        Assert.Equal(-127, (sbyte)q.Data[1]);
        Assert.Equal(64, (sbyte)q.Data[q.Stride + 1]); // 63.5
        Assert.Equal(0, (sbyte)q.Data[(2 * q.Stride) + 1]); // 0.25
        Assert.Equal(0f, q.Dequantized(1, 2));
        Assert.Equal(127, (sbyte)q.Data[3]);
        Assert.Equal(-127, (sbyte)q.Data[(2 * q.Stride) + 3]);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                // Within half a step of the column's scale.
                Assert.True(Math.Abs(q.Dequantized(i, j) - w[(i * 4) + j]) <= (q.Scales[j] / 2) * 1.0001, $"({i}, {j})");
            }
        }
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        // 1 + 2^-8 is halfway between two bfloat16 values: ties to even (1); 1 + 3·2^-8 ties up to 1 + 2^-6 (even);
        // just above half rounds up; specials are kept.
        Assert.Equal(0x3F80, QuantizedMatrix.ToBFloat16(1f + MathF.Pow(2, -8)));
        Assert.Equal(0x3F82, QuantizedMatrix.ToBFloat16(1f + (3 * MathF.Pow(2, -8))));
        Assert.Equal(0x3F81, QuantizedMatrix.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.Equal(0x3F80, QuantizedMatrix.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F807FFF)));
        Assert.Equal(0xBF80, QuantizedMatrix.ToBFloat16(-1f));
        Assert.Equal(0x7F80, QuantizedMatrix.ToBFloat16(float.PositiveInfinity));
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)QuantizedMatrix.ToBFloat16(float.NaN) << 16)));
        QuantizedMatrix q = QuantizedMatrix.Create([3.14159f, -2.5f], 1, 2, WeightPrecision.BFloat16);
        Assert.Equal(3.140625f, q.Dequantized(0, 0));
        Assert.Equal(-2.5f, q.Dequantized(0, 1));
    }

    [Fact]
    public void ABadShapeOrColumnRangeIsRefused()
    {
        QuantizedMatrix q = QuantizedMatrix.Create(new float[12], 3, 4, WeightPrecision.Int8);
        var c = new float[8];
        Assert.Throws<ArgumentException>(() => QuantizedGemm.Multiply(2, 4, 2, new float[6], 3, q, 0, 0f, c, 4));
        Assert.Throws<ArgumentException>(() => QuantizedGemm.Multiply(2, 3, 3, new float[6], 3, q, 2, 0f, c, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuantizedMatrix.Create(new float[12], 3, 4, WeightPrecision.Float32));
    }

    private static float[] Values(Rng rng, int count, double range) =>
        Enumerable.Range(0, count).Select(_ => (float)rng.Uniform(-range, range)).ToArray();
}
