using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// One row times a matrix, <c>c = alpha·(a·B) + beta·c</c> with a (1×k) and B (k×n, row stride ldb): the batch-1 product
/// of inference (an LSTM step is 1×U times U×4U). The tiled kernels would compute MR rows to keep one; here eight
/// vector accumulators hold 8·W columns of c while B's rows stream past, so each element of B is read once, from
/// cache, with no packing. The k loop runs in blocks of <c>kc</c> and each block's sum starts from zero and is merged
/// into c as the tiled kernels merge theirs (fused <c>alpha·acc + c</c> when beta is 1), so the order of the sums is
/// fixed and the result deterministic.
/// </summary>
internal static class GemvKernels
{
    /// <summary>The AVX-512 form: 256, then 128 columns a pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RowTimesMatrix512(int n, int k, int kcMax, float alpha, float* a, float* b, nint ldb,
        float beta, float* c)
    {
        const int W = 16;
        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            float blockBeta = pc == 0 ? beta : 1f;
            float* ap = a + pc;
            float* bp = b + ((nint)pc * ldb);
            int j = 0;

            // 256 columns a pass while they last: each row's run of B is 1 KB, which the prefetchers follow better
            // than 512 B runs (1x512x128: 3.1 -> 2.85 us); 16 accumulators and the broadcast fit the 32 registers.
            for (; j + (16 * W) <= n; j += 16 * W)
            {
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
                Vector512<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
                Vector512<float> s12 = default, s13 = default, s14 = default, s15 = default;
                float* row = bp + j;
                for (int p = 0; p < kc; p++, row += ldb)
                {
                    Vector512<float> x = Vector512.Create(ap[p]);
                    s0 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (0 * W)), s0);
                    s1 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (1 * W)), s1);
                    s2 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (2 * W)), s2);
                    s3 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (3 * W)), s3);
                    s4 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (4 * W)), s4);
                    s5 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (5 * W)), s5);
                    s6 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (6 * W)), s6);
                    s7 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (7 * W)), s7);
                    s8 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (8 * W)), s8);
                    s9 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (9 * W)), s9);
                    s10 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (10 * W)), s10);
                    s11 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (11 * W)), s11);
                    s12 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (12 * W)), s12);
                    s13 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (13 * W)), s13);
                    s14 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (14 * W)), s14);
                    s15 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (15 * W)), s15);
                }

                Merge512(c + j + (0 * W), s0, alpha, blockBeta);
                Merge512(c + j + (1 * W), s1, alpha, blockBeta);
                Merge512(c + j + (2 * W), s2, alpha, blockBeta);
                Merge512(c + j + (3 * W), s3, alpha, blockBeta);
                Merge512(c + j + (4 * W), s4, alpha, blockBeta);
                Merge512(c + j + (5 * W), s5, alpha, blockBeta);
                Merge512(c + j + (6 * W), s6, alpha, blockBeta);
                Merge512(c + j + (7 * W), s7, alpha, blockBeta);
                Merge512(c + j + (8 * W), s8, alpha, blockBeta);
                Merge512(c + j + (9 * W), s9, alpha, blockBeta);
                Merge512(c + j + (10 * W), s10, alpha, blockBeta);
                Merge512(c + j + (11 * W), s11, alpha, blockBeta);
                Merge512(c + j + (12 * W), s12, alpha, blockBeta);
                Merge512(c + j + (13 * W), s13, alpha, blockBeta);
                Merge512(c + j + (14 * W), s14, alpha, blockBeta);
                Merge512(c + j + (15 * W), s15, alpha, blockBeta);
            }

            for (; j + (8 * W) <= n; j += 8 * W)
            {
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
                float* row = bp + j;
                int p = 0;
                for (; p + 2 <= kc; p += 2, row += 2 * ldb)
                {
                    // Two rows a turn, each accumulator still summing in row order.
                    Vector512<float> x = Vector512.Create(ap[p]);
                    Vector512<float> y = Vector512.Create(ap[p + 1]);
                    float* next = row + ldb;
                    s0 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row), s0));
                    s1 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next + W), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + W), s1));
                    s2 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next + (2 * W)), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (2 * W)), s2));
                    s3 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next + (3 * W)), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (3 * W)), s3));
                    s4 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next + (4 * W)), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (4 * W)), s4));
                    s5 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next + (5 * W)), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (5 * W)), s5));
                    s6 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next + (6 * W)), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (6 * W)), s6));
                    s7 = Avx512F.FusedMultiplyAdd(y, Avx512F.LoadVector512(next + (7 * W)), Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (7 * W)), s7));
                }

                for (; p < kc; p++, row += ldb)
                {
                    Vector512<float> x = Vector512.Create(ap[p]);
                    s0 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row), s0);
                    s1 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + W), s1);
                    s2 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (2 * W)), s2);
                    s3 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (3 * W)), s3);
                    s4 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (4 * W)), s4);
                    s5 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (5 * W)), s5);
                    s6 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (6 * W)), s6);
                    s7 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(row + (7 * W)), s7);
                }

                float* cj = c + j;
                Merge512(cj, s0, alpha, blockBeta);
                Merge512(cj + W, s1, alpha, blockBeta);
                Merge512(cj + (2 * W), s2, alpha, blockBeta);
                Merge512(cj + (3 * W), s3, alpha, blockBeta);
                Merge512(cj + (4 * W), s4, alpha, blockBeta);
                Merge512(cj + (5 * W), s5, alpha, blockBeta);
                Merge512(cj + (6 * W), s6, alpha, blockBeta);
                Merge512(cj + (7 * W), s7, alpha, blockBeta);
            }

            for (; j + W <= n; j += W)
            {
                Vector512<float> s = default;
                float* row = bp + j;
                for (int p = 0; p < kc; p++, row += ldb)
                {
                    s = Avx512F.FusedMultiplyAdd(Vector512.Create(ap[p]), Avx512F.LoadVector512(row), s);
                }

                Merge512(c + j, s, alpha, blockBeta);
            }

            ScalarColumns(j, n, kc, alpha, ap, bp, ldb, blockBeta, c);
        }
    }

    /// <summary>The AVX2 + FMA form: 64 columns a pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RowTimesMatrix256(int n, int k, int kcMax, float alpha, float* a, float* b, nint ldb,
        float beta, float* c)
    {
        const int W = 8;
        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            float blockBeta = pc == 0 ? beta : 1f;
            float* ap = a + pc;
            float* bp = b + ((nint)pc * ldb);
            int j = 0;
            for (; j + (8 * W) <= n; j += 8 * W)
            {
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
                float* row = bp + j;
                for (int p = 0; p < kc; p++, row += ldb)
                {
                    Vector256<float> x = Vector256.Create(ap[p]);
                    s0 = Fma.MultiplyAdd(x, Avx.LoadVector256(row), s0);
                    s1 = Fma.MultiplyAdd(x, Avx.LoadVector256(row + W), s1);
                    s2 = Fma.MultiplyAdd(x, Avx.LoadVector256(row + (2 * W)), s2);
                    s3 = Fma.MultiplyAdd(x, Avx.LoadVector256(row + (3 * W)), s3);
                    s4 = Fma.MultiplyAdd(x, Avx.LoadVector256(row + (4 * W)), s4);
                    s5 = Fma.MultiplyAdd(x, Avx.LoadVector256(row + (5 * W)), s5);
                    s6 = Fma.MultiplyAdd(x, Avx.LoadVector256(row + (6 * W)), s6);
                    s7 = Fma.MultiplyAdd(x, Avx.LoadVector256(row + (7 * W)), s7);
                }

                float* cj = c + j;
                Merge256(cj, s0, alpha, blockBeta);
                Merge256(cj + W, s1, alpha, blockBeta);
                Merge256(cj + (2 * W), s2, alpha, blockBeta);
                Merge256(cj + (3 * W), s3, alpha, blockBeta);
                Merge256(cj + (4 * W), s4, alpha, blockBeta);
                Merge256(cj + (5 * W), s5, alpha, blockBeta);
                Merge256(cj + (6 * W), s6, alpha, blockBeta);
                Merge256(cj + (7 * W), s7, alpha, blockBeta);
            }

            for (; j + W <= n; j += W)
            {
                Vector256<float> s = default;
                float* row = bp + j;
                for (int p = 0; p < kc; p++, row += ldb)
                {
                    s = Fma.MultiplyAdd(Vector256.Create(ap[p]), Avx.LoadVector256(row), s);
                }

                Merge256(c + j, s, alpha, blockBeta);
            }

            ScalarColumns(j, n, kc, alpha, ap, bp, ldb, blockBeta, c);
        }
    }

    // c = alpha·acc + beta·c as the tiled kernels merge a block: beta 0 does not read c, beta 1 is one fused step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Merge512(float* c, Vector512<float> acc, float alpha, float beta)
    {
        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Avx512F.Store(c, Avx512F.Multiply(acc, va));
        }
        else if (beta == 1f)
        {
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(acc, va, Avx512F.LoadVector512(c)));
        }
        else
        {
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(acc, va, Avx512F.Multiply(Vector512.Create(beta), Avx512F.LoadVector512(c))));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Merge256(float* c, Vector256<float> acc, float alpha, float beta)
    {
        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Avx.Store(c, Avx.Multiply(acc, va));
        }
        else if (beta == 1f)
        {
            Avx.Store(c, Fma.MultiplyAdd(acc, va, Avx.LoadVector256(c)));
        }
        else
        {
            Avx.Store(c, Fma.MultiplyAdd(acc, va, Avx.Multiply(Vector256.Create(beta), Avx.LoadVector256(c))));
        }
    }

    // The columns left over after the last whole vector of the caller's width: 8 and 4 columns a pass in narrower
    // vectors, then the last one to three together, each column still one fused sum in row order (the lanes compute
    // exactly what the scalar loop does), so the bits are those of one column at a time; but the sums of different
    // columns now run side by side instead of as serial FMA chains (a Dense(10) at batch 1 is all tail).
    private static unsafe void ScalarColumns(int j0, int n, int kc, float alpha, float* a, float* b, nint ldb, float beta, float* c)
    {
        int j = j0;
        if (Fma.IsSupported)
        {
            for (; j + 8 <= n; j += 8)
            {
                Vector256<float> s = default;
                float* row = b + j;
                for (int p = 0; p < kc; p++, row += ldb)
                {
                    s = Fma.MultiplyAdd(Vector256.Create(a[p]), Avx.LoadVector256(row), s);
                }

                Merge256(c + j, s, alpha, beta);
            }

            for (; j + 4 <= n; j += 4)
            {
                Vector128<float> s = default;
                float* row = b + j;
                for (int p = 0; p < kc; p++, row += ldb)
                {
                    s = Fma.MultiplyAdd(Vector128.Create(a[p]), Sse.LoadVector128(row), s);
                }

                for (int l = 0; l < 4; l++)
                {
                    Store(c, j + l, s.GetElement(l), alpha, beta);
                }
            }
        }

        for (; j < n; j += 3)
        {
            // Up to three columns in one pass over the rows.
            int width = Math.Min(3, n - j);
            float s0 = 0f, s1 = 0f, s2 = 0f;
            float* row = b + j;
            for (int p = 0; p < kc; p++, row += ldb)
            {
                float x = a[p];
                s0 = MathF.FusedMultiplyAdd(x, row[0], s0);
                if (width > 1)
                {
                    s1 = MathF.FusedMultiplyAdd(x, row[1], s1);
                }

                if (width > 2)
                {
                    s2 = MathF.FusedMultiplyAdd(x, row[2], s2);
                }
            }

            Store(c, j, s0, alpha, beta);
            if (width > 1)
            {
                Store(c, j + 1, s1, alpha, beta);
            }

            if (width > 2)
            {
                Store(c, j + 2, s2, alpha, beta);
            }
        }
    }

    // c[j] = alpha·s + beta·c[j], as the vector merges do it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* c, int j, float s, float alpha, float beta) =>
        c[j] = beta == 0f ? s * alpha : MathF.FusedMultiplyAdd(s, alpha, beta == 1f ? c[j] : beta * c[j]);
}
