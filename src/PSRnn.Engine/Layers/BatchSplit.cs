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
/// <para>The chunks depend only on the batch size, the layer's shape, <see cref="ComputeThreads.Current"/> and the two
/// minimums, never on timing. Each row's arithmetic is the same whichever chunk holds it (<see cref="Gemm"/> computes a row of C
/// the same way for any number of rows from 2 up, and the element-wise passes work row by row), so the results are
/// bit-identical to the unsplit loop's. A chunk therefore never has a single row: a one-row product takes Gemm's
/// row-times-matrix path, which sums in another order.</para>
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

        int minRows = (long)batch * stepMacsPerRow >= Gemm.ParallelThreshold ? _minRows : 2;
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
    /// Runs <paramref name="body"/>(firstRow, endRow) over the batch: once over all rows with the caller's thread count
    /// when the batch does not split (<see cref="ChunkCount"/>), else once per chunk, concurrently, each under
    /// <see cref="ComputeThreads.Use"/>(1).
    /// </summary>
    public void Run(int batch, long stepMacsPerRow, int time, Action<int, int> body)
    {
        int chunks = ChunkCount(batch, stepMacsPerRow, time);
        if (chunks == 1)
        {
            // The per-step products keep all the caller's threads.
            body(0, batch);
            return;
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

        for (int c = 1; c < chunks; c++)
        {
            _items[c - 1].Start(body, ChunkStart(batch, chunks, c), ChunkStart(batch, chunks, c + 1));
        }

        Exception? error = null;
        try
        {
            using (ComputeThreads.Use(1))
            {
                body(0, ChunkStart(batch, chunks, 1));
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
