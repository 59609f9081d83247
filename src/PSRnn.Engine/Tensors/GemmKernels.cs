using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// A register-blocked micro-kernel: an MR×NR tile of C from a packed A panel (kc×MR, MR values per k)
/// and a B panel of kc rows of NR values, <c>ldb</c> apart (NR when packed, B's own stride when read in place). Static abstract so the blocked driver is specialized
/// per kernel and the calls inline.
/// </summary>
internal interface IGemmKernel
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int NR { get; }

    /// <summary>C[MR×NR] = alpha * Σ_p a[p,:] ⊗ b[p,:] + beta * C; beta == 0 does not read C.</summary>
    static abstract unsafe void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta);

    /// <summary>Whether <see cref="RunRows"/> computes a tile of fewer than MR rows by itself (else the edge path does).</summary>
    static virtual bool HasRowTails => false;

    /// <summary>Rows 0 … <paramref name="rows"/> − 1 (fewer than MR) of the tile, as <see cref="Run"/> with the edge merge's store.</summary>
    static virtual unsafe void RunRows(int rows, int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta) =>
        throw new NotSupportedException();

    /// <summary>How many whole B panels one <see cref="RunWideRows"/> call covers for a tile of <paramref name="rows"/> rows; 0: none.</summary>
    static virtual int WideTailPanels(int rows) => 0;

    /// <summary>
    /// Rows 0 … <paramref name="rows"/> − 1 of <see cref="WideTailPanels"/> tiles side by side, B's panels
    /// <paramref name="panelStride"/> floats apart, as <see cref="RunRows"/> computes each of them.
    /// </summary>
    static virtual unsafe void RunWideRows(int rows, int kc, float* a, float* b, nint ldb, nint panelStride, float* c, nint ldc,
        float alpha, float beta) => throw new NotSupportedException();
}

/// <summary>
/// 8×32 kernel: sixteen <c>Vector512</c> accumulators, FMA (AVX-512F). Eight rows rather than six: a batch chunk of 16 or
/// 32 rows fills whole tiles (six-row tiles computed 18 or 36), and each k step does 16 FMAs for 10 loads; 19 of the 32
/// vector registers.
/// </summary>
internal readonly struct Vector512Kernel : IGemmKernel
{
    public static int MR => 8;

    public static int NR => 32;

    public static bool HasRowTails => true;

    public static unsafe void RunRows(int rows, int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta) =>
        RowTailKernels.Run512(rows, kc, a, b, ldb, c, ldc, alpha, beta);

    public static int WideTailPanels(int rows) => WideTailKernels.Panels512(rows);

    public static unsafe void RunWideRows(int rows, int kc, float* a, float* b, nint ldb, nint panelStride, float* c, nint ldc,
        float alpha, float beta) => WideTailKernels.Run512(rows, kc, a, b, ldb, panelStride, c, ldc, alpha, beta);

    // c[i, 0..31] += a[p, i] * b[p, 0..31] for p in 0..kc, i in 0..7.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Avx512F.LoadVector512(b);
            Vector512<float> b1 = Avx512F.LoadVector512(b + 16);
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

        Vector512<float> va = Vector512.Create(alpha);
        Vector512<float> vb = Vector512.Create(beta);
        Update(c, c00, va, vb, beta);
        Update(c + 16, c01, va, vb, beta);
        c += ldc;
        Update(c, c10, va, vb, beta);
        Update(c + 16, c11, va, vb, beta);
        c += ldc;
        Update(c, c20, va, vb, beta);
        Update(c + 16, c21, va, vb, beta);
        c += ldc;
        Update(c, c30, va, vb, beta);
        Update(c + 16, c31, va, vb, beta);
        c += ldc;
        Update(c, c40, va, vb, beta);
        Update(c + 16, c41, va, vb, beta);
        c += ldc;
        Update(c, c50, va, vb, beta);
        Update(c + 16, c51, va, vb, beta);
        c += ldc;
        Update(c, c60, va, vb, beta);
        Update(c + 16, c61, va, vb, beta);
        c += ldc;
        Update(c, c70, va, vb, beta);
        Update(c + 16, c71, va, vb, beta);
    }

    // c = alpha * acc + beta * c, without reading c when beta == 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(float* c, Vector512<float> acc, Vector512<float> alpha, Vector512<float> betaV, float beta)
    {
        if (beta == 0f)
        {
            Avx512F.Store(c, Avx512F.Multiply(acc, alpha));
        }
        else if (beta == 1f)
        {
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(acc, alpha, Avx512F.LoadVector512(c)));
        }
        else
        {
            Avx512F.Store(c, Avx512F.FusedMultiplyAdd(acc, alpha, Avx512F.Multiply(betaV, Avx512F.LoadVector512(c))));
        }
    }
}

/// <summary>6×16 kernel: twelve <c>Vector256</c> accumulators, FMA (AVX2 + FMA).</summary>
internal readonly struct Vector256Kernel : IGemmKernel
{
    public static int MR => 6;

    public static int NR => 16;

    public static bool HasRowTails => true;

    public static unsafe void RunRows(int rows, int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta) =>
        RowTailKernels.Run256(rows, kc, a, b, ldb, c, ldc, alpha, beta);

    public static int WideTailPanels(int rows) => WideTailKernels.Panels256(rows);

    public static unsafe void RunWideRows(int rows, int kc, float* a, float* b, nint ldb, nint panelStride, float* c, nint ldc,
        float alpha, float beta) => WideTailKernels.Run256(rows, kc, a, b, ldb, panelStride, c, ldc, alpha, beta);

    // c[i, 0..15] += a[p, i] * b[p, 0..15] for p in 0..kc, i in 0..5.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = Avx.LoadVector256(b + 8);
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

        Vector256<float> va = Vector256.Create(alpha);
        Vector256<float> vb = Vector256.Create(beta);
        Update(c, c00, va, vb, beta);
        Update(c + 8, c01, va, vb, beta);
        c += ldc;
        Update(c, c10, va, vb, beta);
        Update(c + 8, c11, va, vb, beta);
        c += ldc;
        Update(c, c20, va, vb, beta);
        Update(c + 8, c21, va, vb, beta);
        c += ldc;
        Update(c, c30, va, vb, beta);
        Update(c + 8, c31, va, vb, beta);
        c += ldc;
        Update(c, c40, va, vb, beta);
        Update(c + 8, c41, va, vb, beta);
        c += ldc;
        Update(c, c50, va, vb, beta);
        Update(c + 8, c51, va, vb, beta);
    }

    // c = alpha * acc + beta * c, without reading c when beta == 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(float* c, Vector256<float> acc, Vector256<float> alpha, Vector256<float> betaV, float beta)
    {
        if (beta == 0f)
        {
            Avx.Store(c, Avx.Multiply(acc, alpha));
        }
        else if (beta == 1f)
        {
            Avx.Store(c, Fma.MultiplyAdd(acc, alpha, Avx.LoadVector256(c)));
        }
        else
        {
            Avx.Store(c, Fma.MultiplyAdd(acc, alpha, Avx.Multiply(betaV, Avx.LoadVector256(c))));
        }
    }
}

/// <summary>6×8 kernel: twelve <c>Vector128</c> accumulators; FMA where the hardware has it.</summary>
internal readonly struct Vector128Kernel : IGemmKernel
{
    public static int MR => 6;

    public static int NR => 8;

    // c[i, 0..7] += a[p, i] * b[p, 0..7] for p in 0..kc, i in 0..5.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> ai = Vector128.Create(a[0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector128.Create(a[1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector128.Create(a[2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector128.Create(a[3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector128.Create(a[4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector128.Create(a[5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
            a += 6;
            b += ldb;
        }

        Vector128<float> va = Vector128.Create(alpha);
        Vector128<float> vb = Vector128.Create(beta);
        Update(c, c00, va, vb, beta);
        Update(c + 4, c01, va, vb, beta);
        c += ldc;
        Update(c, c10, va, vb, beta);
        Update(c + 4, c11, va, vb, beta);
        c += ldc;
        Update(c, c20, va, vb, beta);
        Update(c + 4, c21, va, vb, beta);
        c += ldc;
        Update(c, c30, va, vb, beta);
        Update(c + 4, c31, va, vb, beta);
        c += ldc;
        Update(c, c40, va, vb, beta);
        Update(c + 4, c41, va, vb, beta);
        c += ldc;
        Update(c, c50, va, vb, beta);
        Update(c + 4, c51, va, vb, beta);
    }

    // x * y + acc, fused where the instruction set offers it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MulAdd(Vector128<float> x, Vector128<float> y, Vector128<float> acc)
    {
        if (Fma.IsSupported)
        {
            return Fma.MultiplyAdd(x, y, acc);
        }

        if (AdvSimd.IsSupported)
        {
            return AdvSimd.FusedMultiplyAdd(acc, x, y);
        }

        return (x * y) + acc;
    }

    // c = alpha * acc + beta * c, without reading c when beta == 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(float* c, Vector128<float> acc, Vector128<float> alpha, Vector128<float> betaV, float beta)
    {
        if (beta == 0f)
        {
            Vector128.Store(acc * alpha, c);
        }
        else if (beta == 1f)
        {
            Vector128.Store(MulAdd(acc, alpha, Vector128.Load(c)), c);
        }
        else
        {
            Vector128.Store(MulAdd(acc, alpha, betaV * Vector128.Load(c)), c);
        }
    }
}

/// <summary>4×4 kernel of plain floats: the path for hardware without SIMD.</summary>
internal readonly struct ScalarKernel : IGemmKernel
{
    public static int MR => 4;

    public static int NR => 4;

    // c[i, j] += a[p, i] * b[p, j] for p in 0..kc, i, j in 0..3.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            float ai = a[0];
            c00 += ai * b0;
            c01 += ai * b1;
            c02 += ai * b2;
            c03 += ai * b3;
            ai = a[1];
            c10 += ai * b0;
            c11 += ai * b1;
            c12 += ai * b2;
            c13 += ai * b3;
            ai = a[2];
            c20 += ai * b0;
            c21 += ai * b1;
            c22 += ai * b2;
            c23 += ai * b3;
            ai = a[3];
            c30 += ai * b0;
            c31 += ai * b1;
            c32 += ai * b2;
            c33 += ai * b3;
            a += 4;
            b += ldb;
        }

        Row(c, c00, c01, c02, c03, alpha, beta);
        Row(c + ldc, c10, c11, c12, c13, alpha, beta);
        Row(c + (2 * ldc), c20, c21, c22, c23, alpha, beta);
        Row(c + (3 * ldc), c30, c31, c32, c33, alpha, beta);
    }

    // c[0..3] = alpha * acc + beta * c[0..3], without reading c when beta == 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row(float* c, float x0, float x1, float x2, float x3, float alpha, float beta)
    {
        if (beta == 0f)
        {
            c[0] = alpha * x0;
            c[1] = alpha * x1;
            c[2] = alpha * x2;
            c[3] = alpha * x3;
        }
        else
        {
            c[0] = (alpha * x0) + (beta * c[0]);
            c[1] = (alpha * x1) + (beta * c[1]);
            c[2] = (alpha * x2) + (beta * c[2]);
            c[3] = (alpha * x3) + (beta * c[3]);
        }
    }
}
