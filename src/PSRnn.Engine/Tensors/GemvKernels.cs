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
/// fixed and the result deterministic. B is read in place, usually a weight's managed array, which starts part-way
/// into a cache line: when its rows share an alignment the passes start at the first line boundary (see
/// <c>AlignedLead</c>), so no vector load splits two lines.
/// </summary>
internal static class GemvKernels
{
    /// <summary>The AVX-512 form: 256, then 128 columns a pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RowTimesMatrix512(int n, int k, int kcMax, float alpha, float* a, float* b, nint ldb,
        float beta, float* c)
    {
        const int W = 16;
        int lead = AlignedLead(b, ldb, n, 16 * W);
        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            float blockBeta = pc == 0 ? beta : 1f;
            float* ap = a + pc;
            float* bp = b + ((nint)pc * ldb);
            if (lead > 0)
            {
                Aligned512(n, kc, alpha, ap, bp, ldb, blockBeta, c, lead);
                continue;
            }

            int j = 0;

            // 256 columns a pass while they last: each row's run of B is 1 KB, which the prefetchers follow better
            // than 512 B runs (1x512x128: 3.1 -> 2.85 us); 16 accumulators and the broadcast fit the 32 registers.
            for (; j + (16 * W) <= n; j += 16 * W)
            {
                Pass512x16(kc, ap, bp + j, ldb, c + j, alpha, blockBeta);
            }

            for (; j + (8 * W) <= n; j += 8 * W)
            {
                Pass512x8(kc, ap, bp + j, ldb, c + j, alpha, blockBeta);
            }

            for (; j + W <= n; j += W)
            {
                Pass512x1(kc, ap, bp + j, ldb, c + j, alpha, blockBeta);
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
        int lead = AlignedLead(b, ldb, n, 8 * W);
        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            float blockBeta = pc == 0 ? beta : 1f;
            float* ap = a + pc;
            float* bp = b + ((nint)pc * ldb);
            if (lead > 0)
            {
                Aligned256(n, kc, alpha, ap, bp, ldb, blockBeta, c, lead);
                continue;
            }

            int j = 0;
            for (; j + (8 * W) <= n; j += 8 * W)
            {
                Pass256x8(kc, ap, bp + j, ldb, c + j, alpha, blockBeta);
            }

            for (; j + W <= n; j += W)
            {
                Pass256x1(kc, ap, bp + j, ldb, c + j, alpha, blockBeta);
            }

            ScalarColumns(j, n, kc, alpha, ap, bp, ldb, blockBeta, c);
        }
    }

    // Columns before B's first 64-byte boundary, when every row shares that alignment (a row stride of whole cache lines)
    // and enough columns are left for the aligned passes; else 0 (already aligned, or no common alignment). A managed
    // array starts 16–24 bytes past a line, and then every other vector load of a row splits two lines and each
    // pass's run touches one line more: 1x512x128 from a float[] at 24 mod 64 takes 3.2 us on the AVX2 path against
    // 2.3 us aligned (2.8 against 2.3 on AVX-512).
    private static unsafe int AlignedLead(float* b, nint ldb, int n, int lastPass)
    {
        if (((nint)b & 3) != 0 || (ldb & 15) != 0)
        {
            return 0;
        }

        int lead = (int)(((64 - ((nint)b & 63)) & 63) >> 2);
        return n - lead >= lastPass + 16 ? lead : 0;
    }

    // The aligned form of one row block: columns [lead, end) of whole vectors from B's first line boundary in passes of
    // 8 vectors, the last pass also carrying the columns before lead and after end as unaligned edge vectors. A pass
    // left with fewer than 8 vectors overlaps the pass before it and merges only its new vectors, so every pass keeps
    // 8 accumulator chains. Each column is still its own fused chain in row order, so the bits are the unaligned form's.
    private static unsafe void Aligned512(int n, int kc, float alpha, float* ap, float* bp, nint ldb, float beta, float* c,
        int lead)
    {
        const int W = 16;
        int end = lead + ((n - lead) / W * W);
        int j = lead;
        for (; j + (16 * W) < end; j += 16 * W)
        {
            Pass512x16(kc, ap, bp + j, ldb, c + j, alpha, beta);
        }

        // The last pass ends at end and overlaps the passes before it: it merges only the vectors from j on.
        int last = end - (16 * W);
        int skip = (j - last) / W;

        // 256 columns and the two edge vectors: 18 accumulators and the broadcast fit the 32 registers.
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        Vector512<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
        Vector512<float> s12 = default, s13 = default, s14 = default, s15 = default;
        Vector512<float> e0 = default, e1 = default;
        float* row = bp + last;
        float* first = bp;
        float* tail = bp + n - W;
        for (int p = 0; p < kc; p++, row += ldb, first += ldb, tail += ldb)
        {
            Vector512<float> x = Vector512.Create(ap[p]);
            s0 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (0 * W)), s0);
            s1 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (1 * W)), s1);
            s2 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (2 * W)), s2);
            s3 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (3 * W)), s3);
            s4 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (4 * W)), s4);
            s5 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (5 * W)), s5);
            s6 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (6 * W)), s6);
            s7 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (7 * W)), s7);
            s8 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (8 * W)), s8);
            s9 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (9 * W)), s9);
            s10 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (10 * W)), s10);
            s11 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (11 * W)), s11);
            s12 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (12 * W)), s12);
            s13 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (13 * W)), s13);
            s14 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (14 * W)), s14);
            s15 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadAlignedVector512(row + (15 * W)), s15);
            e0 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(first), e0);
            e1 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(tail), e1);
        }

        float* cl = c + last;
        MergeFrom512(cl + (0 * W), 0, skip, s0, alpha, beta);
        MergeFrom512(cl + (1 * W), 1, skip, s1, alpha, beta);
        MergeFrom512(cl + (2 * W), 2, skip, s2, alpha, beta);
        MergeFrom512(cl + (3 * W), 3, skip, s3, alpha, beta);
        MergeFrom512(cl + (4 * W), 4, skip, s4, alpha, beta);
        MergeFrom512(cl + (5 * W), 5, skip, s5, alpha, beta);
        MergeFrom512(cl + (6 * W), 6, skip, s6, alpha, beta);
        MergeFrom512(cl + (7 * W), 7, skip, s7, alpha, beta);
        MergeFrom512(cl + (8 * W), 8, skip, s8, alpha, beta);
        MergeFrom512(cl + (9 * W), 9, skip, s9, alpha, beta);
        MergeFrom512(cl + (10 * W), 10, skip, s10, alpha, beta);
        MergeFrom512(cl + (11 * W), 11, skip, s11, alpha, beta);
        MergeFrom512(cl + (12 * W), 12, skip, s12, alpha, beta);
        MergeFrom512(cl + (13 * W), 13, skip, s13, alpha, beta);
        MergeFrom512(cl + (14 * W), 14, skip, s14, alpha, beta);
        MergeFrom512(cl + (15 * W), 15, skip, s15, alpha, beta);
        MergeEdge512(c, 0, e0, 0, lead, alpha, beta);
        MergeEdge512(c, n - W, e1, end, n, alpha, beta);
    }

    private static unsafe void Aligned256(int n, int kc, float alpha, float* ap, float* bp, nint ldb, float beta, float* c,
        int lead)
    {
        const int W = 8;
        int end = lead + ((n - lead) / W * W);
        int j = lead;
        for (; j + (8 * W) < end; j += 8 * W)
        {
            Pass256x8(kc, ap, bp + j, ldb, c + j, alpha, beta);
        }

        // The last pass ends at end and overlaps the passes before it: it merges only the vectors from j on.
        int last = end - (8 * W);
        int skip = (j - last) / W;

        // The lead is under 16 columns (two vectors) and the tail under 8 (one): 11 accumulators and the broadcast
        // fit the 16 registers.
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
        Vector256<float> e0 = default, e1 = default, e2 = default;
        float* row = bp + last;
        float* first = bp;
        float* tail = bp + n - W;
        for (int p = 0; p < kc; p++, row += ldb, first += ldb, tail += ldb)
        {
            Vector256<float> x = Vector256.Create(ap[p]);
            s0 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row), s0);
            s1 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row + W), s1);
            s2 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row + (2 * W)), s2);
            s3 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row + (3 * W)), s3);
            s4 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row + (4 * W)), s4);
            s5 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row + (5 * W)), s5);
            s6 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row + (6 * W)), s6);
            s7 = Fma.MultiplyAdd(x, Avx.LoadAlignedVector256(row + (7 * W)), s7);
            e0 = Fma.MultiplyAdd(x, Avx.LoadVector256(first), e0);
            e1 = Fma.MultiplyAdd(x, Avx.LoadVector256(first + W), e1);
            e2 = Fma.MultiplyAdd(x, Avx.LoadVector256(tail), e2);
        }

        float* cl = c + last;
        MergeFrom256(cl, 0, skip, s0, alpha, beta);
        MergeFrom256(cl + W, 1, skip, s1, alpha, beta);
        MergeFrom256(cl + (2 * W), 2, skip, s2, alpha, beta);
        MergeFrom256(cl + (3 * W), 3, skip, s3, alpha, beta);
        MergeFrom256(cl + (4 * W), 4, skip, s4, alpha, beta);
        MergeFrom256(cl + (5 * W), 5, skip, s5, alpha, beta);
        MergeFrom256(cl + (6 * W), 6, skip, s6, alpha, beta);
        MergeFrom256(cl + (7 * W), 7, skip, s7, alpha, beta);
        MergeEdge256(c, 0, e0, 0, lead, alpha, beta);
        MergeEdge256(c, W, e1, 0, lead, alpha, beta);
        MergeEdge256(c, n - W, e2, end, n, alpha, beta);
    }

    // 16 vectors of columns, one row a turn.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pass512x16(int kc, float* ap, float* row, nint ldb, float* cj, float alpha, float beta)
    {
        const int W = 16;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        Vector512<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
        Vector512<float> s12 = default, s13 = default, s14 = default, s15 = default;
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

        Merge512(cj + (0 * W), s0, alpha, beta);
        Merge512(cj + (1 * W), s1, alpha, beta);
        Merge512(cj + (2 * W), s2, alpha, beta);
        Merge512(cj + (3 * W), s3, alpha, beta);
        Merge512(cj + (4 * W), s4, alpha, beta);
        Merge512(cj + (5 * W), s5, alpha, beta);
        Merge512(cj + (6 * W), s6, alpha, beta);
        Merge512(cj + (7 * W), s7, alpha, beta);
        Merge512(cj + (8 * W), s8, alpha, beta);
        Merge512(cj + (9 * W), s9, alpha, beta);
        Merge512(cj + (10 * W), s10, alpha, beta);
        Merge512(cj + (11 * W), s11, alpha, beta);
        Merge512(cj + (12 * W), s12, alpha, beta);
        Merge512(cj + (13 * W), s13, alpha, beta);
        Merge512(cj + (14 * W), s14, alpha, beta);
        Merge512(cj + (15 * W), s15, alpha, beta);
    }

    // 8 vectors of columns, two rows a turn (each accumulator still summing in row order).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pass512x8(int kc, float* ap, float* row, nint ldb, float* cj, float alpha, float beta)
    {
        const int W = 16;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
        int p = 0;
        for (; p + 2 <= kc; p += 2, row += 2 * ldb)
        {
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

        Merge512(cj, s0, alpha, beta);
        Merge512(cj + W, s1, alpha, beta);
        Merge512(cj + (2 * W), s2, alpha, beta);
        Merge512(cj + (3 * W), s3, alpha, beta);
        Merge512(cj + (4 * W), s4, alpha, beta);
        Merge512(cj + (5 * W), s5, alpha, beta);
        Merge512(cj + (6 * W), s6, alpha, beta);
        Merge512(cj + (7 * W), s7, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pass512x1(int kc, float* ap, float* row, nint ldb, float* cj, float alpha, float beta)
    {
        Vector512<float> s = default;
        for (int p = 0; p < kc; p++, row += ldb)
        {
            s = Avx512F.FusedMultiplyAdd(Vector512.Create(ap[p]), Avx512F.LoadVector512(row), s);
        }

        Merge512(cj, s, alpha, beta);
    }

    // 8 vectors of columns, one row a turn.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pass256x8(int kc, float* ap, float* row, nint ldb, float* cj, float alpha, float beta)
    {
        const int W = 8;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
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

        Merge256(cj, s0, alpha, beta);
        Merge256(cj + W, s1, alpha, beta);
        Merge256(cj + (2 * W), s2, alpha, beta);
        Merge256(cj + (3 * W), s3, alpha, beta);
        Merge256(cj + (4 * W), s4, alpha, beta);
        Merge256(cj + (5 * W), s5, alpha, beta);
        Merge256(cj + (6 * W), s6, alpha, beta);
        Merge256(cj + (7 * W), s7, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pass256x1(int kc, float* ap, float* row, nint ldb, float* cj, float alpha, float beta)
    {
        Vector256<float> s = default;
        for (int p = 0; p < kc; p++, row += ldb)
        {
            s = Fma.MultiplyAdd(Vector256.Create(ap[p]), Avx.LoadVector256(row), s);
        }

        Merge256(cj, s, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MergeFrom512(float* c, int index, int skip, Vector512<float> acc, float alpha, float beta)
    {
        if (index >= skip)
        {
            Merge512(c, acc, alpha, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MergeFrom256(float* c, int index, int skip, Vector256<float> acc, float alpha, float beta)
    {
        if (index >= skip)
        {
            Merge256(c, acc, alpha, beta);
        }
    }

    // Merges the lanes of an edge vector (columns at .. at+W-1) that fall in [from, to): the whole vector is merged as
    // the other vectors are, then blended with c's current lanes, so the other columns are written back unchanged (they
    // are final by now). In registers, so the caller keeps its accumulators in registers too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MergeEdge512(float* c, int at, Vector512<float> acc, int from, int to, float alpha, float beta)
    {
        Vector512<int> column = Vector512.Create(at) + Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<float> keep = Vector512.BitwiseAnd(
            Vector512.GreaterThanOrEqual(column, Vector512.Create(from)), Vector512.LessThan(column, Vector512.Create(to))).AsSingle();
        Vector512<float> current = Avx512F.LoadVector512(c + at);
        Vector512<float> va = Vector512.Create(alpha);
        Vector512<float> merged = beta == 0f ? Avx512F.Multiply(acc, va)
            : Avx512F.FusedMultiplyAdd(acc, va, beta == 1f ? current : Avx512F.Multiply(Vector512.Create(beta), current));
        Avx512F.Store(c + at, Vector512.ConditionalSelect(keep, merged, current));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MergeEdge256(float* c, int at, Vector256<float> acc, int from, int to, float alpha, float beta)
    {
        Vector256<int> column = Vector256.Create(at) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<float> keep = Vector256.BitwiseAnd(
            Vector256.GreaterThanOrEqual(column, Vector256.Create(from)), Vector256.LessThan(column, Vector256.Create(to))).AsSingle();
        Vector256<float> current = Avx.LoadVector256(c + at);
        Vector256<float> va = Vector256.Create(alpha);
        Vector256<float> merged = beta == 0f ? Avx.Multiply(acc, va)
            : Fma.MultiplyAdd(acc, va, beta == 1f ? current : Avx.Multiply(Vector256.Create(beta), current));
        Avx.Store(c + at, Vector256.ConditionalSelect(keep, merged, current));
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
