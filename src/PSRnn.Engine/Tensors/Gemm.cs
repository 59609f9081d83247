using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// General matrix product on float32, row-major: <c>C = alpha * op(A) * op(B) + beta * C</c>.
/// Packed and cache-blocked with a register-blocked SIMD micro-kernel; safe to call from several
/// threads at once. Products of about a million multiply-adds or more are split over the engine's workers
/// in a fixed way, so every element of C is computed by one worker in the same order: the bits do
/// not depend on the thread count. The public overloads use <see cref="ComputeThreads.Current"/> workers at most.
/// No allocation per call once warm.
/// </summary>
public static class Gemm
{
    // Block sizes: an MC×KC block of A stays in L2 and each KC×NR slice of B is reused from L1/L2 across it, a KC×NC
    // panel of B in L3. KC 512 rather than 256: fewer passes over C and a longer run per kernel call; measured at 2048³
    // on 2 threads (Zen 4, AVX-512) 196 against 174 GFLOP/s, no loss at the recurrent shapes.
    // NC must stay a multiple of every kernel's NR (and MC is rounded to MR) so that a split over
    // threads sees the same tile grid as one thread.
    private const int Kc = 512;
    private const int McTarget = 120;
    private const int Nc = 2048;

    // Up to this many rows of register tiles, B is read in place instead of packed.
    private const int DirectBRowTiles = 10;

    // Above this many bytes a B read in place is not in the caches between calls: its panels are prefetched (RunBlocked).
    private const long PrefetchBBytes = 4L << 20;

    // Below this many multiply-adds the thread hand-off costs more than it saves.
    internal const long ParallelThreshold = 1L << 20;

    /// <summary>The path <see cref="GemmPath.Auto"/> resolves to on this machine.</summary>
    /// <remarks>Vector512 only where the runtime deems it fast (not on CPUs that throttle for it).</remarks>
    internal static GemmPath DetectedPath { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmPath.Vector512
        : Avx2.IsSupported && Fma.IsSupported ? GemmPath.Vector256
        : Vector128.IsHardwareAccelerated ? GemmPath.Vector128
        : GemmPath.Scalar;

    /// <summary>
    /// Computes <c>C = alpha * op(A) * op(B) + beta * C</c> on row-major matrices, where op(A) is m×k,
    /// op(B) is k×n and C is m×n.
    /// </summary>
    /// <param name="transA">Whether A is stored transposed (k×m), so that op(A) = Aᵀ.</param>
    /// <param name="transB">Whether B is stored transposed (n×k), so that op(B) = Bᵀ.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A) and rows of op(B); 0 gives <c>C = beta * C</c>.</param>
    /// <param name="alpha">Scale of the product; 0 skips the product (A and B are not read).</param>
    /// <param name="a">The elements of A as stored.</param>
    /// <param name="lda">Row stride of A as stored: at least k, or m when <paramref name="transA"/>.</param>
    /// <param name="b">The elements of B as stored.</param>
    /// <param name="ldb">Row stride of B as stored: at least n, or k when <paramref name="transB"/>.</param>
    /// <param name="beta">Scale of the old C; 0 overwrites C without reading it, so NaN there does not leak.</param>
    /// <param name="c">The elements of C; must not overlap A or B.</param>
    /// <param name="ldc">Row stride of C: at least n.</param>
    /// <exception cref="ArgumentException">A size or stride is negative or too small, or a span too short.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => Multiply(t_forcedPath, 0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>
    /// Computes <c>C = alpha * op(A) * op(B) + beta * C</c> on packed row-major matrices (no padding
    /// between rows): A is m×k (k×m when <paramref name="transA"/>), B is k×n (n×k when
    /// <paramref name="transB"/>), C is m×n.
    /// </summary>
    /// <param name="transA">Whether A is stored transposed.</param>
    /// <param name="transB">Whether B is stored transposed.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A) and rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">The elements of A as stored.</param>
    /// <param name="b">The elements of B as stored.</param>
    /// <param name="beta">Scale of the old C; 0 overwrites C.</param>
    /// <param name="c">The elements of C.</param>
    /// <exception cref="ArgumentException">A size is negative or a span too short.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Multiply(t_forcedPath, 0, transA, transB, m, n, k, alpha,
            a, transA ? m : k, b, transB ? k : n, beta, c, n);

    // Tests run whole layers on each kernel path: the public overloads take the path forced on the calling thread
    // (Auto unless a test opened ForcePath). Per thread, so nothing outside the test sees it.
    [ThreadStatic]
    private static GemmPath t_forcedPath;

    /// <summary>The path this thread's products take: the forced one (tests), else <see cref="DetectedPath"/>.</summary>
    internal static GemmPath ThreadPath => t_forcedPath == GemmPath.Auto ? DetectedPath : t_forcedPath;

    /// <summary>
    /// Runs this thread's matrix products on <paramref name="path"/> until the scope is disposed (tests only). Products
    /// split across the workers keep the path they started with; batch-split layer loops do not carry it to their
    /// workers, so force one compute thread as well.
    /// </summary>
    internal static PathScope ForcePath(GemmPath path)
    {
        GemmPath previous = t_forcedPath;
        t_forcedPath = path;
        return new PathScope(previous);
    }

    /// <summary>Restores the previously forced path when disposed.</summary>
    internal readonly struct PathScope : IDisposable
    {
        private readonly GemmPath _previous;

        internal PathScope(GemmPath previous) => _previous = previous;

        public void Dispose() => t_forcedPath = _previous;
    }

    /// <summary>
    /// The product on a chosen path and at most <paramref name="maxThreads"/> workers
    /// (0: <see cref="ComputeThreads.Current"/>, the calling thread's setting, by default one per processor).
    /// Tests use it to force the portable paths and to compare thread counts.
    /// </summary>
    internal static unsafe void Multiply(GemmPath path, int maxThreads, bool transA, bool transB,
        int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckMatrix(a, lda, transA ? k : m, transA ? m : k, nameof(a), nameof(lda));
        CheckMatrix(b, ldb, transB ? n : k, transB ? k : n, nameof(b), nameof(ldb));
        CheckMatrix(c, ldc, m, n, nameof(c), nameof(ldc));

        if (path == GemmPath.Auto)
        {
            path = DetectedPath;
        }

        if (path == GemmPath.Vector512 && !Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("The Vector512 GEMM path needs AVX-512F.");
        }

        if (path == GemmPath.Vector256 && !(Avx2.IsSupported && Fma.IsSupported))
        {
            throw new PlatformNotSupportedException("The Vector256 GEMM path needs AVX2 and FMA.");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        if (TakesRowTimesMatrix(path, transA, transB, m))
        {
            // A single row (batch-1 inference): the tiled kernels would compute 6 rows to keep 1; a row-times-matrix
            // pass streams B once instead.
            RowTimesMatrix(path, n, k, alpha, a, b, ldb, beta, c);
            return;
        }

        int threads = maxThreads > 0 ? maxThreads : ComputeThreads.Current;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Execute(path, new Job(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc), threads);
        }
    }

    // The product on the kernel of a resolved path.
    private static void Execute(GemmPath path, Job job, int threads)
    {
        switch (path)
        {
            case GemmPath.Vector512:
                Execute<Vector512Kernel>(job, threads);
                break;
            case GemmPath.Vector256:
                Execute<Vector256Kernel>(job, threads);
                break;
            case GemmPath.Vector128:
                Execute<Vector128Kernel>(job, threads);
                break;
            case GemmPath.Scalar:
                Execute<ScalarKernel>(job, threads);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown GEMM path.");
        }
    }

    /// <summary>
    /// Lays out op(B) (k×n; stored n×k when <paramref name="transB"/>) in the panel order of this thread's kernel path,
    /// into <paramref name="into"/>, for <see cref="MultiplyPacked"/> to use many times.
    /// </summary>
    internal static unsafe void Pack(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, PackedMatrix into)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckMatrix(b, ldb, transB ? n : k, transB ? k : n, nameof(b), nameof(ldb));
        GemmPath path = t_forcedPath == GemmPath.Auto ? DetectedPath : t_forcedPath;
        switch (path)
        {
            case GemmPath.Vector512:
                PackAll<Vector512Kernel>(transB, k, n, b, ldb, into, path);
                break;
            case GemmPath.Vector256:
                PackAll<Vector256Kernel>(transB, k, n, b, ldb, into, path);
                break;
            case GemmPath.Vector128:
                PackAll<Vector128Kernel>(transB, k, n, b, ldb, into, path);
                break;
            default:
                PackAll<ScalarKernel>(transB, k, n, b, ldb, into, path);
                break;
        }
    }

    private static unsafe void PackAll<TKernel>(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, PackedMatrix into,
        GemmPath path)
        where TKernel : struct, IGemmKernel
    {
        into.Prepare(path, transB, k, n, TKernel.NR);
        fixed (float* pb = b)
        fixed (float* storage = into.Storage)
        {
            var job = new Job(false, transB, 0, n, k, 1f, null, 0, pb, ldb, 0f, null, 0);
            float* dst = storage + into.Start;
            for (int pc = 0; pc < k; pc += Kc)
            {
                PackB<TKernel>(job, pc, Math.Min(Kc, k - pc), 0, n, dst + ((nint)pc * into.PaddedN));
            }
        }
    }

    /// <summary>
    /// <c>C = alpha * op(A) * op(B) + beta * C</c> with op(B) given twice: as stored (<paramref name="b"/>,
    /// <paramref name="ldb"/>, <paramref name="transB"/>) for the one-row product, and as laid out by <see cref="Pack"/>
    /// from that same matrix for the rest. The bits are those of <see cref="Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// on the stored B. Uses <see cref="ComputeThreads.Current"/> workers at most.
    /// </summary>
    internal static unsafe void MultiplyPacked(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a,
        int lda, ReadOnlySpan<float> b, int ldb, PackedMatrix packed, float beta, Span<float> c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(packed);
        if (packed.K != k || packed.N != n || packed.TransB != transB)
        {
            throw new ArgumentException(
                $"The packed operand is {packed.K}×{packed.N} (transposed: {packed.TransB}), the product needs {k}×{n} (transposed: {transB}).",
                nameof(packed));
        }

        if (m == 0 || alpha == 0f || k == 0 || n == 0 || TakesRowTimesMatrix(packed.Path, transA, transB, m))
        {
            Multiply(packed.Path, 0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }

        CheckMatrix(a, lda, transA ? k : m, transA ? m : k, nameof(a), nameof(lda));
        CheckMatrix(c, ldc, m, n, nameof(c), nameof(ldc));
        int threads = ComputeThreads.Current;
        fixed (float* pa = a)
        fixed (float* pc = c)
        fixed (float* storage = packed.Storage)
        {
            var job = new Job(transA, false, m, n, k, alpha, pa, lda, null, 0, beta, pc, ldc)
            {
                PackedB = storage + packed.Start,
                PackedStride = packed.PaddedN,
            };
            Execute(packed.Path, job, threads);
        }
    }

    // A rows×cols matrix stored with row stride ld needs (rows - 1) * ld + cols elements.
    private static void CheckMatrix(ReadOnlySpan<float> data, int ld, int rows, int cols, string dataName, string ldName)
    {
        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(ldName, ld,
                $"The row stride must be at least the stored matrix's column count ({cols}).");
        }

        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * ld) + cols;
        if (data.Length < needed)
        {
            throw new ArgumentException(
                $"A {rows}×{cols} matrix with row stride {ld} needs {needed} elements, but the span has {data.Length}.",
                dataName);
        }
    }

    // C = beta * C; beta == 0 clears without reading, so NaN in C does not survive.
    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        if (beta == 1f)
        {
            return;
        }

        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    // Splits the columns (or rows) of C into chunks aligned to the register tile, so each worker
    // sees the same tile grid as a single-threaded run: same tiles, same k order, same bits.
    private static void Execute<TKernel>(Job job, int threads)
        where TKernel : struct, IGemmKernel
    {
        long work = (long)job.M * job.N * job.K;
        if (threads <= 1 || work < ParallelThreshold)
        {
            RunBlocked<TKernel>(job, 0, job.M, 0, job.N);
            return;
        }

        RunParallel<TKernel>(job, threads);
    }

    // Runs chunk 0 on the calling thread and posts the others to ComputeWorkers as reusable work
    // items (no allocation in steady state); a chunk no worker has started yet is run by the caller.
    private static unsafe void RunParallel<TKernel>(Job job, int threads)
        where TKernel : struct, IGemmKernel
    {
        bool splitColumns = job.N >= job.M;
        int unit = splitColumns ? TKernel.NR : TKernel.MR;
        int extent = splitColumns ? job.N : job.M;
        int tiles = (extent + unit - 1) / unit;
        int chunks = Math.Min(threads, tiles);
        int chunkSize = (tiles + chunks - 1) / chunks * unit;
        chunks = (extent + chunkSize - 1) / chunkSize;
        delegate*<Job, int, int, int, int, void> run = &RunBlocked<TKernel>;
        ChunkWorkItem[] items = ChunkWorkItem.ForThisThread(chunks - 1);
        for (int t = 1; t < chunks; t++)
        {
            int start = t * chunkSize;
            int end = Math.Min(extent, start + chunkSize);
            if (splitColumns)
            {
                items[t - 1].Start(run, job, 0, job.M, start, end);
            }
            else
            {
                items[t - 1].Start(run, job, start, end, 0, job.N);
            }
        }

        Exception? error = null;
        try
        {
            if (splitColumns)
            {
                run(job, 0, job.M, 0, Math.Min(extent, chunkSize));
            }
            else
            {
                run(job, 0, Math.Min(extent, chunkSize), 0, job.N);
            }
        }
        finally
        {
            // Every chunk is done before the operands are unpinned, whatever happened here.
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

    // Goto/BLIS loop order: columns of C by NC, k by KC (pack B), rows by MC (pack A), then register tiles.
    // This and the packing and kernel loops skip tiering: a one-off product must not run in tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunBlocked<TKernel>(Job job, int i0, int i1, int j0, int j1)
        where TKernel : struct, IGemmKernel
    {
        int mr = TKernel.MR;
        int nr = TKernel.NR;
        int mcMax = McTarget / mr * mr;
        int k = job.K;
        int kcMax = Math.Min(Kc, k);
        int aSize = Math.Min(mcMax, RoundUp(i1 - i0, mr)) * kcMax;
        float* edge = stackalloc float[mr * nr];

        // With few rows of tiles each B panel is reused too little to repay packing it (measured: up to
        // ~60 rows reading in place is faster), so the kernel reads B's rows where they are. Not for
        // transposed B, whose columns are strided.
        bool prepacked = job.PackedB != null;
        bool directB = !prepacked && !job.TransB && i1 - i0 <= DirectBRowTiles * mr;
        // B read in place from beyond the caches (W1's 22050×512 input kernel: 45 MB): each panel row is 128 bytes of a
        // 2 KB row, one page every two rows, which the hardware prefetchers do not follow across pages, so the first row
        // tile of every panel waited on memory row by row. The row tiles of one panel prefetch the next panel's rows
        // into L2, a slice each, while they compute.
        bool prefetchB = directB && Sse.IsSupported && (long)k * job.Ldb * sizeof(float) > PrefetchBBytes;
        int bSize = (directB || prepacked ? nr : Math.Min(Nc, RoundUp(j1 - j0, nr))) * kcMax;
        // 16 spare floats to start the panels on a cache line: a vector load then never straddles two lines.
        // Per-thread buffers that only grow: ArrayPool drops its cached arrays after a gen-2 collection, which made a
        // warm training loop allocate again now and then. No call nests another on the same thread.
        float[] aBuffer = PackBuffer(ref t_packA, aSize + 16);
        float[] bBuffer = PackBuffer(ref t_packB, bSize + 16);
        {
            fixed (float* aRaw = aBuffer)
            fixed (float* bRaw = bBuffer)
            {
                float* ap = AlignToCacheLine(aRaw);
                float* bp = AlignToCacheLine(bRaw);
                for (int jc = j0; jc < j1; jc += Nc)
                {
                    int nc = Math.Min(Nc, j1 - jc);
                    for (int pc = 0; pc < k; pc += Kc)
                    {
                        int kc = Math.Min(Kc, k - pc);

                        // The old C counts once: on the first k block; later blocks accumulate.
                        float beta = pc == 0 ? job.Beta : 1f;
                        if (!directB && !prepacked)
                        {
                            PackB<TKernel>(job, pc, kc, jc, nc, bp);
                        }
                        for (int ic = i0; ic < i1; ic += mcMax)
                        {
                            int mc = Math.Min(mcMax, i1 - ic);
                            PackA<TKernel>(job, ic, mc, pc, kc, ap);

                            // A last tile of one to three rows runs after the panel loop, over several whole panels a call.
                            int tailRows = mc % mr;
                            int widePanels = tailRows == 0 ? 0 : TKernel.WideTailPanels(tailRows);
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                int nb = Math.Min(nr, nc - jr);
                                float* bPanel = bp + ((nint)jr * kc);
                                nint ldb = nr;
                                if (prepacked)
                                {
                                    bPanel = job.PackedB + ((nint)pc * job.PackedStride) + ((nint)(jc + jr) * kc);
                                }
                                else if (directB && nb == nr)
                                {
                                    bPanel = job.B + ((nint)pc * job.Ldb) + jc + jr;
                                    ldb = job.Ldb;
                                }
                                else if (directB)
                                {
                                    // Only the ragged last panel is packed, for its zero padding.
                                    PackB<TKernel>(job, pc, kc, jc + jr, nb, bp);
                                    bPanel = bp;
                                }

                                // The panel after this one (the next k block's first when this is the last), for prefetchB.
                                float* next = null;
                                int nextRows = 0, nextWidth = 0;
                                if (prefetchB)
                                {
                                    if (jr + nr < nc)
                                    {
                                        next = job.B + ((nint)pc * job.Ldb) + jc + jr + nr;
                                        nextRows = kc;
                                        nextWidth = Math.Min(nr, nc - jr - nr);
                                    }
                                    else if (pc + Kc < k)
                                    {
                                        next = job.B + ((nint)(pc + Kc) * job.Ldb) + jc;
                                        nextRows = Math.Min(Kc, k - pc - Kc);
                                        nextWidth = Math.Min(nr, nc);
                                    }
                                }

                                int tiles = (mc + mr - 1) / mr;
                                for (int ir = 0; ir < mc; ir += mr)
                                {
                                    if (next != null)
                                    {
                                        int t = ir / mr;
                                        PrefetchRows(next, job.Ldb, nextRows * t / tiles, nextRows * (t + 1) / tiles, nextWidth);
                                    }

                                    int mb = Math.Min(mr, mc - ir);
                                    float* aPanel = ap + ((nint)ir * kc);
                                    float* cTile = job.C + ((ic + ir) * job.Ldc) + jc + jr;
                                    if (mb == mr && nb == nr)
                                    {
                                        TKernel.Run(kc, aPanel, bPanel, ldb, cTile, job.Ldc, job.Alpha, beta);
                                    }
                                    else if (nb == nr && widePanels > 0)
                                    {
                                        // Left for the wide tail below.
                                    }
                                    else if (nb == nr && TKernel.HasRowTails)
                                    {
                                        // The last rows only, not the padded panel's MR (same bits as the edge tile).
                                        TKernel.RunRows(mb, kc, aPanel, bPanel, ldb, cTile, job.Ldc, job.Alpha, beta);
                                    }
                                    else
                                    {
                                        // Edge tile: the panels are zero-padded, so compute the full tile
                                        // aside and copy back only the part inside C.
                                        TKernel.Run(kc, aPanel, bPanel, ldb, edge, nr, 1f, 0f);
                                        MergeEdge(edge, nr, mb, nb, cTile, job.Ldc, job.Alpha, beta);
                                    }
                                }
                            }

                            if (widePanels > 0)
                            {
                                WideTail<TKernel>(job, tailRows, widePanels, ap + ((nint)(mc - tailRows) * kc), prepacked, directB, bp,
                                    ic + mc - tailRows, jc, nc / nr, pc, kc, beta);
                            }
                        }
                    }
                }
            }
        }
    }

    // Prefetches rows [r0, r1) of a panel of `width` floats read in place (row stride ld) into L2: every cache line
    // the row's floats touch (two or three lines for 32 floats). Hints only: the bits are the same with or without.
    private static unsafe void PrefetchRows(float* panel, nint ld, int r0, int r1, int width)
    {
        for (int r = r0; r < r1; r++)
        {
            float* row = panel + (r * ld);
            for (int c = 0; c < width; c += 16)
            {
                Sse.Prefetch1(row + c);
            }

            Sse.Prefetch1(row + width - 1);
        }
    }

    // The last tile's rows (one to three) over the whole panels of a column block, widePanels a call, then the panels
    // left one a call; each panel's B addressed as the panel loop addresses it (packed, prepacked or read in place).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WideTail<TKernel>(Job job, int rows, int widePanels, float* aPanel, bool prepacked, bool directB,
        float* packedB, int row, int jc, int panels, int pc, int kc, float beta)
        where TKernel : struct, IGemmKernel
    {
        int nr = TKernel.NR;
        nint ldb = directB ? job.Ldb : nr;
        nint panelStride = directB ? nr : (nint)kc * nr;
        float* first = prepacked ? job.PackedB + ((nint)pc * job.PackedStride) + ((nint)jc * kc)
            : directB ? job.B + ((nint)pc * job.Ldb) + jc
            : packedB;
        float* cRow = job.C + (row * job.Ldc) + jc;
        int q = 0;
        for (; q + widePanels <= panels; q += widePanels)
        {
            TKernel.RunWideRows(rows, kc, aPanel, first + (q * panelStride), ldb, panelStride, cRow + (q * nr), job.Ldc, job.Alpha, beta);
        }

        for (; q < panels; q++)
        {
            TKernel.RunRows(rows, kc, aPanel, first + (q * panelStride), ldb, cRow + (q * nr), job.Ldc, job.Alpha, beta);
        }
    }

    // One row a (1×k) times B (k×n) on the AVX paths: each column of c is the tiled kernels' sum (one fused chain in row
    // order, block by block of Kc rows, merged as they merge), so a row's bits never depend on the rows computed with
    // it — the invariant masked steps and the batch split rely on (a step may leave one active sample in a chunk). Bᵀ
    // (a dot product per column would sum in another order) and the narrower paths take the tiled kernels.
    private static bool TakesRowTimesMatrix(GemmPath path, bool transA, bool transB, int m) =>
        m == 1 && !transA && !transB && path is GemmPath.Vector512 or GemmPath.Vector256;

    /// <summary>
    /// c = alpha·a·B + beta·c for one row a (1×k) and B (k×n) by <see cref="GemvKernels"/>, which stream B's rows once
    /// (see <see cref="TakesRowTimesMatrix"/>).
    /// </summary>
    private static unsafe void RowTimesMatrix(GemmPath path, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (path == GemmPath.Vector512)
            {
                GemvKernels.RowTimesMatrix512(n, k, Kc, alpha, pa, pb, ldb, beta, pc);
            }
            else
            {
                GemvKernels.RowTimesMatrix256(n, k, Kc, alpha, pa, pb, ldb, beta, pc);
            }
        }
    }

    [ThreadStatic]
    private static float[]? t_packA;

    [ThreadStatic]
    private static float[]? t_packB;

    private static float[] PackBuffer(ref float[]? slot, int size)
    {
        if (slot is null || slot.Length < size)
        {
            slot = new float[size];
        }

        return slot;
    }

    private static unsafe float* AlignToCacheLine(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    // c[i, j] = alpha * tile[i, j] + beta * c[i, j] for the mb×nb part of an edge tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MergeEdge(float* tile, int nr, int mb, int nb, float* c, nint ldc, float alpha, float beta)
    {
        for (int i = 0; i < mb; i++)
        {
            float* t = tile + (i * nr);
            float* row = c + (i * ldc);
            for (int j = 0; j < nb; j++)
            {
                row[j] = beta == 0f ? alpha * t[j] : (alpha * t[j]) + (beta * row[j]);
            }
        }
    }

    // Packs op(A)[ic..ic+mc, pc..pc+kc] as MR-row panels, each kc×MR (k-major), zero-padding the last panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackA<TKernel>(Job job, int ic, int mc, int pc, int kc, float* dst)
        where TKernel : struct, IGemmKernel
    {
        int mr = TKernel.MR;
        nint lda = job.Lda;
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            int mb = Math.Min(mr, mc - r0);
            float* panel = dst + ((nint)r0 * kc);
            if (job.TransA)
            {
                // Stored k×m: the MR values of one k are contiguous (a weight gradient's xᵀ·dG packs B·T of them a
                // tile: moved as vectors, not one float at a time).
                float* src = job.A + ((nint)pc * lda) + ic + r0;
                if (mb == mr && mr == 8 && Avx.IsSupported)
                {
                    for (int p = 0; p < kc; p++, src += lda)
                    {
                        Avx.Store(panel + ((nint)p * 8), Avx.LoadVector256(src));
                    }

                    continue;
                }

                if (mb == mr && mr == 6 && Sse2.IsSupported)
                {
                    for (int p = 0; p < kc; p++, src += lda)
                    {
                        float* d = panel + ((nint)p * 6);
                        Sse.Store(d, Sse.LoadVector128(src));
                        Sse2.StoreScalar((double*)(d + 4), Sse2.LoadScalarVector128((double*)(src + 4)));
                    }

                    continue;
                }

                for (int p = 0; p < kc; p++)
                {
                    float* d = panel + ((nint)p * mr);
                    int i = 0;
                    for (; i < mb; i++)
                    {
                        d[i] = src[i];
                    }

                    for (; i < mr; i++)
                    {
                        d[i] = 0f;
                    }

                    src += lda;
                }
            }
            else if (mr == 6 && mb == 6 && Sse.IsSupported)
            {
                // Stored m×k, a whole panel of six rows: transposed in 4-column blocks.
                PackRows6(job.A + ((ic + r0) * lda) + pc, lda, kc, panel);
            }
            else if (mr == 8 && mb == 8 && Sse.IsSupported)
            {
                // Eight rows: two four-row blocks side by side, each transposed as B's columns are.
                PackTransposed4(job.A + ((ic + r0) * lda) + pc, lda, kc, panel, 8);
                PackTransposed4(job.A + ((ic + r0 + 4) * lda) + pc, lda, kc, panel + 4, 8);
            }
            else if (mb < mr && Sse.IsSupported)
            {
                // A last tile of fewer rows (a masked step's active rows, a batch chunk's tail): the padding rows zeroed
                // at once, four real rows at a time transposed as above, the rest one by one.
                new Span<float>(panel, kc * mr).Clear();
                float* src = job.A + ((ic + r0) * lda) + pc;
                int i = 0;
                for (; i + 4 <= mb; i += 4)
                {
                    PackTransposed4(src + (i * lda), lda, kc, panel + i, mr);
                }

                for (; i < mb; i++)
                {
                    float* row = src + (i * lda);
                    for (int p = 0; p < kc; p++)
                    {
                        panel[((nint)p * mr) + i] = row[p];
                    }
                }
            }
            else
            {
                // Stored m×k: walk the MR rows together so the writes stay sequential.
                for (int i = 0; i < mr; i++)
                {
                    float* d = panel + i;
                    if (i < mb)
                    {
                        float* src = job.A + ((ic + r0 + i) * lda) + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            d[(nint)p * mr] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            d[(nint)p * mr] = 0f;
                        }
                    }
                }
            }
        }
    }

    // Packs op(B)[pc..pc+kc, jc..jc+nc] as NR-column panels, each kc×NR (k-major), zero-padding the last panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackB<TKernel>(Job job, int pc, int kc, int jc, int nc, float* dst)
        where TKernel : struct, IGemmKernel
    {
        int nr = TKernel.NR;
        nint ldb = job.Ldb;
        for (int c0 = 0; c0 < nc; c0 += nr)
        {
            int nb = Math.Min(nr, nc - c0);
            float* panel = dst + ((nint)c0 * kc);
            if (job.TransB)
            {
                // Stored n×k: each column of op(B) is a contiguous row of B.
                int j = 0;
                if (Sse.IsSupported)
                {
                    for (; j + 4 <= nb; j += 4)
                    {
                        PackTransposed4(job.B + ((jc + c0 + j) * ldb) + pc, ldb, kc, panel + j, nr);
                    }
                }

                for (; j < nr; j++)
                {
                    float* d = panel + j;
                    if (j < nb)
                    {
                        float* src = job.B + ((jc + c0 + j) * ldb) + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            d[(nint)p * nr] = src[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            d[(nint)p * nr] = 0f;
                        }
                    }
                }
            }
            else
            {
                // Stored k×n: the NR values of one k are contiguous.
                float* src = job.B + ((nint)pc * ldb) + jc + c0;
                for (int p = 0; p < kc; p++)
                {
                    float* d = panel + ((nint)p * nr);
                    if (nb == nr && Vector128.IsHardwareAccelerated)
                    {
                        for (int j = 0; j < nr; j += 4)
                        {
                            Vector128.Store(Vector128.Load(src + j), d + j);
                        }
                    }
                    else
                    {
                        int j = 0;
                        for (; j < nb; j++)
                        {
                            d[j] = src[j];
                        }

                        for (; j < nr; j++)
                        {
                            d[j] = 0f;
                        }
                    }

                    src += ldb;
                }
            }
        }
    }

    // d[p * 6 + q] = s[q * lda + p] for q in 0..5, p in 0..kc: six rows of A become a k-major panel. Rows 0–3 move as
    // 4×4 blocks (Vector128 transposes), rows 4–5 as interleaved pairs; the stores run forward through the panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackRows6(float* s, nint lda, int kc, float* d)
    {
        float* s1 = s + lda;
        float* s2 = s1 + lda;
        float* s3 = s2 + lda;
        float* s4 = s3 + lda;
        float* s5 = s4 + lda;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            Vector128<float> r0 = Sse.LoadVector128(s + p);
            Vector128<float> r1 = Sse.LoadVector128(s1 + p);
            Vector128<float> r2 = Sse.LoadVector128(s2 + p);
            Vector128<float> r3 = Sse.LoadVector128(s3 + p);
            Vector128<float> r4 = Sse.LoadVector128(s4 + p);
            Vector128<float> r5 = Sse.LoadVector128(s5 + p);
            Vector128<float> t0 = Sse.UnpackLow(r0, r1);
            Vector128<float> t1 = Sse.UnpackLow(r2, r3);
            Vector128<float> t2 = Sse.UnpackHigh(r0, r1);
            Vector128<float> t3 = Sse.UnpackHigh(r2, r3);
            Vector128<float> lo = Sse.UnpackLow(r4, r5);
            Vector128<float> hi = Sse.UnpackHigh(r4, r5);
            float* row = d + (p * 6);
            Sse.Store(row, Sse.MoveLowToHigh(t0, t1));
            Sse.StoreLow(row + 4, lo);
            Sse.Store(row + 6, Sse.MoveHighToLow(t1, t0));
            Sse.StoreHigh(row + 10, lo);
            Sse.Store(row + 12, Sse.MoveLowToHigh(t2, t3));
            Sse.StoreLow(row + 16, hi);
            Sse.Store(row + 18, Sse.MoveHighToLow(t3, t2));
            Sse.StoreHigh(row + 22, hi);
        }

        for (; p < kc; p++)
        {
            float* row = d + (p * 6);
            row[0] = s[p];
            row[1] = s1[p];
            row[2] = s2[p];
            row[3] = s3[p];
            row[4] = s4[p];
            row[5] = s5[p];
        }
    }

    // d[p * ld + q] = s[q * ldb + p] for q in 0..3, p in 0..kc: four rows of B become four columns of
    // the panel, moved as 4×4 blocks of Vector128 instead of one strided store per float.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackTransposed4(float* s, nint ldb, int kc, float* d, nint ld)
    {
        float* s1 = s + ldb;
        float* s2 = s1 + ldb;
        float* s3 = s2 + ldb;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            Vector128<float> r0 = Sse.LoadVector128(s + p);
            Vector128<float> r1 = Sse.LoadVector128(s1 + p);
            Vector128<float> r2 = Sse.LoadVector128(s2 + p);
            Vector128<float> r3 = Sse.LoadVector128(s3 + p);
            Vector128<float> t0 = Sse.UnpackLow(r0, r1);
            Vector128<float> t1 = Sse.UnpackLow(r2, r3);
            Vector128<float> t2 = Sse.UnpackHigh(r0, r1);
            Vector128<float> t3 = Sse.UnpackHigh(r2, r3);
            float* row = d + (p * ld);
            Sse.Store(row, Sse.MoveLowToHigh(t0, t1));
            Sse.Store(row + ld, Sse.MoveHighToLow(t1, t0));
            Sse.Store(row + (2 * ld), Sse.MoveLowToHigh(t2, t3));
            Sse.Store(row + (3 * ld), Sse.MoveHighToLow(t3, t2));
        }

        for (; p < kc; p++)
        {
            float* row = d + (p * ld);
            row[0] = s[p];
            row[1] = s1[p];
            row[2] = s2[p];
            row[3] = s3[p];
        }
    }

    /// <summary>
    /// One chunk of a split product, posted to the workers. Each calling thread keeps its own items
    /// and reuses them, so a split allocates nothing once warm. Whoever claims the item first (a pool
    /// thread, or the caller when it comes to wait) runs it; a stale queue entry finds it claimed.
    /// </summary>
    private sealed unsafe class ChunkWorkItem : ClaimableWorkItem
    {
        [ThreadStatic]
        private static ChunkWorkItem[]? t_items;

        private delegate*<Job, int, int, int, int, void> _run;
        private Job _job;
        private int _i0, _i1, _j0, _j1;

        public static ChunkWorkItem[] ForThisThread(int count)
        {
            ChunkWorkItem[]? items = t_items;
            if (items is null || items.Length < count)
            {
                items = new ChunkWorkItem[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = new ChunkWorkItem();
                }

                t_items = items;
            }

            return items;
        }

        public void Start(delegate*<Job, int, int, int, int, void> run, Job job, int i0, int i1, int j0, int j1)
        {
            _run = run;
            _job = job;
            _i0 = i0;
            _i1 = i1;
            _j0 = j0;
            _j1 = j1;
            Queue();
        }

        protected override void Run() => _run(_job, _i0, _i1, _j0, _j1);
    }

    /// <summary>The operands of one product, pinned for its duration.</summary>
    private readonly unsafe struct Job
    {
        public Job(bool transA, bool transB, int m, int n, int k, float alpha,
            float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        {
            TransA = transA;
            TransB = transB;
            M = m;
            N = n;
            K = k;
            Alpha = alpha;
            A = a;
            Lda = lda;
            B = b;
            Ldb = ldb;
            Beta = beta;
            C = c;
            Ldc = ldc;
        }

        public bool TransA { get; }

        public bool TransB { get; }

        public int M { get; }

        public int N { get; }

        public int K { get; }

        public float Alpha { get; }

        public float* A { get; }

        public nint Lda { get; }

        public float* B { get; }

        public nint Ldb { get; }

        public float Beta { get; }

        public float* C { get; }

        public nint Ldc { get; }

        // A B laid out beforehand (Gemm.Pack): block pc's panels start at PackedB + pc·PackedStride; null when B is raw.
        public float* PackedB { get; init; }

        public nint PackedStride { get; init; }
    }
}
