using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// The last tile of rows when fewer than MR remain (m mod MR, full NR columns): only those rows are computed, where the
/// edge path computed all MR of the zero-padded panel. A batch chunk of 16 rows on the 6-row AVX2 tile cost 18; a masked
/// step's 11 active rows cost 12 — or 16 on the 8-row AVX-512 tile. Each row's sum is the kernel's own (the same FMAs from
/// zero, p ascending) and the store is <see cref="Gemm"/>'s edge merge (alpha·acc + beta·c, unfused), so the bits
/// are those of the edge path.
/// </summary>
internal static class RowTailKernels
{
    /// <summary>Rows 0 … rows − 1 of the AVX2 6×16 tile: c[i, 0..15] = alpha·Σ_p a[p, i]·b[p, 0..15] + beta·c[i, 0..15].</summary>
    public static unsafe void Run256(int rows, int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        switch (rows)
        {
            case 1: Rows256<R1>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 2: Rows256<R2>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 3: Rows256<R3>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 4: Rows256<R4>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 5: Rows256<R5>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    /// <summary>Rows 0 … rows − 1 of the AVX-512 8×32 tile, as <see cref="Run256"/>.</summary>
    public static unsafe void Run512(int rows, int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        switch (rows)
        {
            case 1: Rows512<R1>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 2: Rows512<R2>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 3: Rows512<R3>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 4: Rows512<R4>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 5: Rows512<R5>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 6: Rows512<R6>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            case 7: Rows512<R7>(kc, a, b, ldb, c, ldc, alpha, beta); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    // One body per row count: TRows.N is a constant of each instantiation, so the JIT drops the rows beyond it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Rows256<TRows>(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
        where TRows : struct, IRowCount
    {
        int n = TRows.N;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = Avx.LoadVector256(b + 8);
            Vector256<float> ai = Avx.BroadcastScalarToVector256(a);
            c00 = Fma.MultiplyAdd(ai, b0, c00);
            c01 = Fma.MultiplyAdd(ai, b1, c01);
            if (n > 1)
            {
                ai = Avx.BroadcastScalarToVector256(a + 1);
                c10 = Fma.MultiplyAdd(ai, b0, c10);
                c11 = Fma.MultiplyAdd(ai, b1, c11);
            }

            if (n > 2)
            {
                ai = Avx.BroadcastScalarToVector256(a + 2);
                c20 = Fma.MultiplyAdd(ai, b0, c20);
                c21 = Fma.MultiplyAdd(ai, b1, c21);
            }

            if (n > 3)
            {
                ai = Avx.BroadcastScalarToVector256(a + 3);
                c30 = Fma.MultiplyAdd(ai, b0, c30);
                c31 = Fma.MultiplyAdd(ai, b1, c31);
            }

            if (n > 4)
            {
                ai = Avx.BroadcastScalarToVector256(a + 4);
                c40 = Fma.MultiplyAdd(ai, b0, c40);
                c41 = Fma.MultiplyAdd(ai, b1, c41);
            }

            a += 6;
            b += ldb;
        }

        Vector256<float> va = Vector256.Create(alpha);
        Vector256<float> vb = Vector256.Create(beta);
        Merge256(c, c00, c01, va, vb, beta);
        if (n > 1)
        {
            Merge256(c + ldc, c10, c11, va, vb, beta);
        }

        if (n > 2)
        {
            Merge256(c + (2 * ldc), c20, c21, va, vb, beta);
        }

        if (n > 3)
        {
            Merge256(c + (3 * ldc), c30, c31, va, vb, beta);
        }

        if (n > 4)
        {
            Merge256(c + (4 * ldc), c40, c41, va, vb, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Rows512<TRows>(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
        where TRows : struct, IRowCount
    {
        int n = TRows.N;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Avx512F.LoadVector512(b);
            Vector512<float> b1 = Avx512F.LoadVector512(b + 16);
            Vector512<float> ai = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(ai, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(ai, b1, c01);
            if (n > 1)
            {
                ai = Vector512.Create(a[1]);
                c10 = Avx512F.FusedMultiplyAdd(ai, b0, c10);
                c11 = Avx512F.FusedMultiplyAdd(ai, b1, c11);
            }

            if (n > 2)
            {
                ai = Vector512.Create(a[2]);
                c20 = Avx512F.FusedMultiplyAdd(ai, b0, c20);
                c21 = Avx512F.FusedMultiplyAdd(ai, b1, c21);
            }

            if (n > 3)
            {
                ai = Vector512.Create(a[3]);
                c30 = Avx512F.FusedMultiplyAdd(ai, b0, c30);
                c31 = Avx512F.FusedMultiplyAdd(ai, b1, c31);
            }

            if (n > 4)
            {
                ai = Vector512.Create(a[4]);
                c40 = Avx512F.FusedMultiplyAdd(ai, b0, c40);
                c41 = Avx512F.FusedMultiplyAdd(ai, b1, c41);
            }

            if (n > 5)
            {
                ai = Vector512.Create(a[5]);
                c50 = Avx512F.FusedMultiplyAdd(ai, b0, c50);
                c51 = Avx512F.FusedMultiplyAdd(ai, b1, c51);
            }

            if (n > 6)
            {
                ai = Vector512.Create(a[6]);
                c60 = Avx512F.FusedMultiplyAdd(ai, b0, c60);
                c61 = Avx512F.FusedMultiplyAdd(ai, b1, c61);
            }

            a += 8;
            b += ldb;
        }

        Vector512<float> va = Vector512.Create(alpha);
        Vector512<float> vb = Vector512.Create(beta);
        Merge512(c, c00, c01, va, vb, beta);
        if (n > 1)
        {
            Merge512(c + ldc, c10, c11, va, vb, beta);
        }

        if (n > 2)
        {
            Merge512(c + (2 * ldc), c20, c21, va, vb, beta);
        }

        if (n > 3)
        {
            Merge512(c + (3 * ldc), c30, c31, va, vb, beta);
        }

        if (n > 4)
        {
            Merge512(c + (4 * ldc), c40, c41, va, vb, beta);
        }

        if (n > 5)
        {
            Merge512(c + (5 * ldc), c50, c51, va, vb, beta);
        }

        if (n > 6)
        {
            Merge512(c + (6 * ldc), c60, c61, va, vb, beta);
        }
    }

    // One row of 16: c = alpha·acc (beta == 0, c not read) or alpha·acc + beta·c, unfused as the edge merge is.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Merge256(float* c, Vector256<float> lo, Vector256<float> hi, Vector256<float> alpha, Vector256<float> betaV, float beta)
    {
        if (beta == 0f)
        {
            Avx.Store(c, Avx.Multiply(lo, alpha));
            Avx.Store(c + 8, Avx.Multiply(hi, alpha));
        }
        else
        {
            Avx.Store(c, Avx.Add(Avx.Multiply(lo, alpha), Avx.Multiply(betaV, Avx.LoadVector256(c))));
            Avx.Store(c + 8, Avx.Add(Avx.Multiply(hi, alpha), Avx.Multiply(betaV, Avx.LoadVector256(c + 8))));
        }
    }

    // One row of 32, as Merge256.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Merge512(float* c, Vector512<float> lo, Vector512<float> hi, Vector512<float> alpha, Vector512<float> betaV, float beta)
    {
        if (beta == 0f)
        {
            Avx512F.Store(c, Avx512F.Multiply(lo, alpha));
            Avx512F.Store(c + 16, Avx512F.Multiply(hi, alpha));
        }
        else
        {
            Avx512F.Store(c, Avx512F.Add(Avx512F.Multiply(lo, alpha), Avx512F.Multiply(betaV, Avx512F.LoadVector512(c))));
            Avx512F.Store(c + 16, Avx512F.Add(Avx512F.Multiply(hi, alpha), Avx512F.Multiply(betaV, Avx512F.LoadVector512(c + 16))));
        }
    }

    internal interface IRowCount
    {
        static abstract int N { get; }
    }

    internal readonly struct R1 : IRowCount
    {
        public static int N => 1;
    }

    internal readonly struct R2 : IRowCount
    {
        public static int N => 2;
    }

    internal readonly struct R3 : IRowCount
    {
        public static int N => 3;
    }

    internal readonly struct R4 : IRowCount
    {
        public static int N => 4;
    }

    internal readonly struct R5 : IRowCount
    {
        public static int N => 5;
    }

    internal readonly struct R6 : IRowCount
    {
        public static int N => 6;
    }

    internal readonly struct R7 : IRowCount
    {
        public static int N => 7;
    }
}
