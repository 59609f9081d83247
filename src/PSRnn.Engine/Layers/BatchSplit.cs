using System.Runtime.ExceptionServices;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Runs a recurrent layer's time loop over the batch in contiguous chunks of rows, one chunk per worker, each worker's
/// per-step products single-threaded. A step's products are small (32×128·128×512 for an LSTM(128) at batch 32, about
/// 4 MFLOP): one core runs them near its peak, and splitting each of them over two cores costs a hand-off per step,
/// while a batch split costs one hand-off per loop. Rows never interact inside the loop, so every chunk writes its
/// own rows of the layer's buffers and needs no synchronisation until the loop ends.
/// </summary>
/// <remarks>
/// <para>The chunks depend only on the batch size, the layer's shape, <see cref="ComputeThreads.Current"/>, the two
/// minimums and (under a sequence mask) each sample's count of real steps, never on timing. Each row's arithmetic is
/// the same whichever chunk holds it (<see cref="Gemm"/> computes a row of C the same way for any number of rows, one
/// included, and the element-wise passes work row by row), so the results are bit-identical to the unsplit loop's, also
/// when a masked step leaves a chunk a single active sample.</para>
/// <para>Chunk 0 runs on the calling thread; the others are posted to ComputeWorkers as reusable work items (nothing
/// allocated once warm). A chunk no worker has started by the time the caller is done is run by the caller, so a
/// busy pool only costs speed. A worker's exception is rethrown on the calling thread after every chunk has ended.</para>
/// <para>One instance per layer: a layer is used by one thread at a time, so the items are never shared.</para>
/// </remarks>
internal sealed class BatchSplit
{
    /// <summary>
    /// The default fewest rows per chunk when <see cref="Gemm"/> would split each step's product over the threads itself.
    /// Measured on the 2-core Zen 3 at 2 threads, forward + backward, LSTM(128) T=28, GRU(256) and LSTM(256) T=100:
    /// 8-row chunks run about as fast as the unsplit loop (0.87–1.25×, within the machine's noise), 12-row chunks
    /// 1.0–1.4×, 16- and 32-row chunks 1.0–1.5× — a chunk needs about two register tiles of rows to run its products
    /// near one core's peak.
    /// </summary>
    public const int DefaultMinRows = 12;

    /// <summary>
    /// The default least multiply-adds of one chunk's whole loop (rows · T · step product per row), about 40 µs of one
    /// core: below it the hand-off to a worker is not repaid (tiny layers, short sequences).
    /// </summary>
    public const long DefaultMinChunkMacs = 1L << 20;

    private ChunkItem[] _items = [];
    private int[] _starts = [];
    private int _minRows = DefaultMinRows;
    private long _minChunkMacs = DefaultMinChunkMacs;

    /// <summary>The fewest rows a chunk may have (at least 2); tests lower it to force a split on small batches.</summary>
    public int MinRows
    {
        get => _minRows;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2);
            _minRows = value;
        }
    }

    /// <summary>The least multiply-adds of one chunk's loop (at least 0); tests set 0 to split tiny layers.</summary>
    public long MinChunkMacs
    {
        get => _minChunkMacs;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _minChunkMacs = value;
        }
    }

    /// <summary>
    /// How many chunks a batch is split into on the calling thread. One when fewer than two threads are allowed. Else as
    /// many as threads allow, each with at least <see cref="MinRows"/> rows when the unsplit step product (batch ·
    /// <paramref name="stepMacsPerRow"/>) is big enough for Gemm to split it over the threads itself, or at least 2 rows
    /// when it is not (the unsplit loop then runs on one core: measured, SimpleRNN(128) at batch 8 already gains 1.2×),
    /// and each with at least <see cref="MinChunkMacs"/> multiply-adds over the <paramref name="time"/> steps.
    /// </summary>
    /// <param name="batch">The batch rows.</param>
    /// <param name="stepMacsPerRow">Multiply-adds of one step's recurrent product per row (g·U·U).</param>
    /// <param name="time">The steps of the loop.</param>
    public int ChunkCount(int batch, long stepMacsPerRow, int time)
    {
        int threads = ComputeThreads.Current;
        if (threads < 2)
        {
            return 1;
        }

        int minRows = ChunkMinRows(batch, stepMacsPerRow);
        int chunks = Math.Clamp(batch / minRows, 1, threads);
        while (chunks > 1 && (long)(batch / chunks) * time * stepMacsPerRow < _minChunkMacs)
        {
            chunks--;
        }

        return chunks;
    }

    /// <summary>The first row of chunk <paramref name="chunk"/> of <paramref name="chunks"/> (even split, larger chunks last).</summary>
    public static int ChunkStart(int batch, int chunks, int chunk) => (int)((long)batch * chunk / chunks);

    /// <summary>
    /// The chunk boundaries under a sequence mask: chunk c starts at the first row where the real steps before it reach
    /// c/chunks of the batch's, each chunk keeping at least <paramref name="minRows"/> rows. A chunk's loop costs about its
    /// real steps (masked steps are skipped), so an even split of rows would leave one core waiting for the other.
    /// Depends on the mask only, so the split (and, rows being independent, every bit) is the same run to run.
    /// </summary>
    /// <param name="mask">The batch's mask (Batch rows).</param>
    /// <param name="chunks">The chunks, at least 2, with chunks · minRows ≤ Batch.</param>
    /// <param name="minRows">The fewest rows of a chunk.</param>
    /// <param name="starts">Receives chunks + 1 boundaries: starts[0] = 0, starts[chunks] = Batch.</param>
    public static void BalancedStarts(SequenceMask mask, int chunks, int minRows, Span<int> starts)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int batch = mask.Batch;
        long total = mask.TotalRealSteps, before = 0;
        starts[0] = 0;
        int row = 0;
        for (int c = 1; c < chunks; c++)
        {
            long target = total * c / chunks;
            while (row < batch && before + mask.RealSteps(row) <= target)
            {
                before += mask.RealSteps(row);
                row++;
            }

            // The row that crosses the target goes to whichever side leaves the smaller error.
            if (row < batch && target - before > before + mask.RealSteps(row) - target)
            {
                before += mask.RealSteps(row);
                row++;
            }

            int start = Math.Clamp(row, starts[c - 1] + minRows, batch - ((chunks - c) * minRows));
            for (; row < start; row++)
            {
                before += mask.RealSteps(row);
            }

            for (; row > start; row--)
            {
                before -= mask.RealSteps(row - 1);
            }

            starts[c] = start;
        }

        starts[chunks] = batch;
    }

    // The fewest rows of a chunk: a chunk needs about two register tiles of rows when Gemm would split the unsplit step
    // product itself; else 2 (a one-row chunk would not repay its hand-off).
    private int ChunkMinRows(int batch, long stepMacsPerRow) =>
        (long)batch * stepMacsPerRow >= Gemm.ParallelThreshold ? _minRows : 2;

    /// <summary>
    /// Runs <paramref name="body"/>(firstRow, endRow) over the batch: once over all rows with the caller's thread count
    /// when the batch does not split (<see cref="ChunkCount"/>), else once per chunk, concurrently, each under
    /// <see cref="ComputeThreads.Use"/>(1).
    /// </summary>
    /// <param name="batch">The batch rows.</param>
    /// <param name="stepMacsPerRow">Multiply-adds of one step's recurrent product per row.</param>
    /// <param name="time">The steps of the loop.</param>
    /// <param name="body">The loop over rows [first, end).</param>
    /// <param name="mask">The batch's sequence mask, or null: with one, the chunks are cut by real steps
    /// (<see cref="BalancedStarts"/>).</param>
    /// <returns>The chunks the batch ran in (<see cref="ChunkCount"/>): 1 when it ran whole.</returns>
    public int Run(int batch, long stepMacsPerRow, int time, Action<int, int> body, SequenceMask? mask = null)
    {
        int chunks = ChunkCount(batch, stepMacsPerRow, time);
        if (chunks == 1)
        {
            // The per-step products keep all the caller's threads.
            body(0, batch);
            return 1;
        }

        if (_items.Length < chunks - 1)
        {
            var items = new ChunkItem[chunks - 1];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = i < _items.Length ? _items[i] : new ChunkItem();
            }

            _items = items;
        }

        if (_starts.Length < chunks + 1)
        {
            _starts = new int[chunks + 1];
        }

        Span<int> starts = _starts.AsSpan(0, chunks + 1);
        if (mask is not null && mask.Batch == batch && mask.TotalRealSteps > 0)
        {
            BalancedStarts(mask, chunks, ChunkMinRows(batch, stepMacsPerRow), starts);
        }
        else
        {
            for (int c = 0; c <= chunks; c++)
            {
                starts[c] = ChunkStart(batch, chunks, c);
            }
        }

        for (int c = 1; c < chunks; c++)
        {
            _items[c - 1].Start(body, starts[c], starts[c + 1]);
        }

        Exception? error = null;
        try
        {
            using (ComputeThreads.Use(1))
            {
                body(0, starts[1]);
            }
        }
        finally
        {
            // Every chunk has ended before the caller goes on (or unwinds), whatever happened here.
            for (int c = 1; c < chunks; c++)
            {
                error ??= _items[c - 1].Finish();
            }
        }

        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }

        return chunks;
    }

    /// <summary>One batch chunk posted to the workers, run with one compute thread (its products stay whole).</summary>
    private sealed class ChunkItem : ClaimableWorkItem
    {
        private Action<int, int>? _body;
        private int _first, _end;

        public void Start(Action<int, int> body, int first, int end)
        {
            _body = body;
            _first = first;
            _end = end;
            Queue();
        }

        protected override void Run()
        {
            using (ComputeThreads.Use(1))
            {
                _body!(_first, _end);
            }
        }

        protected override void Clear() => _body = null;
    }
}
