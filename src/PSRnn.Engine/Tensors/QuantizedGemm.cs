using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// <c>C = A·Ŵ + beta·C</c> with Ŵ columns [column, column + n) of a <see cref="QuantizedMatrix"/>: A (m×k, row stride
/// lda) float32, C (m×n, row stride ldc) float32. The kernels read the weights at their stored width (a quarter of
/// float32's bytes for int8, half for bfloat16) and widen them in registers, FMA in float32, and apply each column's scale
/// once per k block (c += scale[j]·Σ a·q), so a memory-bound product reads fewer bytes for the same arithmetic.
/// </summary>
/// <remarks>
/// One row (batch-1 prediction, a streaming step): a row-times-matrix pass, eight vector accumulators across the columns
/// while the rows of Ŵ stream past. More rows: A is packed per block of <see cref="Kc"/> rows of k into MR-row panels
/// (k-major, zero-padded), and an MR×NR register tile is computed from the panel and Ŵ's rows in place. Products of a
/// million multiply-adds or more are split over the columns in whole tiles, so each element is computed by one worker
/// in the same order whatever the thread count. AVX-512 (8×32 tiles) and AVX2 (6×16) paths; elsewhere a plain loop.
/// </remarks>
internal static class QuantizedGemm
{
    private const int Kc = 512;
    private const int Mc = 120;

    /// <summary>The product on this thread's kernel path (see <see cref="Gemm.ForcePath"/>) with <see cref="ComputeThreads.Current"/> workers.</summary>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int lda, QuantizedMatrix w, int column, float beta,
        Span<float> c, int ldc) => Multiply(Gemm.ThreadPath, ComputeThreads.Current, m, n, k, a, lda, w, column, beta, c, ldc);

    /// <summary>The product on <paramref name="path"/> with at most <paramref name="threads"/> workers (tests compare paths and counts).</summary>
    internal static unsafe void Multiply(GemmPath path, int threads, int m, int n, int k, ReadOnlySpan<float> a, int lda,
        QuantizedMatrix w, int column, float beta, Span<float> c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (k != w.K || column < 0 || column + n > w.N)
        {
            throw new ArgumentException(
                $"The quantized kernel is {w.K}×{w.N}; the product needs {k} rows and columns {column} to {column + n}.", nameof(w));
        }

        if (lda < k || ldc < n || (m > 0 && ((long)(m - 1) * lda) + k > a.Length) || (m > 0 && ((long)(m - 1) * ldc) + n > c.Length))
        {
            throw new ArgumentException($"A {m}×{k} A (stride {lda}) or {m}×{n} C (stride {ldc}) does not fit its span.");
        }

        path = path == GemmPath.Auto ? Gemm.DetectedPath : path;
        if ((path == GemmPath.Vector512 && !Avx512F.IsSupported) || (path == GemmPath.Vector256 && !(Avx2.IsSupported && Fma.IsSupported)))
        {
            throw new PlatformNotSupportedException($"The {path} path is not supported here.");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pc = c)
        fixed (byte* pw = w.Data)
        fixed (float* ps = w.Scales)
        {
            var job = new Job(m, n, k, pa, lda, pw + ((nint)column * w.ElementSize), (nint)w.Stride * w.ElementSize, ps + column,
                beta, pc, ldc);
            bool int8 = w.Precision == WeightPrecision.Int8;
            switch (path)
            {
                case GemmPath.Vector512 when int8:
                    Run<Tiles512<Int8Format>>(job, threads);
                    break;
                case GemmPath.Vector512:
                    Run<Tiles512<BFloat16Format>>(job, threads);
                    break;
                case GemmPath.Vector256 when int8:
                    Run<Tiles256<Int8Format>>(job, threads);
                    break;
                case GemmPath.Vector256:
                    Run<Tiles256<BFloat16Format>>(job, threads);
                    break;
                case GemmPath.Vector128 or GemmPath.Scalar when int8:
                    Run<ScalarTiles<Int8Format>>(job, threads);
                    break;
                default:
                    Run<ScalarTiles<BFloat16Format>>(job, threads);
                    break;
            }
        }
    }

    private static unsafe void Run<TTiles>(Job job, int threads)
        where TTiles : struct, IQuantizedTiles
    {
        if (job.M == 1)
        {
            TTiles.Row(job.N, job.K, job.A, job.B, job.Ldb, job.Scales, job.Beta, job.C);
            return;
        }

        int nr = TTiles.NR;
        int tiles = (job.N + nr - 1) / nr;
        int chunks = threads <= 1 || (long)job.M * job.N * job.K < Gemm.ParallelThreshold ? 1 : Math.Min(threads, tiles);
        if (chunks == 1)
        {
            RunBlocked<TTiles>(job, 0, job.N);
            return;
        }

        int chunkSize = (tiles + chunks - 1) / chunks * nr;
        chunks = (job.N + chunkSize - 1) / chunkSize;
        ChunkItem[] items = ChunkItem.ForThisThread(chunks - 1);
        delegate*<Job, int, int, void> run = &RunBlocked<TTiles>;
        for (int t = 1; t < chunks; t++)
        {
            items[t - 1].Start(run, job, t * chunkSize, Math.Min(job.N, (t + 1) * chunkSize));
        }

        Exception? error = null;
        try
        {
            run(job, 0, chunkSize);
        }
        finally
        {
            for (int t = 1; t < chunks; t++)
            {
                error ??= items[t - 1].Finish();
            }
        }

        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    // k by Kc (the old C counts on the first block only), rows by Mc (A packed), then the columns of [j0, j1) in NR tiles
    // and the rows in MR tiles: a kc×NR slice of Ŵ (16 KB of int8 at 32 columns) is reused from L1 by every row tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunBlocked<TTiles>(Job job, int j0, int j1)
        where TTiles : struct, IQuantizedTiles
    {
        int mr = TTiles.MR, nr = TTiles.NR;
        int mcMax = Mc / mr * mr;
        int kcMax = Math.Min(Kc, job.K);
        float[] packed = PackBuffer(Math.Min(mcMax, RoundUp(job.M, mr)) * kcMax + 16);
        float* edge = stackalloc float[mr * nr];
        fixed (float* raw = packed)
        {
            float* ap = (float*)(((nint)raw + 63) & ~(nint)63);
            for (int pc = 0; pc < job.K; pc += Kc)
            {
                int kc = Math.Min(Kc, job.K - pc);
                float beta = pc == 0 ? job.Beta : 1f;
                for (int ic = 0; ic < job.M; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, job.M - ic);
                    PackA(job, ic, mc, pc, kc, mr, ap);
                    for (int jr = j0; jr < j1; jr += nr)
                    {
                        int nb = Math.Min(nr, j1 - jr);
                        byte* b = job.B + ((nint)pc * job.Ldb) + ((nint)jr * TTiles.ElementSize);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mb = Math.Min(mr, mc - ir);
                            float* cTile = job.C + ((nint)(ic + ir) * job.Ldc) + jr;
                            if (mb == mr && nb == nr)
                            {
                                TTiles.Tile(kc, ap + ((nint)ir * kc), b, job.Ldb, job.Scales + jr, beta, cTile, job.Ldc);
                                continue;
                            }

                            // An edge tile: computed whole into a scratch tile holding C's rows (beta reads them), its own part
                            // copied back.
                            for (int i = 0; i < mb; i++)
                            {
                                new Span<float>(cTile + ((nint)i * job.Ldc), nb).CopyTo(new Span<float>(edge + (i * nr), nb));
                            }

                            TTiles.Tile(kc, ap + ((nint)ir * kc), b, job.Ldb, job.Scales + jr, beta, edge, nr);
                            for (int i = 0; i < mb; i++)
                            {
                                new Span<float>(edge + (i * nr), nb).CopyTo(new Span<float>(cTile + ((nint)i * job.Ldc), nb));
                            }
                        }
                    }
                }
            }
        }
    }

    // op(A)[ic..ic+mc, pc..pc+kc] as MR-row panels, kc×MR each (k-major), the last one zero-padded.
    private static unsafe void PackA(Job job, int ic, int mc, int pc, int kc, int mr, float* dst)
    {
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            float* panel = dst + ((nint)r0 * kc);
            int mb = Math.Min(mr, mc - r0);
            for (int i = 0; i < mr; i++)
            {
                float* d = panel + i;
                if (i >= mb)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        d[(nint)p * mr] = 0f;
                    }

                    continue;
                }

                float* src = job.A + ((nint)(ic + r0 + i) * job.Lda) + pc;
                for (int p = 0; p < kc; p++)
                {
                    d[(nint)p * mr] = src[p];
                }
            }
        }
    }

    [ThreadStatic]
    private static float[]? t_pack;

    private static float[] PackBuffer(int size)
    {
        if (t_pack is null || t_pack.Length < size)
        {
            t_pack = GC.AllocateUninitializedArray<float>(size, pinned: true);
        }

        return t_pack;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>The operands of one product, pinned for its duration; B and Scales already at the first column.</summary>
    private readonly unsafe struct Job(int m, int n, int k, float* a, nint lda, byte* b, nint ldb, float* scales, float beta,
        float* c, nint ldc)
    {
        public int M { get; } = m;

        public int N { get; } = n;

        public int K { get; } = k;

        public float* A { get; } = a;

        public nint Lda { get; } = lda;

        public byte* B { get; } = b;

        /// <summary>Bytes from one row of Ŵ to the next.</summary>
        public nint Ldb { get; } = ldb;

        public float* Scales { get; } = scales;

        public float Beta { get; } = beta;

        public float* C { get; } = c;

        public nint Ldc { get; } = ldc;
    }

    /// <summary>One column chunk of a split product, reused per calling thread (no allocation once warm).</summary>
    private sealed unsafe class ChunkItem : ClaimableWorkItem
    {
        [ThreadStatic]
        private static ChunkItem[]? t_items;

        private delegate*<Job, int, int, void> _run;
        private Job _job;
        private int _j0, _j1;

        public static ChunkItem[] ForThisThread(int count)
        {
            if (t_items is null || t_items.Length < count)
            {
                t_items = new ChunkItem[count];
                for (int i = 0; i < count; i++)
                {
                    t_items[i] = new ChunkItem();
                }
            }

            return t_items;
        }

        public void Start(delegate*<Job, int, int, void> run, Job job, int j0, int j1)
        {
            _run = run;
            _job = job;
            _j0 = j0;
            _j1 = j1;
            Queue();
        }

        protected override void Run() => _run(_job, _j0, _j1);
    }
}
