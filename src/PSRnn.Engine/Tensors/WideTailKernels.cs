using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// The last tile of rows when only one to three remain, over several B panels at once. A tile of r rows and one panel
/// (two vectors a row) has 2r accumulator chains; with fewer than eight the FMA latency, not the two FMA pipes, sets the
/// pace, so one row cost as much as four (a masked step or a batch chunk leaves such tails: 16 rows on the AVX2 tile of
/// 6, 11 active rows on the AVX-512 tile of 8). Here one row spans four panels and two or three rows span two: eight or
/// more chains. Each element is still the kernel's own sum (the same FMAs from zero, p ascending) stored by the edge
/// merge, so the bits are those of <see cref="RowTailKernels"/>.
/// </summary>
/// <remarks>
/// B's panels are <c>panelStride</c> floats apart and each has kc rows <c>ldb</c> apart (packed: kc·NR and NR; read in
/// place: NR and B's row stride); the columns of C are contiguous across them. A is the packed tile panel (MR values a k).
/// </remarks>
internal static class WideTailKernels
{
    /// <summary>The panels one AVX-512 wide tail of <paramref name="rows"/> rows covers, or 0 when the one-panel tail keeps eight chains.</summary>
    public static int Panels512(int rows) => rows switch { 1 => 4, 2 or 3 => 2, _ => 0 };

    /// <summary>The panels one AVX2 wide tail covers: three rows over two panels would need 17 of the 16 registers.</summary>
    public static int Panels256(int rows) => rows switch { 1 => 4, 2 => 2, _ => 0 };

    /// <summary>Rows 0 … rows − 1 of <see cref="Panels512"/>(rows) AVX-512 tiles (8×32) side by side.</summary>
    public static unsafe void Run512(int rows, int kc, float* a, float* b, nint ldb, nint panelStride, float* c, nint ldc, float alpha, float beta)
    {
        switch (rows)
        {
            case 1: Wide512<RowTailKernels.R1>(kc, a, b, ldb, panelStride, c, ldc, alpha, beta); break;
            case 2: Wide512<RowTailKernels.R2>(kc, a, b, ldb, panelStride, c, ldc, alpha, beta); break;
            case 3: Wide512<RowTailKernels.R3>(kc, a, b, ldb, panelStride, c, ldc, alpha, beta); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    /// <summary>Rows 0 … rows − 1 of <see cref="Panels256"/>(rows) AVX2 tiles (6×16) side by side.</summary>
    public static unsafe void Run256(int rows, int kc, float* a, float* b, nint ldb, nint panelStride, float* c, nint ldc, float alpha, float beta)
    {
        switch (rows)
        {
            case 1: Wide256<RowTailKernels.R1>(kc, a, b, ldb, panelStride, c, ldc, alpha, beta); break;
            case 2: Wide256<RowTailKernels.R2>(kc, a, b, ldb, panelStride, c, ldc, alpha, beta); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    // One body per row count (a constant of each instantiation): one row over four panels, else two or three over two.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Wide512<TRows>(int kc, float* a, float* b, nint ldb, nint panelStride, float* c, nint ldc, float alpha, float beta)
        where TRows : struct, RowTailKernels.IRowCount
    {
        int n = TRows.N;
        bool four = n == 1;
        Vector512<float> r00 = default, r01 = default, r02 = default, r03 = default;
        Vector512<float> r04 = default, r05 = default, r06 = default, r07 = default;
        Vector512<float> r10 = default, r11 = default, r12 = default, r13 = default;
        Vector512<float> r20 = default, r21 = default, r22 = default, r23 = default;
        float* b0 = b;
        float* b1 = b + panelStride;
        float* b2 = b + (2 * panelStride);
        float* b3 = b + (3 * panelStride);
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> v0 = Avx512F.LoadVector512(b0);
            Vector512<float> v1 = Avx512F.LoadVector512(b0 + 16);
            Vector512<float> v2 = Avx512F.LoadVector512(b1);
            Vector512<float> v3 = Avx512F.LoadVector512(b1 + 16);
            Vector512<float> x = Vector512.Create(a[0]);
            r00 = Avx512F.FusedMultiplyAdd(x, v0, r00);
            r01 = Avx512F.FusedMultiplyAdd(x, v1, r01);
            r02 = Avx512F.FusedMultiplyAdd(x, v2, r02);
            r03 = Avx512F.FusedMultiplyAdd(x, v3, r03);
            if (four)
            {
                r04 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(b2), r04);
                r05 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(b2 + 16), r05);
                r06 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(b3), r06);
                r07 = Avx512F.FusedMultiplyAdd(x, Avx512F.LoadVector512(b3 + 16), r07);
                b2 += ldb;
                b3 += ldb;
            }

            if (n > 1)
            {
                x = Vector512.Create(a[1]);
                r10 = Avx512F.FusedMultiplyAdd(x, v0, r10);
                r11 = Avx512F.FusedMultiplyAdd(x, v1, r11);
                r12 = Avx512F.FusedMultiplyAdd(x, v2, r12);
                r13 = Avx512F.FusedMultiplyAdd(x, v3, r13);
            }

            if (n > 2)
            {
                x = Vector512.Create(a[2]);
                r20 = Avx512F.FusedMultiplyAdd(x, v0, r20);
                r21 = Avx512F.FusedMultiplyAdd(x, v1, r21);
                r22 = Avx512F.FusedMultiplyAdd(x, v2, r22);
                r23 = Avx512F.FusedMultiplyAdd(x, v3, r23);
            }

            a += 8;
            b0 += ldb;
            b1 += ldb;
        }

        Vector512<float> va = Vector512.Create(alpha);
        Vector512<float> vb = Vector512.Create(beta);
        RowTailKernels.Merge512(c, r00, r01, va, vb, beta);
        RowTailKernels.Merge512(c + 32, r02, r03, va, vb, beta);
        if (four)
        {
            RowTailKernels.Merge512(c + 64, r04, r05, va, vb, beta);
            RowTailKernels.Merge512(c + 96, r06, r07, va, vb, beta);
        }

        if (n > 1)
        {
            RowTailKernels.Merge512(c + ldc, r10, r11, va, vb, beta);
            RowTailKernels.Merge512(c + ldc + 32, r12, r13, va, vb, beta);
        }

        if (n > 2)
        {
            RowTailKernels.Merge512(c + (2 * ldc), r20, r21, va, vb, beta);
            RowTailKernels.Merge512(c + (2 * ldc) + 32, r22, r23, va, vb, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Wide256<TRows>(int kc, float* a, float* b, nint ldb, nint panelStride, float* c, nint ldc, float alpha, float beta)
        where TRows : struct, RowTailKernels.IRowCount
    {
        int n = TRows.N;
        bool four = n == 1;
        Vector256<float> r00 = default, r01 = default, r02 = default, r03 = default;
        Vector256<float> r04 = default, r05 = default, r06 = default, r07 = default;
        Vector256<float> r10 = default, r11 = default, r12 = default, r13 = default;
        float* b0 = b;
        float* b1 = b + panelStride;
        float* b2 = b + (2 * panelStride);
        float* b3 = b + (3 * panelStride);
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> v0 = Avx.LoadVector256(b0);
            Vector256<float> v1 = Avx.LoadVector256(b0 + 8);
            Vector256<float> v2 = Avx.LoadVector256(b1);
            Vector256<float> v3 = Avx.LoadVector256(b1 + 8);
            Vector256<float> x = Vector256.Create(a[0]);
            r00 = Fma.MultiplyAdd(x, v0, r00);
            r01 = Fma.MultiplyAdd(x, v1, r01);
            r02 = Fma.MultiplyAdd(x, v2, r02);
            r03 = Fma.MultiplyAdd(x, v3, r03);
            if (four)
            {
                r04 = Fma.MultiplyAdd(x, Avx.LoadVector256(b2), r04);
                r05 = Fma.MultiplyAdd(x, Avx.LoadVector256(b2 + 8), r05);
                r06 = Fma.MultiplyAdd(x, Avx.LoadVector256(b3), r06);
                r07 = Fma.MultiplyAdd(x, Avx.LoadVector256(b3 + 8), r07);
                b2 += ldb;
                b3 += ldb;
            }

            if (n > 1)
            {
                x = Vector256.Create(a[1]);
                r10 = Fma.MultiplyAdd(x, v0, r10);
                r11 = Fma.MultiplyAdd(x, v1, r11);
                r12 = Fma.MultiplyAdd(x, v2, r12);
                r13 = Fma.MultiplyAdd(x, v3, r13);
            }

            a += 6;
            b0 += ldb;
            b1 += ldb;
        }

        Vector256<float> va = Vector256.Create(alpha);
        Vector256<float> vb = Vector256.Create(beta);
        RowTailKernels.Merge256(c, r00, r01, va, vb, beta);
        RowTailKernels.Merge256(c + 16, r02, r03, va, vb, beta);
        if (four)
        {
            RowTailKernels.Merge256(c + 32, r04, r05, va, vb, beta);
            RowTailKernels.Merge256(c + 48, r06, r07, va, vb, beta);
        }

        if (n > 1)
        {
            RowTailKernels.Merge256(c + ldc, r10, r11, va, vb, beta);
            RowTailKernels.Merge256(c + ldc + 16, r12, r13, va, vb, beta);
        }
    }
}
