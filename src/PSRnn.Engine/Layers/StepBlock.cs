using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// One step of the time loop over one chunk of batch rows, as a cell sees it: which input step it reads, which samples
/// are active (all of them, or those whose step is real under a sequence mask), the rows of every buffer, and the
/// step product, which the driver carries out (packed kernel or not, gathered rows or not).
/// </summary>
/// <remarks>
/// Processing step s reads input step t (t = T − 1 − s under go_backwards). Gate, saved and previous-state rows are
/// at input step t; state rows at processing step s. A cell touches only the rows of <see cref="Rows"/>; the driver
/// carries the state of the others through and keeps their gradients out.
/// </remarks>
internal ref struct StepBlock
{
    private readonly RecurrentWorkspace _w;

    /// <summary>Creates the block of step <paramref name="s"/> (input step <paramref name="t"/>) over samples [b0, b1).</summary>
    public StepBlock(RecurrentWorkspace work, int s, int t, int b0, int b1, ReadOnlySpan<int> rows, bool allRows,
        ReadOnlySpan<float> recurrentMask, ReadOnlySpan<float> kernel, ReadOnlySpan<float> outputGradient, bool returnSequences)
    {
        _w = work;
        S = s;
        T = t;
        B0 = b0;
        B1 = b1;
        Rows = rows;
        AllActive = allRows;
        RecurrentMask = recurrentMask;
        Kernel = kernel;
        OutputGradientSpan = outputGradient;
        ReturnSequences = returnSequences;
    }

    /// <summary>The processing step.</summary>
    public readonly int S;

    /// <summary>The input step it reads.</summary>
    public readonly int T;

    /// <summary>The chunk's first sample.</summary>
    public readonly int B0;

    /// <summary>The chunk's end (exclusive).</summary>
    public readonly int B1;

    /// <summary>The active samples, ascending.</summary>
    public readonly ReadOnlySpan<int> Rows;

    /// <summary>Whether every sample of the chunk is active.</summary>
    public readonly bool AllActive;

    /// <summary>The recurrent dropout mask (B·U), or empty.</summary>
    public readonly ReadOnlySpan<float> RecurrentMask;

    /// <summary>The recurrent kernel U (U, G) as stored.</summary>
    public readonly ReadOnlySpan<float> Kernel;

    /// <summary>The whole output gradient (backward only).</summary>
    public readonly ReadOnlySpan<float> OutputGradientSpan;

    /// <summary>Whether the layer returns sequences.</summary>
    public readonly bool ReturnSequences;

    /// <summary>Whether this is the first processing step with a zero previous state (no carried state).</summary>
    public readonly bool First => S == 0 && !_w.HasInitial;

    /// <summary>The units U.</summary>
    public readonly int Units => _w.Units;

    /// <summary>The steps T.</summary>
    public readonly int Time => _w.Time;

    /// <summary>The workspace.</summary>
    public readonly RecurrentWorkspace Work => _w;

    private readonly int InputRow(int b) => (b * _w.Time) + T;

    private readonly int StateRow(int b) => (b * _w.Time) + S;

    // The row of sample b in the compactable buffers: at input step t, or among the real rows when compacted.
    private readonly int GateRow(int b) => _w.CompactedRow(InputRow(b));

    /// <summary>The gate row (G) of sample b at this input step (an active sample's: compacted, masked steps have none).</summary>
    public readonly Span<float> Gates(int b) => _w.Gates.AsSpan(GateRow(b) * _w.GateWidth, _w.GateWidth);

    /// <summary>The saved row of sample b at this input step.</summary>
    public readonly Span<float> Saved(int b) => _w.Saved.AsSpan(InputRow(b) * _w.SavedWidth, _w.SavedWidth);

    /// <summary>The width P of h (U, or an LSTM's projection size).</summary>
    public readonly int StateWidth => _w.StateWidth;

    /// <summary>The dropped previous state h⊙m that sample b's step reads (P).</summary>
    public readonly Span<float> PreviousH(int b) => _w.PreviousH.AsSpan(GateRow(b) * _w.StateWidth, _w.StateWidth);

    /// <summary>h of sample b after this step (P).</summary>
    public readonly Span<float> H(int b) => _w.H.Buffer.AsSpan(StateRow(b) * _w.StateWidth, _w.StateWidth);

    /// <summary>h of sample b before this step, unmasked: the carried state before the first step, or empty (zeros).</summary>
    public readonly ReadOnlySpan<float> PreviousHState(int b) => S > 0 ? _w.H.Buffer.AsSpan((StateRow(b) - 1) * _w.StateWidth, _w.StateWidth)
        : _w.HasInitial ? _w.H0.AsSpan(b * _w.StateWidth, _w.StateWidth) : default;

    /// <summary>State 1 (c) of sample b after this step.</summary>
    public readonly Span<float> C(int b) => _w.C.AsSpan(StateRow(b) * _w.Units, _w.Units);

    /// <summary>State 1 (c) of sample b before this step; empty on the first step.</summary>
    public readonly ReadOnlySpan<float> PreviousC(int b) => S > 0 ? _w.C.AsSpan((StateRow(b) - 1) * _w.Units, _w.Units)
        : _w.HasInitial ? _w.C0.AsSpan(b * _w.Units, _w.Units) : default;

    /// <summary>The step's recurrent scratch row of sample b.</summary>
    public readonly Span<float> Recurrent(int b) => _w.Recurrent.AsSpan(b * _w.RecurrentWidth, _w.RecurrentWidth);

    /// <summary>The gate-gradient row (G) of sample b at this input step.</summary>
    public readonly Span<float> DGates(int b) => _w.DGates.AsSpan(GateRow(b) * _w.GateWidth, _w.GateWidth);

    /// <summary>The recurrent-side gate-gradient row (G) of sample b at this input step.</summary>
    public readonly Span<float> DRecurrent(int b) => _w.DRecurrent.AsSpan(GateRow(b) * _w.GateWidth, _w.GateWidth);

    /// <summary>d(h⊙m) from the step after (P), the product dG·Uᵀ.</summary>
    public readonly Span<float> DhRecurrent(int b) => _w.DhRecurrent.AsSpan(b * _w.StateWidth, _w.StateWidth);

    /// <summary>The cell's carry <paramref name="k"/> of sample b (U).</summary>
    public readonly Span<float> Carry(int k, int b) => _w.Carries.AsSpan(((b * _w.CarryCount) + k) * _w.Units, _w.Units);

    /// <summary>The cell's per-sample accumulator row of sample b.</summary>
    public readonly Span<float> Accumulator(int b) => _w.Accumulators.AsSpan(b * _w.AccumulatorWidth, _w.AccumulatorWidth);

    /// <summary>The chunk's scratch row <paramref name="k"/> (U).</summary>
    public readonly Span<float> Scratch(int k) => _w.Scratch.AsSpan(((B0 * _w.ScratchCount) + k) * _w.Units, _w.Units);

    /// <summary>The recurrent dropout mask of sample b (P), or empty.</summary>
    public readonly ReadOnlySpan<float> RecurrentMaskOf(int b) => RecurrentMask.IsEmpty ? default : RecurrentMask.Slice(b * _w.StateWidth, _w.StateWidth);

    /// <summary>dy of sample b at this step (P): every step with return_sequences, else the last; empty otherwise.</summary>
    public readonly ReadOnlySpan<float> OutputGradient(int b)
    {
        int u = _w.StateWidth;
        if (ReturnSequences)
        {
            return OutputGradientSpan.Slice(StateRow(b) * u, u);
        }

        return S == _w.Time - 1 ? OutputGradientSpan.Slice(b * u, u) : default;
    }

    /// <summary>
    /// dh = dy + d(h⊙m)⊙m of sample b into <paramref name="dh"/>, as SimpleRNN and LSTM form it (the mask applies from
    /// the second-to-last step: the carry is zero before), plus what passed masked steps unchanged.
    /// </summary>
    public readonly void IncomingGradient(int b, Span<float> dh)
    {
        Span<float> carry = DhRecurrent(b);
        if (!RecurrentMask.IsEmpty && S < _w.Time - 1)
        {
            TensorPrimitives.Multiply(carry, RecurrentMaskOf(b), carry);
        }

        ReadOnlySpan<float> dy = OutputGradient(b);
        if (ReturnSequences)
        {
            TensorPrimitives.Add(dy, carry, dh);
        }
        else if (!dy.IsEmpty)
        {
            dy.CopyTo(dh);
        }
        else
        {
            carry.CopyTo(dh);
        }

        TakeDirect(b, dh);
    }

    /// <summary>dh += the gradient that reached sample b through masked steps (then cleared); nothing without a mask.</summary>
    public readonly void TakeDirect(int b, Span<float> dh)
    {
        if (_w.DirectPending && _w.DirectLive[b])
        {
            Span<float> direct = _w.DhDirect.AsSpan(b * _w.StateWidth, _w.StateWidth);
            TensorPrimitives.Add(dh, direct, dh);
            direct.Clear();
            _w.DirectLive[b] = false;
        }
    }

    /// <summary>
    /// The step product C = op(A)·op(K) + beta·C over the active samples: A's row of sample b at
    /// <paramref name="a"/>.Row(b), C's at <paramref name="c"/>.Row(b); K the kernel (ldk its row stride) or its packed
    /// layout. An operand whose active rows are evenly spaced (all samples active, or one run of them, in a buffer that
    /// is not compacted; or any active samples of a compacted buffer, whose step rows are contiguous) is read or
    /// written in place with its stride; the other is gathered first (and C scattered back after). The bits are the
    /// same either way: a row's sum does not depend on its neighbours. None active: nothing.
    /// </summary>
    public readonly void Product(bool transposed, int n, int k, StepOperand a, ReadOnlySpan<float> kernel, int ldk,
        PackedMatrix? packed, float beta, StepOperand c)
    {
        ReadOnlySpan<int> active = Rows;
        int count = active.Length;
        if (count == 0)
        {
            return;
        }

        bool run = AllActive || active[count - 1] - active[0] == count - 1;
        bool aInPlace = (run && a.EvenlySpaced) || a.ActiveRowsContiguous;
        bool cInPlace = (run && c.EvenlySpaced) || c.ActiveRowsContiguous;
        int width = Math.Max(_w.GateWidth, _w.Units);
        ReadOnlySpan<float> aRows;
        int lda;
        if (aInPlace)
        {
            aRows = a.Array.AsSpan(a.Row(active[0]));
            lda = a.Stride;
        }
        else
        {
            Span<float> ga = _w.GatherA.AsSpan(B0 * width, count * k);
            for (int i = 0; i < count; i++)
            {
                a.Array.AsSpan(a.Row(active[i]), k).CopyTo(ga.Slice(i * k, k));
            }

            aRows = ga;
            lda = k;
        }

        if (cInPlace)
        {
            Multiply(transposed, count, n, k, aRows, lda, kernel, ldk, packed, beta, c.Array.AsSpan(c.Row(active[0])), c.Stride);
            return;
        }

        Span<float> gc = _w.GatherC.AsSpan(B0 * width, count * n);
        if (beta != 0f)
        {
            for (int i = 0; i < count; i++)
            {
                c.Array.AsSpan(c.Row(active[i]), n).CopyTo(gc.Slice(i * n, n));
            }
        }

        Multiply(transposed, count, n, k, aRows, lda, kernel, ldk, packed, beta, gc, n);
        for (int i = 0; i < count; i++)
        {
            gc.Slice(i * n, n).CopyTo(c.Array.AsSpan(c.Row(active[i]), n));
        }
    }

    private readonly void Multiply(bool transposed, int rows, int n, int k, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> kernel, int ldk, PackedMatrix? packed, float beta, Span<float> c, int ldc)
    {
        // Only products with U (or a block of its columns) read its quantized copy: another weight a cell multiplies by
        // (an LSTM's projection W_hr) stays float32.
        if (_w.QuantizedU is { } quantized && !transposed && Kernel.Overlaps(kernel))
        {
            // A forward product in prediction at a lower precision: the kernel is U or a block of its columns (GRU's), so
            // its offset in U is the first column.
            long column = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(Kernel), ref MemoryMarshal.GetReference(kernel)) / sizeof(float);
            if (ldk != quantized.N || column < 0 || column + n > quantized.N)
            {
                throw new InvalidOperationException($"A step product over columns {column} to {column + n} (stride {ldk}) is not one of U's blocks.");
            }

            QuantizedGemm.Multiply(rows, n, k, a, lda, quantized, (int)column, beta, c, ldc);
            return;
        }

        if (packed is not null)
        {
            Gemm.MultiplyPacked(false, transposed, rows, n, k, 1f, a, lda, kernel, ldk, packed, beta, c, ldc);
        }
        else
        {
            Gemm.Multiply(false, transposed, rows, n, k, 1f, a, lda, kernel, ldk, beta, c, ldc);
        }
    }

    /// <summary>The previous-state rows (input step t) from column <paramref name="column"/>.</summary>
    public readonly StepOperand PreviousHOperand(int column = 0) => CompactableOperand(_w.PreviousH, _w.StateWidth, column);

    /// <summary>The rows of h after this step (processing step s), P wide.</summary>
    public readonly StepOperand HOperand() => new(_w.H.Buffer, S * _w.StateWidth, _w.Time * _w.StateWidth);

    /// <summary>The gate rows (input step t) from column <paramref name="column"/>.</summary>
    public readonly StepOperand GatesOperand(int column = 0) => CompactableOperand(_w.Gates, _w.GateWidth, column);

    /// <summary>The saved rows (input step t) from column <paramref name="column"/>.</summary>
    public readonly StepOperand SavedOperand(int column = 0) => new(_w.Saved, (T * _w.SavedWidth) + column, _w.Time * _w.SavedWidth);

    /// <summary>The gate-gradient rows (input step t) from column <paramref name="column"/>.</summary>
    public readonly StepOperand DGatesOperand(int column = 0) => CompactableOperand(_w.DGates, _w.GateWidth, column);

    /// <summary>The recurrent-side gate-gradient rows (input step t).</summary>
    public readonly StepOperand DRecurrentOperand() => CompactableOperand(_w.DRecurrent, _w.GateWidth, 0);

    // A compactable buffer's rows (of width floats) at this input step from a column: evenly spaced (T rows apart), or
    // mapped when compacted.
    private readonly StepOperand CompactableOperand(float[] buffer, int width, int column) => _w.Compact
        ? new(buffer, column, width, _w.CompactIndex, T, _w.Time)
        : new(buffer, (T * width) + column, _w.Time * width);

    /// <summary>The per-sample recurrent scratch rows.</summary>
    public readonly StepOperand RecurrentOperand() => new(_w.Recurrent, 0, _w.RecurrentWidth);

    /// <summary>The per-sample d(h⊙m) rows.</summary>
    public readonly StepOperand DhRecurrentOperand() => new(_w.DhRecurrent, 0, _w.StateWidth);
}
