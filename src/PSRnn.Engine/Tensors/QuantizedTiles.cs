using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// The register kernels of <see cref="QuantizedGemm"/> for one instruction set, specialized per weight format. Ŵ is
/// read in place (b at the tile's first column, ldb bytes a row); each column's sum is one FMA chain in k order, merged
/// as <c>c = scale·acc + beta·c</c> (beta 0 does not read c).
/// </summary>
internal interface IQuantizedTiles
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int NR { get; }

    /// <summary>Bytes a weight element.</summary>
    static abstract int ElementSize { get; }

    /// <summary>C[MR×NR] = scale ⊙ Σ_p a[p, :] ⊗ Ŵ[p, :] + beta·C, from a packed A panel (kc×MR).</summary>
    static abstract unsafe void Tile(int kc, float* a, byte* b, nint ldb, float* scales, float beta, float* c, nint ldc);

    /// <summary>c[0..n) = scale ⊙ (a·Ŵ) + beta·c for one row a of k values.</summary>
    static abstract unsafe void Row(int n, int k, float* a, byte* b, nint ldb, float* scales, float beta, float* c);
}

/// <summary>AVX-512F: 8×32 tiles (16 accumulators), rows 128 columns a pass.</summary>
internal readonly struct Tiles512<TFormat> : IQuantizedTiles
    where TFormat : struct, IQuantizedFormat
{
    private const int W = 16;

    public static int MR => 8;

    public static int NR => 32;

    public static int ElementSize => TFormat.Size;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Tile(int kc, float* a, byte* b, nint ldb, float* scales, float beta, float* c, nint ldc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        nint half = W * TFormat.Size;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = TFormat.Load512(b);
            Vector512<float> b1 = TFormat.Load512(b + half);
            Vector512<float> ai = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(ai, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(ai, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(ai, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(ai, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(ai, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(ai, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(ai, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(ai, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(ai, b1, c71);
            a += 8;
            b += ldb;
        }

        Vector512<float> s0 = Avx512F.LoadVector512(scales), s1 = Avx512F.LoadVector512(scales + W);
        Merge(c, c00, s0, beta);
        Merge(c + W, c01, s1, beta);
        c += ldc;
        Merge(c, c10, s0, beta);
        Merge(c + W, c11, s1, beta);
        c += ldc;
        Merge(c, c20, s0, beta);
        Merge(c + W, c21, s1, beta);
        c += ldc;
        Merge(c, c30, s0, beta);
        Merge(c + W, c31, s1, beta);
        c += ldc;
        Merge(c, c40, s0, beta);
        Merge(c + W, c41, s1, beta);
        c += ldc;
        Merge(c, c50, s0, beta);
        Merge(c + W, c51, s1, beta);
        c += ldc;
        Merge(c, c60, s0, beta);
        Merge(c + W, c61, s1, beta);
        c += ldc;
        Merge(c, c70, s0, beta);
        Merge(c + W, c71, s1, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Row(int n, int k, float* a, byte* b, nint ldb, float* scales, float beta, float* c)
    {
        nint v = W * TFormat.Size;
        int j = 0;

        // 8 vectors a pass: 128 columns, a 128-byte run of int8 per row (two cache lines).
        for (; j + (8 * W) <= n; j += 8 * W)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
            byte* row = b + ((nint)j * TFormat.Size);
            for (int p = 0; p < k; p++, row += ldb)
            {
                Vector512<float> x = Vector512.Create(a[p]);
                s0 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row), s0);
                s1 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row + v), s1);
                s2 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row + (2 * v)), s2);
                s3 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row + (3 * v)), s3);
                s4 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row + (4 * v)), s4);
                s5 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row + (5 * v)), s5);
                s6 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row + (6 * v)), s6);
                s7 = Avx512F.FusedMultiplyAdd(x, TFormat.Load512(row + (7 * v)), s7);
            }

            float* cj = c + j;
            float* sj = scales + j;
            Merge(cj, s0, Avx512F.LoadVector512(sj), beta);
            Merge(cj + W, s1, Avx512F.LoadVector512(sj + W), beta);
            Merge(cj + (2 * W), s2, Avx512F.LoadVector512(sj + (2 * W)), beta);
            Merge(cj + (3 * W), s3, Avx512F.LoadVector512(sj + (3 * W)), beta);
            Merge(cj + (4 * W), s4, Avx512F.LoadVector512(sj + (4 * W)), beta);
            Merge(cj + (5 * W), s5, Avx512F.LoadVector512(sj + (5 * W)), beta);
            Merge(cj + (6 * W), s6, Avx512F.LoadVector512(sj + (6 * W)), beta);
            Merge(cj + (7 * W), s7, Avx512F.LoadVector512(sj + (7 * W)), beta);
        }

        // One vector a pass, the last one partial (the padding makes its loads safe; only its own columns are written).
        float* edge = stackalloc float[W];
        for (; j < n; j += W)
        {
            Vector512<float> s = default;
            byte* row = b + ((nint)j * TFormat.Size);
            for (int p = 0; p < k; p++, row += ldb)
            {
                s = Avx512F.FusedMultiplyAdd(Vector512.Create(a[p]), TFormat.Load512(row), s);
            }

            int width = Math.Min(W, n - j);
            float* target = width == W ? c + j : edge;
            if (width < W)
            {
                new Span<float>(c + j, width).CopyTo(new Span<float>(edge, W));
            }

            Merge(target, s, Avx512F.LoadVector512(scales + j), beta);
            if (width < W)
            {
                new Span<float>(edge, width).CopyTo(new Span<float>(c + j, width));
            }
        }
    }

    // c = scale·acc + beta·c; beta 0 does not read c.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Merge(float* c, Vector512<float> acc, Vector512<float> scale, float beta)
    {
        if (beta == 0f)
        {
            Avx512F.Store(c, Avx512F.Multiply(acc, scale));
        }
        else if (beta == 1f)
        {
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(acc, scale, Avx512F.LoadVector512(c)));
        }
        else
        {
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(acc, scale, Avx512F.Multiply(Vector512.Create(beta), Avx512F.LoadVector512(c))));
        }
    }
}

/// <summary>AVX2 + FMA: 6×16 tiles (12 accumulators, 15 of the 16 registers), rows 64 columns a pass.</summary>
internal readonly struct Tiles256<TFormat> : IQuantizedTiles
    where TFormat : struct, IQuantizedFormat
{
    private const int W = 8;

    public static int MR => 6;

    public static int NR => 16;

    public static int ElementSize => TFormat.Size;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Tile(int kc, float* a, byte* b, nint ldb, float* scales, float beta, float* c, nint ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
        nint half = W * TFormat.Size;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = TFormat.Load256(b);
            Vector256<float> b1 = TFormat.Load256(b + half);
            Vector256<float> ai = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Avx.BroadcastScalarToVector256(a + 1);
            c10 = Fma.MultiplyAdd(ai, b0, c10);
            c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Avx.BroadcastScalarToVector256(a + 2);
            c20 = Fma.MultiplyAdd(ai, b0, c20);
            c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Avx.BroadcastScalarToVector256(a + 3);
            c30 = Fma.MultiplyAdd(ai, b0, c30);
            c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Avx.BroadcastScalarToVector256(a + 4);
            c40 = Fma.MultiplyAdd(ai, b0, c40);
            c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Avx.BroadcastScalarToVector256(a + 5);
            c50 = Fma.MultiplyAdd(ai, b0, c50);
            c51 = Fma.MultiplyAdd(ai, b1, c51);
            a += 6;
            b += ldb;
        }

        Vector256<float> s0 = Avx.LoadVector256(scales), s1 = Avx.LoadVector256(scales + W);
        Merge(c, c00, s0, beta);
        Merge(c + W, c01, s1, beta);
        c += ldc;
        Merge(c, c10, s0, beta);
        Merge(c + W, c11, s1, beta);
        c += ldc;
        Merge(c, c20, s0, beta);
        Merge(c + W, c21, s1, beta);
        c += ldc;
        Merge(c, c30, s0, beta);
        Merge(c + W, c31, s1, beta);
        c += ldc;
        Merge(c, c40, s0, beta);
        Merge(c + W, c41, s1, beta);
        c += ldc;
        Merge(c, c50, s0, beta);
        Merge(c + W, c51, s1, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Row(int n, int k, float* a, byte* b, nint ldb, float* scales, float beta, float* c)
    {
        nint v = W * TFormat.Size;
        int j = 0;
        for (; j + (8 * W) <= n; j += 8 * W)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
            byte* row = b + ((nint)j * TFormat.Size);
            for (int p = 0; p < k; p++, row += ldb)
            {
                Vector256<float> x = Vector256.Create(a[p]);
                s0 = Fma.MultiplyAdd(x, TFormat.Load256(row), s0);
                s1 = Fma.MultiplyAdd(x, TFormat.Load256(row + v), s1);
                s2 = Fma.MultiplyAdd(x, TFormat.Load256(row + (2 * v)), s2);
                s3 = Fma.MultiplyAdd(x, TFormat.Load256(row + (3 * v)), s3);
                s4 = Fma.MultiplyAdd(x, TFormat.Load256(row + (4 * v)), s4);
                s5 = Fma.MultiplyAdd(x, TFormat.Load256(row + (5 * v)), s5);
                s6 = Fma.MultiplyAdd(x, TFormat.Load256(row + (6 * v)), s6);
                s7 = Fma.MultiplyAdd(x, TFormat.Load256(row + (7 * v)), s7);
            }

            float* cj = c + j;
            float* sj = scales + j;
            Merge(cj, s0, Avx.LoadVector256(sj), beta);
            Merge(cj + W, s1, Avx.LoadVector256(sj + W), beta);
            Merge(cj + (2 * W), s2, Avx.LoadVector256(sj + (2 * W)), beta);
            Merge(cj + (3 * W), s3, Avx.LoadVector256(sj + (3 * W)), beta);
            Merge(cj + (4 * W), s4, Avx.LoadVector256(sj + (4 * W)), beta);
            Merge(cj + (5 * W), s5, Avx.LoadVector256(sj + (5 * W)), beta);
            Merge(cj + (6 * W), s6, Avx.LoadVector256(sj + (6 * W)), beta);
            Merge(cj + (7 * W), s7, Avx.LoadVector256(sj + (7 * W)), beta);
        }

        float* edge = stackalloc float[W];
        for (; j < n; j += W)
        {
            Vector256<float> s = default;
            byte* row = b + ((nint)j * TFormat.Size);
            for (int p = 0; p < k; p++, row += ldb)
            {
                s = Fma.MultiplyAdd(Vector256.Create(a[p]), TFormat.Load256(row), s);
            }

            int width = Math.Min(W, n - j);
            float* target = width == W ? c + j : edge;
            if (width < W)
            {
                new Span<float>(c + j, width).CopyTo(new Span<float>(edge, W));
            }

            Merge(target, s, Avx.LoadVector256(scales + j), beta);
            if (width < W)
            {
                new Span<float>(edge, width).CopyTo(new Span<float>(c + j, width));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Merge(float* c, Vector256<float> acc, Vector256<float> scale, float beta)
    {
        if (beta == 0f)
        {
            Avx.Store(c, Avx.Multiply(acc, scale));
        }
        else if (beta == 1f)
        {
            Avx.Store(c, Fma.MultiplyAdd(acc, scale, Avx.LoadVector256(c)));
        }
        else
        {
            Avx.Store(c, Fma.MultiplyAdd(acc, scale, Avx.Multiply(Vector256.Create(beta), Avx.LoadVector256(c))));
        }
    }
}

/// <summary>Plain floats (no AVX2): 4×4 tiles, the reference for hardware without the vector paths.</summary>
internal readonly struct ScalarTiles<TFormat> : IQuantizedTiles
    where TFormat : struct, IQuantizedFormat
{
    public static int MR => 4;

    public static int NR => 4;

    public static int ElementSize => TFormat.Size;

    public static unsafe void Tile(int kc, float* a, byte* b, nint ldb, float* scales, float beta, float* c, nint ldc)
    {
        float* acc = stackalloc float[16];
        new Span<float>(acc, 16).Clear();
        for (int p = 0; p < kc; p++, a += 4, b += ldb)
        {
            for (int j = 0; j < 4; j++)
            {
                float w = TFormat.Load(b, j);
                for (int i = 0; i < 4; i++)
                {
                    acc[(i * 4) + j] = MathF.FusedMultiplyAdd(a[i], w, acc[(i * 4) + j]);
                }
            }
        }

        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                Store(c + (i * ldc) + j, acc[(i * 4) + j], scales[j], beta);
            }
        }
    }

    public static unsafe void Row(int n, int k, float* a, byte* b, nint ldb, float* scales, float beta, float* c)
    {
        for (int j = 0; j < n; j++)
        {
            float s = 0f;
            byte* row = b;
            for (int p = 0; p < k; p++, row += ldb)
            {
                s = MathF.FusedMultiplyAdd(a[p], TFormat.Load(row, j), s);
            }

            Store(c + j, s, scales[j], beta);
        }
    }

    private static unsafe void Store(float* c, float acc, float scale, float beta) =>
        *c = beta == 0f ? acc * scale : MathF.FusedMultiplyAdd(acc, scale, beta == 1f ? *c : beta * *c);
}
