using System.Runtime.Intrinsics.X86;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Tensors;

public sealed class GemmTests
{
    private static readonly int[] Sizes = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 130];

    // (alpha, beta) pairs that exercise overwrite, accumulate and general scaling.
    private static readonly (float Alpha, float Beta)[] Scales = [(1f, 0f), (1f, 1f), (0.5f, -2f), (-1.5f, 0.25f), (2f, 0f)];

    // Paths by name: GemmPath is internal, so it cannot appear in a public test signature.
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

        yield return nameof(GemmPath.Vector128);
        yield return nameof(GemmPath.Scalar);
    }

    public static TheoryData<string, bool, bool, int, int, int, float, float, int> SweepCases()
    {
        var data = new TheoryData<string, bool, bool, int, int, int, float, float, int>();
        foreach (string path in Paths())
        {
            for (int t = 0; t < 4; t++)
            {
                bool transA = (t & 1) != 0;
                bool transB = (t & 2) != 0;
                for (int i = 0; i < Sizes.Length; i++)
                {
                    // A sparse walk over the size cube: every size appears in every role.
                    int m = Sizes[i];
                    int n = Sizes[((i * 7) + 3 + t) % Sizes.Length];
                    int k = Sizes[((i * 5) + 11 + (2 * t)) % Sizes.Length];
                    var (alpha, beta) = Scales[(i + t) % Scales.Length];
                    int pad = (i + t) % 3 == 0 ? 3 : 0;
                    data.Add(path, transA, transB, m, n, k, alpha, beta, pad);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, bool, bool, int, int, int> LargeCases()
    {
        var data = new TheoryData<string, bool, bool, int, int, int>();
        foreach (string path in Paths())
        {
            // Crosses the KC, MC and NR/MR block edges in every transpose combination: full size on this
            // machine's own path, smaller on the others (they share the blocking code) to keep the run short.
            for (int t = 0; t < 4; t++)
            {
                if (path == Gemm.DetectedPath.ToString())
                {
                    data.Add(path, (t & 1) != 0, (t & 2) != 0, 257, 300, 513);
                }
                else
                {
                    data.Add(path, (t & 1) != 0, (t & 2) != 0, 257, 141, 300);
                }
            }

            // Crosses the NC block edge (on one thread; a split may keep each chunk inside one block).
            data.Add(path, false, true, 13, 2100, 40);
            data.Add(path, true, false, 7, 2061, 300);
        }

        return data;
    }

    public static TheoryData<string> PathCases()
    {
        var data = new TheoryData<string>();
        foreach (string path in Paths())
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SweepCases))]
    public void MatchesNaiveProduct(string path, bool transA, bool transB, int m, int n, int k, float alpha, float beta, int pad)
        => Check(Enum.Parse<GemmPath>(path), 0, transA, transB, m, n, k, alpha, beta, pad, seed: (m * 131) + (n * 17) + k);

    [Theory]
    [MemberData(nameof(LargeCases))]
    public void MatchesNaiveProductAcrossBlocks(string path, bool transA, bool transB, int m, int n, int k)
        => Check(Enum.Parse<GemmPath>(path), 1, transA, transB, m, n, k, 0.75f, 0.5f, pad: 1, seed: 7);

    [Theory]
    [MemberData(nameof(PathCases))]
    public void ZeroAlphaOnlyScalesC(string path)
    {
        var a = Enumerable.Repeat(float.NaN, 12).ToArray();
        var b = Enumerable.Repeat(float.NaN, 12).ToArray();
        var c = new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f };
        Gemm.Multiply(Enum.Parse<GemmPath>(path), 0, false, false, 3, 3, 4, 0f, a, 4, b, 3, 2f, c, 3);
        Assert.Equal(new[] { 2f, 4f, 6f, 8f, 10f, 12f, 14f, 16f, 18f }, c);

        var d = Enumerable.Repeat(float.NaN, 9).ToArray();
        Gemm.Multiply(Enum.Parse<GemmPath>(path), 0, false, false, 3, 3, 4, 0f, a, 4, b, 3, 0f, d, 3);
        Assert.All(d, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(PathCases))]
    public void EmptyInnerDimensionScalesC(string path)
    {
        var c = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        Gemm.Multiply(Enum.Parse<GemmPath>(path), 0, false, false, 2, 3, 0, 1f, [], 0, [], 3, -1f, c, 3);
        Assert.Equal(new[] { -1f, -2f, -3f, -4f, -5f, -6f }, c);

        var nan = Enumerable.Repeat(float.NaN, 6).ToArray();
        Gemm.Multiply(Enum.Parse<GemmPath>(path), 0, true, true, 2, 3, 0, 1f, [], 2, [], 0, 0f, nan, 3);
        Assert.All(nan, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void EmptyOutputDoesNothing()
    {
        Gemm.Multiply(false, false, 0, 5, 3, 1f, [], [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f], 0f, []);
        Gemm.Multiply(false, false, 4, 0, 3, 1f, new float[12], [], 0f, []);
    }

    [Fact]
    public void PackedOverloadUsesTightStrides()
    {
        // [1 2 3; 4 5 6] * [1 2; 3 4; 5 6] = [22 28; 49 64]
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [1, 2, 3, 4, 5, 6];
        var c = new float[4];
        Gemm.Multiply(false, false, 2, 2, 3, 1f, a, b, 0f, c);
        Assert.Equal(new[] { 22f, 28f, 49f, 64f }, c);

        // Aᵀ stored as 3×2, Bᵀ stored as 2×3: the same product.
        float[] at = [1, 4, 2, 5, 3, 6];
        float[] bt = [1, 3, 5, 2, 4, 6];
        var d = new float[4];
        Gemm.Multiply(true, true, 2, 2, 3, 1f, at, bt, 0f, d);
        Assert.Equal(c, d);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var a = new float[6];
        var b = new float[6];
        var c = new float[4];
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, -1, 3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, -1, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("lda", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("lda", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(true, false, 2, 2, 3, 1f, a, 1, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 1, 0f, c, 2)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, true, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 1)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a.AsSpan(1), 3, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 4, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b.AsSpan(1), 2, 0f, c, 2)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c.AsSpan(1), 2)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 3)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, b.AsSpan(1), 0f, c)).ParamName);
    }

    [Theory]
    [InlineData(300, 200, 100)] // wide: split over columns
    [InlineData(401, 70, 203)] // tall: split over rows
    [InlineData(3, 2100, 200)] // one thread crosses the NC block edge, two threads do not
    [InlineData(100, 30, 400)] // one thread packs B, each of two threads reads it in place
    [InlineData(32, 520, 2100)] // W1's shape, smaller: a B of 4.4 MB read in place, prefetched panel by panel
    public void ThreadCountDoesNotChangeBits(int m, int n, int k)
    {
        var rng = new Random(11);
        float[] a = RandomArray(rng, m * k);
        float[] b = RandomArray(rng, k * n);
        foreach (string path in Paths())
        {
            float[] one = RandomArray(new Random(3), m * n);
            float[] two = (float[])one.Clone();
            float[] three = (float[])one.Clone();
            Gemm.Multiply(Enum.Parse<GemmPath>(path), 1, false, false, m, n, k, 1.25f, a, k, b, n, 0.5f, one, n);
            Gemm.Multiply(Enum.Parse<GemmPath>(path), 2, false, false, m, n, k, 1.25f, a, k, b, n, 0.5f, two, n);
            Gemm.Multiply(Enum.Parse<GemmPath>(path), 3, false, false, m, n, k, 1.25f, a, k, b, n, 0.5f, three, n);
            Assert.Equal(one, two);
            Assert.Equal(one, three);
        }
    }

    // A B packed once (the recurrent layers' per-batch U) gives the same bits as the same product on the stored B: with
    // and without transposed storage, ragged panels, several KC blocks, strided A and C, a split over threads, one row.
    [Theory]
    [InlineData(false, 32, 512, 128)]
    [InlineData(true, 32, 128, 512)]
    [InlineData(false, 7, 37, 1100)]
    [InlineData(true, 64, 1030, 70)]
    [InlineData(false, 1, 512, 128)]
    [InlineData(true, 1, 128, 512)]
    [InlineData(false, 200, 300, 300)]
    [InlineData(false, 30, 300, 3600)]  // B of 4.3 MB read in place: its panels are prefetched, a ragged last one too
    public void PackedOperandGivesTheSameBits(bool transB, int m, int n, int k)
    {
        var rng = new Random(m + n + k);
        int lda = k + 3, ldc = n + 5, ldb = (transB ? k : n) + 2;
        float[] a = RandomArray(rng, m * lda);
        float[] b = RandomArray(rng, (transB ? n : k) * ldb);
        float[] c0 = RandomArray(rng, m * ldc);
        var packed = new PackedMatrix();
        foreach (string name in Paths())
        {
            GemmPath path = Enum.Parse<GemmPath>(name);
            foreach (int threads in new[] { 1, 2 })
            {
                float[] expected = (float[])c0.Clone();
                float[] actual = (float[])c0.Clone();
                Gemm.Multiply(path, threads, false, transB, m, n, k, 0.75f, a, lda, b, ldb, 1f, expected, ldc);
                using (Gemm.ForcePath(path))
                using (ComputeThreads.Use(threads))
                {
                    Gemm.Pack(transB, k, n, b, ldb, packed);
                    Gemm.MultiplyPacked(false, transB, m, n, k, 0.75f, a, lda, b, ldb, packed, 1f, actual, ldc);
                }

                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name}, {threads} threads");
            }
        }
    }

    [Fact]
    public void PackedOperandMustMatchTheProduct()
    {
        var packed = new PackedMatrix();
        float[] b = new float[12];
        Gemm.Pack(false, 3, 4, b, 4, packed);
        Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyPacked(false, false, 2, 3, 4, 1f, new float[8], 4, b, 3, packed, 0f, new float[6], 3));
        Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyPacked(false, true, 2, 4, 3, 1f, new float[6], 3, b, 3, packed, 0f, new float[8], 4));
    }

    [Fact]
    public void ConcurrentCallsMatchSequentialCalls()
    {
        var rng = new Random(5);
        var shapes = new (int M, int N, int K)[] { (37, 129, 70), (64, 512, 128), (130, 33, 257), (5, 900, 300) };
        var inputs = shapes.Select(s => (A: RandomArray(rng, s.M * s.K), B: RandomArray(rng, s.K * s.N))).ToArray();
        var expected = new float[shapes.Length][];
        for (int s = 0; s < shapes.Length; s++)
        {
            expected[s] = new float[shapes[s].M * shapes[s].N];
            Gemm.Multiply(false, false, shapes[s].M, shapes[s].N, shapes[s].K, 1f, inputs[s].A, inputs[s].B, 0f, expected[s]);
        }

        // Two threads, each cycling through the products in a different order.
        var failures = new int[2];
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (int round = 0; round < 20; round++)
            {
                int s = (round + (t * 2)) % shapes.Length;
                var c = Enumerable.Repeat(float.NaN, shapes[s].M * shapes[s].N).ToArray();
                Gemm.Multiply(false, false, shapes[s].M, shapes[s].N, shapes[s].K, 1f, inputs[s].A, inputs[s].B, 0f, c);
                if (!c.AsSpan().SequenceEqual(expected[s]))
                {
                    failures[t]++;
                }
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(new[] { 0, 0 }, failures);
    }

    // The batch split and the masked steps multiply any run of rows, or gathered rows, on their own: a row of C must
    // come out with the same bits in every product of one or more rows — one row (the row-times-matrix pass, or the
    // tiles for Bᵀ), whole tiles, the last tile of fewer rows than the kernel's (row tails), or the edge tile of a
    // partial column panel — with B stored or transposed (the backward's dG·Uᵀ), packed or not.
    [Theory]
    [MemberData(nameof(PathCases))]
    public void RowBitsDoNotDependOnTheRowsAround(string path)
    {
        GemmPath p = Enum.Parse<GemmPath>(path);
        foreach ((int n, int k, float beta) in new[] { (128, 128, 1f), (40, 300, 0f), (1030, 70, 1f), (512, 128, 1f) })
        {
            foreach (bool transB in new[] { false, true })
            {
                const int M = 19;
                var rng = new Random(n + k);
                int ldb = transB ? k : n;
                float[] a = RandomArray(rng, M * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, M * n);
                var packed = new PackedMatrix();
                Gemm.Pack(transB, k, n, b, ldb, packed);
                float[] whole = (float[])c0.Clone();
                Gemm.Multiply(p, 1, false, transB, M, n, k, 1f, a, k, b, ldb, beta, whole, n);
                for (int first = 0; first < M; first += 3)
                {
                    for (int rows = 1; first + rows <= M; rows++)
                    {
                        float[] part = c0.AsSpan(first * n, rows * n).ToArray();
                        if (p == packed.Path && rows % 2 == 0)
                        {
                            Gemm.MultiplyPacked(false, transB, rows, n, k, 1f, a.AsSpan(first * k), k, b, ldb, packed, beta, part, n);
                        }
                        else
                        {
                            Gemm.Multiply(p, 1, false, transB, rows, n, k, 1f, a.AsSpan(first * k), k, b, ldb, beta, part, n);
                        }

                        for (int i = 0; i < part.Length; i++)
                        {
                            Assert.True(BitConverter.SingleToInt32Bits(part[i]) == BitConverter.SingleToInt32Bits(whole[(first * n) + i]),
                                $"{path} n={n} k={k} transB={transB}: rows {first}..{first + rows - 1}, element {i}: {part[i]} vs {whole[(first * n) + i]}");
                        }
                    }
                }
            }
        }
    }

    // Runs one product with strided (padded) storage and checks it against a float64 triple loop,
    // and that the padding between rows of C is left alone.
    [Theory]
    [InlineData("Scalar", false, 0f)]
    [InlineData("Scalar", true, 2f)]
    [InlineData("Auto", false, 0f)]
    [InlineData("Auto", true, 0f)]
    [InlineData("Auto", false, 1f)]
    [InlineData("Auto", true, -0.5f)]
    public void OneRowTakesTheRowTimesMatrixPath(string path, bool transB, float beta)
    {
        // Batch-1 inference: m = 1 skips the tiled kernels; wide and long enough to cross vector tails.
        foreach ((int n, int k) in new[] { (1, 1), (13, 7), (512, 128), (37, 1000) })
        {
            Check(Enum.Parse<GemmPath>(path), 1, false, transB, 1, n, k, 0.75f, beta, pad: 3, seed: n + k);
        }
    }

    // A batch-1 product keeps each column one fused sum in row order, block by block of 512 rows, whatever width of
    // vector carries it (256-, 128-, 64-column passes, the narrow tails, and — when B's rows share an alignment — the
    // passes from its first cache-line boundary with the columns before and after as edge vectors, whatever the
    // offset of B in its array): the bits are those of the scalar chain, on every vector path, so a stream step and a
    // whole-sequence step agree and the paths agree with each other.
    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-0.5f)]
    public void OneRowColumnsAreFusedChainsInRowOrder(float beta)
    {
        const int Kc = 512;
        (int N, int K)[] shapes =
        [
            (512, 128), (700, 600), (300, 40), (10, 128), (1030, 1100), (96, 7), (160, 33), (176, 5), (272, 20),
            (400, 129), (1024, 600),
        ];
        foreach ((int n, int k) in shapes)
        {
            var rng = new Random(n * 31 + k);
            float[] a = RandomArray(rng, k), stored = RandomArray(rng, (k * n) + 16), c0 = RandomArray(rng, n);
            const float Alpha = 0.75f;
            foreach (int offset in n % 16 == 0 ? Enumerable.Range(0, 16) : [0, 3])
            {
                float[] b = stored[offset..(offset + (k * n))];
                var expected = (float[])c0.Clone();
                for (int pc = 0; pc < k; pc += Kc)
                {
                    float blockBeta = pc == 0 ? beta : 1f;
                    for (int j = 0; j < n; j++)
                    {
                        float s = 0f;
                        for (int p = pc; p < Math.Min(k, pc + Kc); p++)
                        {
                            s = MathF.FusedMultiplyAdd(a[p], b[(p * n) + j], s);
                        }

                        expected[j] = blockBeta == 0f ? s * Alpha
                            : MathF.FusedMultiplyAdd(s, Alpha, blockBeta == 1f ? expected[j] : blockBeta * expected[j]);
                    }
                }

                foreach (string path in Paths().Where(p => p is nameof(GemmPath.Vector512) or nameof(GemmPath.Vector256)))
                {
                    // B read in place at this offset of the stored array, so each run meets another alignment.
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(Enum.Parse<GemmPath>(path), 1, false, false, 1, n, k, Alpha, a, k, stored.AsSpan(offset), n, beta, c, n);
                    for (int j = 0; j < n; j++)
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(c[j]) == BitConverter.SingleToInt32Bits(expected[j]),
                            $"{path} n={n} k={k} beta={beta} offset={offset}: column {j}: {c[j]} vs {expected[j]}");
                    }
                }
            }
        }
    }

    private static void Check(GemmPath path, int threads, bool transA, bool transB, int m, int n, int k,
        float alpha, float beta, int pad, int seed)
    {
        var rng = new Random(seed);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        float[] a = RandomArray(rng, StoredLength(aRows, aCols, lda));
        float[] b = RandomArray(rng, StoredLength(bRows, bCols, ldb));
        const float Sentinel = 12345f;
        float[] c = new float[StoredLength(m, n, ldc)];
        Array.Fill(c, Sentinel);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                // beta == 0 must not read C: NaN there must not reach the result.
                c[(i * ldc) + j] = beta == 0f ? float.NaN : (float)((rng.NextDouble() * 2) - 1);
            }
        }

        float[] c0 = (float[])c.Clone();
        Gemm.Multiply(path, threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        // op(A) by rows and op(B) by columns, contiguous in float64, so the reference loop is simple.
        var opA = new double[m * k];
        var opBt = new double[n * k];
        for (int p = 0; p < k; p++)
        {
            for (int i = 0; i < m; i++)
            {
                opA[(i * k) + p] = transA ? a[(p * lda) + i] : a[(i * lda) + p];
            }

            for (int j = 0; j < n; j++)
            {
                opBt[(j * k) + p] = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
            }
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double xy = opA[(i * k) + p] * opBt[(j * k) + p];
                    sum += xy;
                    magnitude += Math.Abs(xy);
                }

                double old = beta == 0f ? 0 : c0[(i * ldc) + j];
                double expected = (alpha * sum) + (beta * old);
                double bound = (1e-5 * ((Math.Abs(alpha) * magnitude) + Math.Abs(beta * old))) + 1e-6;
                float actual = c[(i * ldc) + j];
                if (!(Math.Abs(actual - expected) <= bound))
                {
                    Assert.Fail($"{path} tA={transA} tB={transB} {m}x{n}x{k} alpha={alpha} beta={beta}: C[{i},{j}] = {actual}, expected {expected}");
                }
            }

            for (int j = n; j < ldc && (i * ldc) + j < c.Length; j++)
            {
                Assert.Equal(Sentinel, c[(i * ldc) + j]);
            }
        }
    }

    private static int StoredLength(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : ((rows - 1) * ld) + cols;

    private static float[] RandomArray(Random rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }
}
