using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// The buffers of one recurrent layer's time loops, owned by <see cref="RecurrentDriver{TCell}"/> and shaped by its
/// cell; they only grow, so a smaller last batch does not re-allocate every epoch.
/// </summary>
/// <remarks>
/// Layout (B batch, T steps, U units, G = g·U gate columns). Batch-major in the INPUT's time order, row b·T + t:
/// <see cref="Gates"/> (B·T, G), which the hoisted input projection writes and each step's h·U adds into (row stride
/// T·G); <see cref="Saved"/> (B·T, W) what the cell keeps for backward; <see cref="PreviousH"/> (B·T, U) the dropped state
/// each input step received, for dU; <see cref="DGates"/> and <see cref="DRecurrent"/> (B·T, G). Under a mask that
/// compacts (<see cref="Compact"/>), the three gate buffers and <see cref="PreviousH"/> hold the R real rows only,
/// step-major, row <see cref="CompactIndex"/>[b·T + t], so a step's active rows are contiguous. In PROCESSING order, row
/// b·T + s: the states (B·T, U) each, state 0 being h — the returned sequence, reversed under go_backwards as in Keras.
/// Per sample (B, ·): the step scratch, the carries of the backward loop, the accumulators; per batch chunk (at its
/// first row): the cell's scratch and the gather buffers of masked steps.
/// </remarks>
internal sealed class RecurrentWorkspace
{
    private readonly Action<int, int> _gatherSamples;
    private readonly Action<int, int> _scatterSamples;
    private int[] _identity = [];
    private BatchSplit? _split;
    private SequenceMask? _splitMask;
    private long _splitMacs;
    private float[] _copySource = [];
    private float[] _copyDestination = [];
    private int _copyStride, _copyWidth;

    /// <summary>Creates an empty workspace.</summary>
    public RecurrentWorkspace()
    {
        _gatherSamples = GatherSamples;
        _scatterSamples = ScatterSamples;
    }

    /// <summary>The layer's units U.</summary>
    public int Units { get; private set; }

    /// <summary>
    /// The width P of h, the output and recurrent state: U, or an LSTM's projection size (h = W_hr·(o⊙φ(c)), c still U).
    /// </summary>
    public int StateWidth { get; private set; }

    /// <summary>Gate columns G = g·U.</summary>
    public int GateWidth { get; private set; }

    /// <summary>Samples of the current batch.</summary>
    public int Batch { get; private set; }

    /// <summary>Steps of the current batch.</summary>
    public int Time { get; private set; }

    /// <summary>Width of <see cref="Saved"/> rows.</summary>
    public int SavedWidth { get; private set; }

    /// <summary>Width of <see cref="Recurrent"/> rows.</summary>
    public int RecurrentWidth { get; private set; }

    /// <summary>Width of <see cref="Accumulators"/> rows.</summary>
    public int AccumulatorWidth { get; private set; }

    /// <summary>Carries per sample (each U).</summary>
    public int CarryCount { get; private set; }

    /// <summary>Scratch rows per chunk (each U).</summary>
    public int ScratchCount { get; private set; }

    /// <summary>(B·T, G) input order: the input projection, then what the cell makes of it (pre-activations, gates).</summary>
    public float[] Gates = [];

    /// <summary>(B·T, W) input order: what the cell keeps for backward.</summary>
    public float[] Saved = [];

    /// <summary>(B·T, P) input order: the dropped state h⊙m fed to input step t (zero before the first); compacted
    /// (<see cref="Compact"/>) the real rows only, as the gate buffers (<see cref="CompactedRow"/>).</summary>
    public float[] PreviousH = [];

    /// <summary>The row of the compactable buffers (gates, gate gradients, <see cref="PreviousH"/>) that holds input row
    /// b·T + t: that row, or compacted its position among the real rows (−1 for a masked one, which has none).</summary>
    public int CompactedRow(int row) => Compact ? CompactIndex[row] : row;

    /// <summary>State 0, h (B, T, P) in processing order: the returned sequence.</summary>
    public readonly Activations H = new();

    /// <summary>State 1 (B·T, U) in processing order, when the cell carries one (LSTM's c).</summary>
    public float[] C = [];

    /// <summary>(B, RecurrentWidth) per sample: one step's recurrent scratch.</summary>
    public float[] Recurrent = [];

    /// <summary>(B·T, G) input order: the gate gradients (input side).</summary>
    public float[] DGates = [];

    /// <summary>(B·T, G) input order: the recurrent-side gate gradients, for cells that keep them apart.</summary>
    public float[] DRecurrent = [];

    /// <summary>(B, P): d(h⊙m) of the step after, the product dG·Uᵀ.</summary>
    public float[] DhRecurrent = [];

    /// <summary>(B, P): the part of dh that passes masked steps unchanged (no dropout mask, no product).</summary>
    public float[] DhDirect = [];

    /// <summary>Whether this backward pass has a sequence mask, so <see cref="DhDirect"/> is in use.</summary>
    public bool DirectPending;

    /// <summary>(B) under a mask: whether sample b's carry d(h⊙m) may be nonzero (a step's product wrote it).</summary>
    public bool[] CarryLive = [];

    /// <summary>(B) under a mask: whether sample b's part of <see cref="DhDirect"/> may be nonzero.</summary>
    public bool[] DirectLive = [];

    /// <summary>(B, CarryCount·U): the cell's own carries (carry k of sample b at (b·K + k)·U).</summary>
    public float[] Carries = [];

    /// <summary>(B, AccumulatorWidth): per-sample sums of one backward pass.</summary>
    public float[] Accumulators = [];

    /// <summary>(B, ScratchCount·U): scratch; a chunk uses the rows at its first sample.</summary>
    public float[] Scratch = [];

    /// <summary>(B, max(G, U)) each: the rows of a masked step's product, gathered (a chunk's at its first sample).</summary>
    public float[] GatherA = [];

    /// <inheritdoc cref="GatherA"/>
    public float[] GatherC = [];

    /// <summary>Constants the cell derives once per batch (GRU reset_after: the step's bias row).</summary>
    public float[] CellConstants = [];

    /// <summary>Whether this batch starts from a carried state (<see cref="H0"/>, <see cref="C0"/>) instead of zeros.</summary>
    public bool HasInitial;

    /// <summary>(B, P): h before the first step when <see cref="HasInitial"/>.</summary>
    public float[] H0 = [];

    /// <summary>(B, U): c before the first step when <see cref="HasInitial"/> and the cell carries c.</summary>
    public float[] C0 = [];

    /// <summary>U zeros: the state before the first step.</summary>
    public float[] Zeros = [];

    /// <summary>(B): the active samples of a masked step (a chunk's at its first sample).</summary>
    public int[] ActiveRows = [];

    /// <summary>U laid out for the forward steps' products.</summary>
    public readonly PackedMatrix PackedU = new();

    /// <summary>U at the prediction's lower precision, which the forward step products read instead of U; null: float32.</summary>
    public QuantizedMatrix? QuantizedU;

    /// <summary>Uᵀ laid out for the backward steps' products.</summary>
    public readonly PackedMatrix PackedUT = new();

    /// <summary>Whether <see cref="PackedU"/> holds this batch's U.</summary>
    public bool ForwardPacked;

    /// <summary>Whether <see cref="PackedUT"/> holds this batch's Uᵀ.</summary>
    public bool BackwardPacked;

    /// <summary>(G, U): Uᵀ stored, for cells whose backward products use column blocks of U.</summary>
    public float[] KernelTransposed = [];

    /// <summary>
    /// Whether the whole-batch products (input projection, dW, dU, dx, db) cover the batch's real rows only
    /// (<see cref="RealRows"/>): the input is gathered into <see cref="CompactRows"/>, and the gate buffers
    /// (<see cref="Gates"/>, <see cref="DGates"/>, <see cref="DRecurrent"/>) and <see cref="PreviousH"/> hold the real
    /// rows only, in <see cref="CompactIndex"/> order, so their cost follows the real steps too, whatever the mask's pattern. False
    /// without a mask or when it masks too little to repay the copies (<see cref="MinMaskedShare"/>).
    /// </summary>
    public bool Compact;

    /// <summary>(R) the row b·T + t of each real step, step-major (valid when <see cref="Compact"/>).</summary>
    public int[] RealRows = [];

    /// <summary>
    /// (B·T) the position of row b·T + t among the real rows (step-major: by input step, then sample), or −1 for a
    /// masked one (valid when <see cref="Compact"/>): compacted, <see cref="Gates"/>, <see cref="DGates"/>,
    /// <see cref="DRecurrent"/> and <see cref="PreviousH"/> hold the real rows only, in this order, from the input
    /// projection on, so neither the projection nor the gate gradients move after the loops, and a step's active rows
    /// are contiguous.
    /// </summary>
    public int[] CompactIndex = [];

    /// <summary>R, the real rows of the batch (when <see cref="Compact"/>).</summary>
    public int RealRowCount;

    /// <summary>
    /// (R, max(F, U)): the gathered rows of a whole-batch product's other operand. Write it only through
    /// <see cref="GatherRealRows"/> or <see cref="CompactRowsToWrite"/>, which keep track of what it holds.
    /// </summary>
    public float[] CompactRows = [];

    // What CompactRows holds: the real rows of this array at this stride and width (the forward's gathered input, which
    // the kernel gradient reads again), or null. The arrays gathered from do not change between a forward and its
    // backward (the input, its dropped copy, the cell's saved buffers), and each forward starts over.
    private float[]? _gatheredFrom;
    private int _gatheredStride, _gatheredWidth;

    /// <summary>
    /// The least share of masked rows (1/16) for which the whole-batch products go over the real rows only: a gathered
    /// row costs a copy of its F + 2G + U floats against its F·G + U·G multiply-adds a product.
    /// </summary>
    public const int MinMaskedShare = 16;

    [ThreadStatic]
    private static bool t_neverCompact;

    /// <summary>
    /// Test hook: while set on a thread, layers that start a forward pass there keep every row (never
    /// <see cref="Compact"/>), so a test can check that compacting changes no bit.
    /// </summary>
    internal static bool NeverCompact
    {
        get => t_neverCompact;
        set => t_neverCompact = value;
    }

    /// <summary>The rows of the whole-batch products: R when <see cref="Compact"/>, else B·T.</summary>
    public int ProductRows => Compact ? RealRowCount : Batch * Time;

    /// <summary>Sets the real rows from the batch's mask (input features <paramref name="features"/>), or clears them.</summary>
    public void SetRealRows(SequenceMask? mask, int features)
    {
        int rows = Batch * Time;
        _gatheredFrom = null;
        Compact = mask is not null && !t_neverCompact && (rows - mask.TotalRealSteps) * MinMaskedShare >= rows;
        if (!Compact)
        {
            return;
        }

        Grow(ref RealRows, rows);
        Grow(ref CompactIndex, rows);
        int n = 0;

        // Step-major: the real rows of input step 0 in sample order, then those of step 1, … A step's active samples are
        // its real rows, so in every batch chunk they sit side by side: the step products read and write them in place.
        for (int t = 0; t < Time; t++)
        {
            for (int b = 0; b < Batch; b++)
            {
                int row = (b * Time) + t;
                if (mask![b, t])
                {
                    CompactIndex[row] = n;
                    RealRows[n++] = row;
                }
                else
                {
                    CompactIndex[row] = -1;
                }
            }
        }

        RealRowCount = n;
        Grow(ref CompactRows, n * Math.Max(features, Units));
    }

    /// <summary>
    /// Runs the row copies of the compacted products (gathers and the input gradient's scatter) over the batch chunks
    /// the time loops use, each chunk copying its own samples' rows: those its core wrote in the loop, still in its
    /// cache (copied by one core, half of them come from the other core's cache, several times slower).
    /// </summary>
    public void UseSplit(BatchSplit split, SequenceMask? mask, long stepMacsPerRow)
    {
        _split = split;
        _splitMask = mask;
        _splitMacs = stepMacsPerRow;
    }

    /// <summary>Gathers the real rows (first <paramref name="width"/> floats of each, row stride <paramref name="stride"/>)
    /// of <paramref name="source"/> into <paramref name="destination"/> (R, width), chunk by chunk (<see cref="UseSplit"/>),
    /// or on the calling thread alone when <paramref name="byChunks"/> is false (rows the calling thread wrote).</summary>
    public void GatherRealRows(float[] source, int stride, int width, float[] destination, bool byChunks = true)
    {
        bool intoCompact = ReferenceEquals(destination, CompactRows);
        if (intoCompact && ReferenceEquals(_gatheredFrom, source) && _gatheredStride == stride && _gatheredWidth == width)
        {
            // Gathered already (the kernel gradient reads the rows the input projection gathered).
            return;
        }

        if (intoCompact)
        {
            _gatheredFrom = null;
        }

        RunCopies(_gatherSamples, source, stride, width, destination, byChunks);
        if (intoCompact)
        {
            (_gatheredFrom, _gatheredStride, _gatheredWidth) = (source, stride, width);
        }
    }

    /// <summary>The first <paramref name="length"/> floats of <see cref="CompactRows"/>, to overwrite (it then holds no gather).</summary>
    public Span<float> CompactRowsToWrite(int length)
    {
        _gatheredFrom = null;
        return CompactRows.AsSpan(0, length);
    }

    /// <summary>The inverse of <see cref="GatherRealRows"/>: row i of <paramref name="source"/> (R, width) to row
    /// RealRows[i] of <paramref name="destination"/> (B·T rows of <paramref name="width"/>), whose masked rows are cleared.</summary>
    public void ScatterRealRows(float[] source, int width, float[] destination)
    {
        RunCopies(_scatterSamples, source, width, width, destination);
    }

    private void RunCopies(Action<int, int> body, float[] source, int stride, int width, float[] destination, bool byChunks = true)
    {
        _copySource = source;
        _copyStride = stride;
        _copyWidth = width;
        _copyDestination = destination;
        try
        {
            if (_split is null || !byChunks)
            {
                body(0, Batch);
            }
            else
            {
                _split.Run(Batch, _splitMacs, Time, body, _splitMask);
            }
        }
        finally
        {
            _copySource = [];
            _copyDestination = [];
        }
    }

    private void GatherSamples(int b0, int b1)
    {
        float[] source = _copySource, destination = _copyDestination;
        int stride = _copyStride, width = _copyWidth;
        for (int row = b0 * Time, end = b1 * Time; row < end; row++)
        {
            int i = CompactIndex[row];
            if (i >= 0)
            {
                source.AsSpan(row * stride, width).CopyTo(destination.AsSpan(i * width, width));
            }
        }
    }

    private void ScatterSamples(int b0, int b1)
    {
        float[] source = _copySource, destination = _copyDestination;
        int width = _copyWidth;
        for (int row = b0 * Time, end = b1 * Time; row < end; row++)
        {
            int i = CompactIndex[row];
            if (i >= 0)
            {
                source.AsSpan(i * width, width).CopyTo(destination.AsSpan(row * width, width));
            }
            else
            {
                destination.AsSpan(row * width, width).Clear();
            }
        }
    }

    /// <summary>
    /// C += Aᵀ·B over the batch's real rows: A (B·T, lda) in the workspace's row order, B (<see cref="ProductRows"/>,
    /// ldb) — the gate gradients, compacted when <see cref="Compact"/> (then A's real rows are gathered first, unless
    /// <paramref name="aCompacted"/> says A is compacted too).
    /// </summary>
    public void AddTransposedProduct(int m, int n, float[] a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool aCompacted = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (!Compact)
        {
            Gemm.Multiply(true, false, m, n, Batch * Time, 1f, a, lda, b, ldb, 1f, c, ldc);
            return;
        }

        if (aCompacted)
        {
            // A holds the real rows already, in the same order as B (PreviousH under compaction).
            Gemm.Multiply(true, false, m, n, RealRowCount, 1f, a.AsSpan(0, RealRowCount * lda), lda, b, ldb, 1f, c, ldc);
            return;
        }

        GatherRealRows(a, lda, m, CompactRows);
        Gemm.Multiply(true, false, m, n, RealRowCount, 1f, CompactRows.AsSpan(0, RealRowCount * m), m, b, ldb, 1f, c, ldc);
    }

    /// <summary>0, 1, …, B − 1: the rows of an unmasked step.</summary>
    public ReadOnlySpan<int> AllRows(int b0, int b1) => _identity.AsSpan(b0, b1 - b0);

    /// <summary>Sizes the forward buffers for a batch.</summary>
    public void EnsureForward(int batch, int time, int units, int stateWidth, int gates, int states, int saved, int recurrent)
    {
        Batch = batch;
        Time = time;
        Units = units;
        StateWidth = stateWidth;
        GateWidth = gates * units;
        SavedWidth = saved;
        RecurrentWidth = recurrent;
        int rows = batch * time, g = GateWidth;
        Grow(ref Gates, rows * g);
        Grow(ref Saved, rows * saved);
        Grow(ref PreviousH, rows * stateWidth);
        H.Resize(batch, time, stateWidth, true);
        if (states > 1)
        {
            Grow(ref C, rows * units);
        }

        Grow(ref Recurrent, batch * recurrent);
        Grow(ref Zeros, units);
        Grow(ref CellConstants, g + units);
        Grow(ref ActiveRows, batch);
        Grow(ref GatherA, batch * Math.Max(g, units));
        Grow(ref GatherC, batch * Math.Max(g, units));
        if (_identity.Length < batch)
        {
            _identity = new int[batch];
            for (int b = 0; b < batch; b++)
            {
                _identity[b] = b;
            }
        }
    }

    /// <summary>Sizes the backward buffers for the batch of the last forward.</summary>
    public void EnsureBackward(bool separateRecurrent, int carries, int accumulator, int scratch)
    {
        int rows = Batch * Time, u = Units;
        CarryCount = carries;
        AccumulatorWidth = accumulator;
        ScratchCount = scratch;
        Grow(ref DGates, rows * GateWidth);
        if (separateRecurrent)
        {
            Grow(ref DRecurrent, rows * GateWidth);
        }

        Grow(ref DhRecurrent, Batch * StateWidth);
        Grow(ref DhDirect, Batch * StateWidth);
        if (CarryLive.Length < Batch)
        {
            CarryLive = new bool[Batch];
            DirectLive = new bool[Batch];
        }

        Grow(ref Carries, Batch * carries * u);
        // One row more: the sum over the batch, in sample order.
        Grow(ref Accumulators, (Batch + 1) * accumulator);
        Grow(ref Scratch, Batch * scratch * u);
    }

    /// <summary>Sizes the forward step scratch of the cell (before <see cref="EnsureBackward"/> sets it for training).</summary>
    public void EnsureScratch(int scratch)
    {
        ScratchCount = Math.Max(ScratchCount, scratch);
        Grow(ref Scratch, Batch * ScratchCount * Units);
    }

    /// <summary>Grows <paramref name="buffer"/> to at least <paramref name="length"/> elements (contents not kept).</summary>
    public static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }

    private static void Grow(ref int[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new int[length];
        }
    }
}
