using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// The one recurrent driver, as Keras's RNN(cell) with backend.rnn and PyTorch's RNNBase: it owns the time loop forward
/// and backward, go_backwards, return_sequences, the input and recurrent dropout masks, the sequence mask, the batch
/// split over threads, the packing of U and Uᵀ and the weight gradients; the cell <typeparamref name="TCell"/> owns one
/// fused step over a block of rows.
/// </summary>
/// <remarks>
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, G); U <c>recurrent_kernel</c> (U, G); <c>bias</c> as the cell says
/// (G, or GRU reset_after's (2, G)); G = g·U; output (B, T, U) with return_sequences, else the last h (B, U).</para>
/// <para>Forward: P = (x⊙input mask)·W (+ b) for every step at once (one matrix product), then per processing step s
/// (input step t = s, or T − 1 − s under go_backwards) the cell's step from P[:, t] and h_{s−1}⊙m; h_{s}⊙m is what the
/// next step reads. Backward, per step from the last: the cell's step gives dG[:, t] and d(h⊙m) for the step before;
/// after the loop dW += x̃ᵀ·dG and dx = (dG·Wᵀ)⊙(input mask) here, dU and db from the cell; under a mask these
/// whole-batch products cover the real rows only (<see cref="RecurrentWorkspace.Compact"/>).</para>
/// <para>Masking (Keras's backend.rnn): at a masked step the states carry over unchanged (h_s = h_{s−1}, c_s = c_{s−1}),
/// so the returned sequence repeats the last real output there (zeros before the first real step), and a sample's
/// backward direction starts at its own last real step. In backward a masked step adds no gate gradient: dh passes to
/// the step before unchanged (<see cref="RecurrentWorkspace.DhDirect"/>). The step products cover the active samples
/// only (gathered when some are masked), so the cost follows the real steps.</para>
/// <para>Threads: with two or more (<see cref="ComputeThreads"/>) and a large enough batch, the time loops run over
/// contiguous chunks of the batch rows concurrently, each chunk's step products single-threaded (<see cref="BatchSplit"/>);
/// the input projection and the weight-gradient products stay whole. Rows do not interact in the loop, so the bits are
/// the same whatever the split.</para>
/// </remarks>
/// <typeparam name="TCell">The cell.</typeparam>
internal sealed class RecurrentDriver<TCell> : IRecurrentDriver
    where TCell : struct, IRecurrentCell<TCell>
{
    private readonly RecurrentLayer _layer;
    private readonly RecurrentWorkspace _work = new();
    private readonly Activations _last = new();
    private readonly Activations _dx = new();
    private readonly Action<int, int> _forwardRows;
    private readonly Action<int, int> _backwardRows;
    private TCell _cell;
    private Activations? _input;
    private SequenceMask? _mask;
    private Activations? _outputGradient;

    /// <summary>The driver of <paramref name="layer"/>'s time loops.</summary>
    public RecurrentDriver(RecurrentLayer layer)
    {
        _layer = layer;
        _forwardRows = ForwardRows;
        _backwardRows = BackwardRows;
    }

    private Parameter? Kernel => _layer.Kernel;

    private Parameter? RecurrentKernel => _layer.RecurrentKernel;

    private Parameter? Bias => _layer.Bias;

    private int Units => _layer.Units;

    // The width P of h (U, or an LSTM's projection size): h, its dropout mask, H̃, dh and the carried h are P wide.
    private int StateWidth => _layer.StateWidth;

    private bool ReturnSequences => _layer.ReturnSequences;

    private ReadOnlySpan<float> RecurrentMask => _layer.RecurrentMask;

    private int InputStep(int s, int time) => _layer.InputStep(s, time);

    /// <summary>The workspace (tests and the estimate read its layout).</summary>
    public RecurrentWorkspace Workspace => _work;

    /// <summary>What the cell declares, for <paramref name="units"/> units (valid once bound).</summary>
    public RecurrentCellInfo Info(int units) => new(TCell.GateCount, TCell.StateCount, _cell.SavedWidth(units),
        _cell.SeparateRecurrentGradient, TCell.Onnx.Operator, TCell.Onnx.GateOrder);

    /// <summary>Takes the cell for the layer's settings, when the layer is built (the settings are init-only).</summary>
    public void Bind(TCell cell) => _cell = cell;

    /// <summary>The layer's Forward.</summary>
    public Activations Forward(Activations input, bool training)
    {
        _layer.CheckLayerInput(input);
        int batch = input.Batch, time = input.Time, u = Units, p = StateWidth, g = TCell.GateCount * u;
        _mask = UsableMask(input);
        _input = input;
        _layer.PrepareDropout(batch, input.Features, training);
        _work.EnsureForward(batch, time, u, p, TCell.GateCount, TCell.StateCount, _cell.SavedWidth(u), _cell.RecurrentScratchWidth(u));
        _work.EnsureScratch(TCell.ScratchCount);
        RecurrentWorkspace w = _work;
        int rows = batch * time;
        w.SetRealRows(_mask, input.Features);
        w.UseSplit(_layer.Split, _mask, (long)g * p);
        // In prediction at a lower precision (InferencePrecision, read on this thread), W and U from their quantized copies.
        WeightPrecision precision = training ? WeightPrecision.Float32 : InferencePrecision.Current;
        _layer.ProjectInputs(input, Kernel!.Value, _cell.ProjectBias && Bias is not null ? Bias.Value : [], g, w.Gates.AsSpan(0, rows * g),
            w.Compact ? w : null, Kernel.QuantizedFor(precision));
        // IndRNN's u is a vector the cell multiplies element-wise: no product reads it, so no quantized copy.
        w.QuantizedU = _cell.KernelUse == RecurrentKernelUse.Elementwise ? null : RecurrentKernel!.QuantizedFor(precision);

        // The state before the first step: zero (and so is its row of H̃ for dU), or the carried state, h⊙m.
        RecurrentState? state = _layer.State;
        w.HasInitial = state is not null;
        if (state is not null)
        {
            CheckState(state, batch);
            RecurrentWorkspace.Grow(ref w.H0, batch * p);
            state.H.AsSpan(0, batch * p).CopyTo(w.H0);
            if (TCell.StateCount > 1)
            {
                RecurrentWorkspace.Grow(ref w.C0, batch * u);
                state.C.AsSpan(0, batch * u).CopyTo(w.C0);
            }
        }

        int first = InputStep(0, time);
        ReadOnlySpan<float> recurrentMask = _layer.RecurrentMask;
        for (int b = 0; b < batch; b++)
        {
            int previousRow = w.CompactedRow((b * time) + first);
            if (previousRow < 0)
            {
                // Compacted and masked at the first step: the carried state reaches its first real step instead.
                continue;
            }

            Span<float> row = w.PreviousH.AsSpan(previousRow * p, p);
            if (state is null)
            {
                row.Clear();
            }
            else if (recurrentMask.IsEmpty)
            {
                w.H0.AsSpan(b * p, p).CopyTo(row);
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(w.H0.AsSpan(b * p, p), recurrentMask.Slice(b * p, p), row);
            }
        }

        w.ForwardPacked = _cell.KernelUse == RecurrentKernelUse.Packed && w.QuantizedU is null
            && RecurrentLayer.PackRecurrent(false, p, g, RecurrentKernel!.Value, g, w.PackedU, batch, time);
        _cell.BeginForward(w, Bias);
        bool byChunks = _layer.RunBatchChunks(batch, StepMacs(u, p, g), time, _forwardRows, _mask) > 1;
        w.H.RowsByChunks = byChunks;
        _last.RowsByChunks = byChunks;
        if (state is not null)
        {
            // The state after the last step (a sample's masked tail carried it unchanged) is where the next chunk starts.
            for (int b = 0; b < batch; b++)
            {
                int row = (b * time) + time - 1;
                w.H.Buffer.AsSpan(row * p, p).CopyTo(state.H.AsSpan(b * p, p));
                if (TCell.StateCount > 1)
                {
                    w.C.AsSpan(row * u, u).CopyTo(state.C.AsSpan(b * u, u));
                }
            }
        }

        if (ReturnSequences)
        {
            return w.H;
        }

        _last.Resize(batch, 1, p, false);
        for (int b = 0; b < batch; b++)
        {
            w.H.Buffer.AsSpan(((b * time) + time - 1) * p, p).CopyTo(_last.Buffer.AsSpan(b * p, p));
        }

        return _last;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> StepValueNames { get; } = ["h", .. TCell.StepValues.Select(v => v.Name)];

    /// <summary>
    /// Copies per-step value <paramref name="index"/> (<see cref="StepValueNames"/>) of the last Forward into
    /// <paramref name="into"/> (B, T, U), step t the one that read input step t (under go_backwards too): h and c from
    /// the state rows, the gates from the rows the cell's step wrote them to, after their activations. At a masked step
    /// h and c hold what the forward carried over and the gates are zero (the step ran no cell). Reads the buffers only,
    /// so the forward's time loop records nothing and costs nothing more.
    /// </summary>
    public void CopyStepValue(int index, Span<float> into)
    {
        RecurrentWorkspace w = _work;
        int batch = w.Batch, time = w.Time, u = index == 0 ? StateWidth : Units;
        if (_input is null || into.Length != batch * time * u || (uint)index > (uint)TCell.StepValues.Count)
        {
            throw new InvalidOperationException($"Layer '{_layer.Name}' has no step value {index} of {batch} × {time} × {u} (a Forward first).");
        }

        StepValue value = index == 0 ? default : TCell.StepValues[index - 1];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                int input = (b * time) + t, state = (b * time) + InputStep(t, time);
                Span<float> row = into.Slice(input * u, u);
                if (index == 0 || value.Source == StepValueSource.CellState)
                {
                    (index == 0 ? w.H.Buffer : w.C).AsSpan(state * u, u).CopyTo(row);
                    continue;
                }

                int gateRow = w.CompactedRow(input);
                if ((_mask is not null && !_mask[b, t]) || gateRow < 0)
                {
                    row.Clear();
                    continue;
                }

                ReadOnlySpan<float> source = value.Source == StepValueSource.Gates
                    ? w.Gates.AsSpan(gateRow * w.GateWidth, w.GateWidth)
                    : w.Saved.AsSpan(input * w.SavedWidth, w.SavedWidth);
                source.Slice(value.Block * u, u).CopyTo(row);
            }
        }
    }

    private void CheckState(RecurrentState state, int batch)
    {
        if (state.Batch != batch || state.Units != Units || state.HWidth != StateWidth || state.Count != TCell.StateCount)
        {
            throw new ModelException("StreamStateMismatch", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Layer '{_layer.Name}' carries a state of {state.Batch} × {state.Units} ({string.Join(", ", state.Names)}), but the batch has " +
                $"{batch} sequences and the layer {Units} units ({StateWidth} in h) and {TCell.StateCount} state vector(s)."));
        }
    }

    // Multiply-adds of one step per row: the recurrent product (P·G) and, with a projection, h = W_hr·r (U·P).
    private static long StepMacs(int u, int p, int g) => ((long)g * p) + (p == u ? 0 : (long)u * p);

    // The input's mask when it masks anything (an all-real mask changes nothing and costs nothing).
    private static SequenceMask? UsableMask(Activations input)
    {
        SequenceMask? mask = input.Mask;
        if (mask is null || mask.AllReal)
        {
            return null;
        }

        if (mask.Batch != input.Batch || mask.Time != input.Time)
        {
            throw new ArgumentException($"The sequence mask is {mask.Batch} × {mask.Time}, the input {input.Batch} × {input.Time}.", nameof(input));
        }

        return mask;
    }

    // The active samples of [b0, b1) at input step t: all of them without a mask, else those whose step is real,
    // written into the chunk's part of the workspace's list.
    private ReadOnlySpan<int> ActiveRows(int b0, int b1, int t, out bool all)
    {
        SequenceMask? mask = _mask;
        all = true;
        if (mask is null)
        {
            return _work.AllRows(b0, b1);
        }

        Span<int> list = _work.ActiveRows.AsSpan(b0, b1 - b0);
        int n = 0;
        for (int b = b0; b < b1; b++)
        {
            if (mask[b, t])
            {
                list[n++] = b;
            }
        }

        all = n == b1 - b0;
        return all ? _work.AllRows(b0, b1) : list[..n];
    }

    // The forward time loop over batch rows [b0, b1): each step's products and passes touch only these rows.
    private void ForwardRows(int b0, int b1)
    {
        RecurrentWorkspace w = _work;
        int time = w.Time, u = StateWidth;
        ReadOnlySpan<float> recurrentMask = RecurrentMask;
        ReadOnlySpan<float> kernel = RecurrentKernel!.Value;
        for (int s = 0; s < time; s++)
        {
            int t = InputStep(s, time);
            ReadOnlySpan<int> active = ActiveRows(b0, b1, t, out bool all);
            var block = new StepBlock(w, s, t, b0, b1, active, all, recurrentMask, kernel, default, ReturnSequences);
            _cell.Forward(ref block);
            if (!all)
            {
                CarryMaskedStates(b0, b1, s, t);
            }

            if (s + 1 < time)
            {
                // h_s⊙m is what the next step's product reads (H̃ of that input step, for dU too).
                int tNext = InputStep(s + 1, time);
                bool skipMasked = w.Compact;
                for (int b = b0; b < b1; b++)
                {
                    if (skipMasked && !_mask![b, tNext])
                    {
                        // Read by no step and, compacted, by no whole-batch product: the carry reaches the next real step.
                        continue;
                    }

                    ReadOnlySpan<float> h = w.H.Buffer.AsSpan(((b * time) + s) * u, u);
                    Span<float> next = w.PreviousH.AsSpan(w.CompactedRow((b * time) + tNext) * u, u);
                    if (recurrentMask.IsEmpty)
                    {
                        h.CopyTo(next);
                    }
                    else
                    {
                        System.Numerics.Tensors.TensorPrimitives.Multiply(h, recurrentMask.Slice(b * u, u), next);
                    }
                }
            }
        }
    }

    // Keras: at a masked step the states carry over (zero before a sample's first real step).
    private void CarryMaskedStates(int b0, int b1, int s, int t)
    {
        RecurrentWorkspace w = _work;
        int time = w.Time, u = Units, p = StateWidth;
        SequenceMask mask = _mask!;
        for (int b = b0; b < b1; b++)
        {
            if (mask[b, t])
            {
                continue;
            }

            int row = (b * time) + s;
            if (!w.Compact)
            {
                // The whole-batch products read every row: nothing stale (a NaN of an earlier batch) may meet a zero
                // gradient there. Compacted, they read the real rows only.
                w.Saved.AsSpan(((b * time) + t) * w.SavedWidth, w.SavedWidth).Clear();
            }

            Carry(w.H.Buffer, w.HasInitial ? w.H0 : null, row * p, b, s, p);
            if (TCell.StateCount > 1)
            {
                Carry(w.C, w.HasInitial ? w.C0 : null, row * u, b, s, u);
            }
        }

        // Carries state row (offset row, u floats) over from the step before, the initial state, or zeros.
        static void Carry(float[] state, float[]? initial, int row, int b, int s, int u)
        {
            if (s > 0)
            {
                state.AsSpan(row - u, u).CopyTo(state.AsSpan(row, u));
            }
            else if (initial is not null)
            {
                initial.AsSpan(b * u, u).CopyTo(state.AsSpan(row, u));
            }
            else
            {
                state.AsSpan(row, u).Clear();
            }
        }
    }

    /// <summary>The layer's Forward.</summary>
    public Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        RecurrentWorkspace w = _work;
        int batch = w.Batch, time = w.Time, u = Units, p = StateWidth, g = TCell.GateCount * u, rows = batch * time;
        if (outputGradient.Batch != batch || outputGradient.Features != p
            || outputGradient.Time != (ReturnSequences ? time : 1))
        {
            throw new ArgumentException($"The output gradient is {outputGradient.SampleShape} for a batch of {outputGradient.Batch}; " +
                $"the last Forward returned {batch} × {(ReturnSequences ? SampleShape.Sequence(time, p) : SampleShape.Vector(p))}.",
                nameof(outputGradient));
        }

        w.EnsureBackward(_cell.SeparateRecurrentGradient, TCell.CarryCount, _cell.AccumulatorWidth(u), TCell.ScratchCount);
        w.DhRecurrent.AsSpan(0, batch * p).Clear();
        w.Carries.AsSpan(0, batch * TCell.CarryCount * u).Clear();
        w.Accumulators.AsSpan(0, (batch + 1) * w.AccumulatorWidth).Clear();
        w.DirectPending = _mask is not null;
        if (w.DirectPending)
        {
            w.DhDirect.AsSpan(0, batch * p).Clear();
            w.CarryLive.AsSpan(0, batch).Clear();
            w.DirectLive.AsSpan(0, batch).Clear();
        }

        float[] kernel = RecurrentKernel!.Value;
        if (_cell.KernelUse == RecurrentKernelUse.Elementwise)
        {
            // The step's product is element-wise: no layout of U to make.
        }
        else if (_cell.KernelUse == RecurrentKernelUse.Packed)
        {
            w.BackwardPacked = RecurrentLayer.PackRecurrent(true, g, p, kernel, g, w.PackedUT, batch, time);
        }
        else
        {
            RecurrentWorkspace.Grow(ref w.KernelTransposed, g * p);
            RecurrentShared.Transpose(kernel, p, g, w.KernelTransposed);
        }

        _outputGradient = outputGradient;
        _layer.RunBatchChunks(batch, StepMacs(u, p, g), time, _backwardRows, _mask);
        _outputGradient = null;

        // Compacted, the loop wrote the real rows' gate gradients to the first R rows, which is what the products read.
        Span<float> dGates = w.DGates.AsSpan(0, w.ProductRows * g);
        int features = input.Features;
        w.AddTransposedProduct(features, g, _layer.DroppedInputBuffer(input), features, dGates, g, Kernel!.Gradient, g);
        _cell.AddRecurrentGradients(w, RecurrentKernel!, Bias);
        return computeInputGradient ? _layer.InputGradient(input, dGates, g, Kernel!, _dx, w.Compact ? w : null) : null;
    }

    // The backward time loop (gate gradients only) over batch rows [b0, b1).
    private void BackwardRows(int b0, int b1)
    {
        RecurrentWorkspace w = _work;
        int time = w.Time;
        ReadOnlySpan<float> recurrentMask = RecurrentMask;
        ReadOnlySpan<float> kernel = RecurrentKernel!.Value;
        ReadOnlySpan<float> dy = _outputGradient!.Span;
        for (int s = time - 1; s >= 0; s--)
        {
            int t = InputStep(s, time);
            ReadOnlySpan<int> active = ActiveRows(b0, b1, t, out bool all);
            var block = new StepBlock(w, s, t, b0, b1, active, all, recurrentMask, kernel, dy, ReturnSequences);
            if (!all)
            {
                PassMaskedGradients(ref block);
            }

            _cell.Backward(ref block);
            if (w.DirectPending && !block.First)
            {
                // The step's product left d(h⊙m) of the step before in the active samples' carries.
                foreach (int b in active)
                {
                    w.CarryLive[b] = true;
                }
            }
        }
    }

    // At a masked step sample b's dh goes to the step before unchanged (h_s = h_{s−1}): into the direct carry, with the
    // recurrent part d(h⊙m)⊙m; its gate gradients are zero, so it adds nothing to the weights.
    private void PassMaskedGradients(ref StepBlock block)
    {
        RecurrentWorkspace w = _work;
        int u = StateWidth;
        SequenceMask mask = _mask!;
        for (int b = block.B0; b < block.B1; b++)
        {
            if (mask[b, block.T])
            {
                continue;
            }

            // Only what holds something is moved: before a sample's first real step (in backward order) its carry is
            // zero, and after a take its direct part is; a zero added is a pass over U floats for nothing.
            Span<float> direct = w.DhDirect.AsSpan(b * u, u);
            if (w.CarryLive[b])
            {
                Span<float> carry = block.DhRecurrent(b);
                ReadOnlySpan<float> m = block.RecurrentMaskOf(b);
                if (m.IsEmpty)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(direct, carry, direct);
                }
                else
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(carry, m, direct, direct);
                }

                carry.Clear();
                w.CarryLive[b] = false;
                w.DirectLive[b] = true;
            }

            ReadOnlySpan<float> dy = block.OutputGradient(b);
            if (!dy.IsEmpty)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(direct, dy, direct);
                w.DirectLive[b] = true;
            }

            if (!w.Compact)
            {
                // Zero gate gradients, for the whole-batch products over every row (compacted, they skip this row).
                block.DGates(b).Clear();
                if (_cell.SeparateRecurrentGradient)
                {
                    block.DRecurrent(b).Clear();
                }
            }
        }
    }
}
