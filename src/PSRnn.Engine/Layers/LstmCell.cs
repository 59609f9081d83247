using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's LSTMCell for <see cref="RecurrentDriver{TCell}"/>: gates i, f, c, o; states h and c.
/// <para>Forward (σ the recurrent activation, φ the activation, m the recurrent dropout mask):
/// z = x_t·W + b + (h_{t−1}⊙m)·U;  i = σ(z_i), f = σ(z_f), g = φ(z_c), o = σ(z_o);  c_t = f⊙c_{t−1} + i⊙g;
/// h_t = o⊙φ(c_t).</para>
/// <para>Backward: dh = dy_t + d(h⊙m)⊙m;  do = dh⊙φ(c_t);  dc = dc_next + dh⊙o⊙φ′(c_t);  di = dc⊙g;  dg = dc⊙i;
/// df = dc⊙c_{t−1};  dc_next = dc⊙f;  dz = (di, df, dg, do)⊙(σ′, σ′, φ′, σ′);  d(h⊙m) of the step before = dz·Uᵀ.
/// dU += H̃ᵀ·dZ, db += Σ dZ.</para>
/// <para>Rows: the gate row holds z; the saved row the activated gates a (4U) and φ(c_t) (U); c is the driver's state 1.
/// Sigmoid gates with a tanh cell (Keras's defaults) run as one fused pass (<see cref="LstmKernels"/>).</para>
/// <para>With a projection (PyTorch's proj_size P &lt; U; W_hr <c>weight_hr</c> (U, P)): the cell's output r_t = o⊙φ(c_t)
/// (U) is projected, h_t = r_t·W_hr (P), and h (P) is what U (P, 4U) reads at the next step. Backward: dr = dh·W_hrᵀ
/// takes dh's place in the equations above; after the loop dW_hr += Rᵀ·dH over every step. The saved row adds r (U)
/// and dh (P, written by the backward), the recurrent scratch holds dr (U).</para>
/// </summary>
internal struct LstmCell : IRecurrentCell<LstmCell>
{
    private readonly ActivationKind _activation;
    private readonly ActivationKind _recurrentActivation;
    private readonly Parameter? _projection;

    /// <summary>A cell with activation φ and recurrent activation σ, and the projection W_hr (U, P) or none.</summary>
    public LstmCell(ActivationKind activation, ActivationKind recurrentActivation, Parameter? projection = null)
    {
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        _projection = projection;
    }

    /// <inheritdoc />
    public static int GateCount => 4;

    /// <inheritdoc />
    public static int StateCount => 2;

    /// <inheritdoc />
    public static (string Operator, int[] GateOrder) Onnx => ("LSTM", [0, 3, 1, 2]);

    /// <inheritdoc />
    /// <remarks>The saved row's activated gates a = (i, f, g, o), g the candidate c̃ = φ(z_c); c the driver's state 1.</remarks>
    public static IReadOnlyList<StepValue> StepValues { get; } =
    [
        new("i", StepValueSource.Saved, 0), new("f", StepValueSource.Saved, 1), new("g", StepValueSource.Saved, 2),
        new("o", StepValueSource.Saved, 3), new("c", StepValueSource.CellState, 0),
    ];

    /// <inheritdoc />
    public static int CarryCount => 1;

    /// <inheritdoc />
    public static int ScratchCount => 2;

    /// <inheritdoc />
    public readonly bool ProjectBias => true;

    /// <inheritdoc />
    public readonly bool SeparateRecurrentGradient => false;

    /// <inheritdoc />
    public readonly RecurrentKernelUse KernelUse => RecurrentKernelUse.Packed;

    /// <inheritdoc />
    public readonly int SavedWidth(int units) => _projection is null ? 5 * units : (6 * units) + _projection.Shape[1];

    /// <inheritdoc />
    public readonly int RecurrentScratchWidth(int units) => _projection is null ? 0 : units;

    /// <inheritdoc />
    public readonly int AccumulatorWidth(int units) => 0;

    private readonly bool IsDefaultCell => _recurrentActivation == ActivationKind.Sigmoid && _activation == ActivationKind.Tanh;

    /// <inheritdoc />
    public readonly void BeginForward(RecurrentWorkspace work, Parameter? bias)
    {
    }

    /// <inheritdoc />
    public readonly void Forward(ref StepBlock block)
    {
        int u = block.Units, p = block.StateWidth, g = 4 * u;
        RecurrentWorkspace w = block.Work;
        if (!block.First)
        {
            // Z[:, t] += H̃[:, t]·U   (rows, P)·(P, 4U)
            block.Product(false, g, p, block.PreviousHOperand(), block.Kernel, g, w.ForwardPacked ? w.PackedU : null, 1f,
                block.GatesOperand());
        }

        if (_projection is null)
        {
            foreach (int b in block.Rows)
            {
                Span<float> saved = block.Saved(b);
                StepForward(block.Gates(b), saved[..g], block.PreviousC(b), block.C(b), saved.Slice(g, u), block.H(b), u);
            }

            return;
        }

        // r = o⊙φ(c) into the saved row, then H[:, s] = R[:, t]·W_hr   (rows, U)·(U, P)
        foreach (int b in block.Rows)
        {
            Span<float> saved = block.Saved(b);
            StepForward(block.Gates(b), saved[..g], block.PreviousC(b), block.C(b), saved.Slice(g, u), saved.Slice(g + u, u), u);
        }

        block.Product(false, p, u, block.SavedOperand(g + u), _projection.Value, p, null, 0f, block.HOperand());
    }

    // One sample of one step: activates the gates, updates c, writes h = o⊙φ(c).
    private readonly void StepForward(ReadOnlySpan<float> z, Span<float> a, ReadOnlySpan<float> cPrev, Span<float> c,
        Span<float> tc, Span<float> h, int u)
    {
        if (IsDefaultCell)
        {
            LstmKernels.Forward(z, a, cPrev, c, tc, h, u);
            return;
        }

        ActivationFunctions.Forward(_recurrentActivation, z[..(2 * u)], a[..(2 * u)], 2 * u);
        ActivationFunctions.Forward(_activation, z.Slice(2 * u, u), a.Slice(2 * u, u), u);
        ActivationFunctions.Forward(_recurrentActivation, z[(3 * u)..], a[(3 * u)..], u);
        ReadOnlySpan<float> i = a[..u], f = a.Slice(u, u), gg = a.Slice(2 * u, u), o = a[(3 * u)..];

        // c = f⊙c₋₁ + i⊙g
        if (cPrev.IsEmpty)
        {
            TensorPrimitives.Multiply(i, gg, c);
        }
        else
        {
            TensorPrimitives.Multiply(f, cPrev, c);
            TensorPrimitives.MultiplyAdd(i, gg, c, c);
        }

        ActivationFunctions.Forward(_activation, c, tc, u);
        TensorPrimitives.Multiply(o, tc, h);
    }

    /// <inheritdoc />
    public readonly void Backward(ref StepBlock block)
    {
        int u = block.Units, p = block.StateWidth, g = 4 * u;
        RecurrentWorkspace w = block.Work;
        Span<float> dh = block.Scratch(0), dc = block.Scratch(1);
        if (_projection is null)
        {
            foreach (int b in block.Rows)
            {
                block.IncomingGradient(b, dh);
                ReadOnlySpan<float> saved = block.Saved(b);
                StepBackward(block.Gates(b), saved[..g], block.DGates(b), block.PreviousC(b), block.C(b), saved.Slice(g, u), dh,
                    dc, block.Carry(0, b), u);
            }
        }
        else
        {
            // dh (P) into the saved row (dW_hr reads it after the loop), then dR = dH·W_hrᵀ   (rows, P)·(P, U)
            foreach (int b in block.Rows)
            {
                block.IncomingGradient(b, block.Saved(b).Slice(g + (2 * u), p));
            }

            block.Product(true, u, p, block.SavedOperand(g + (2 * u)), _projection.Value, p, null, 0f, block.RecurrentOperand());
            foreach (int b in block.Rows)
            {
                ReadOnlySpan<float> saved = block.Saved(b);
                StepBackward(block.Gates(b), saved[..g], block.DGates(b), block.PreviousC(b), block.C(b), saved.Slice(g, u),
                    block.Recurrent(b), dc, block.Carry(0, b), u);
            }
        }

        if (!block.First)
        {
            // d(h⊙m) = dZ[:, t]·Uᵀ   (rows, 4U)·(4U, P)
            block.Product(true, p, g, block.DGatesOperand(), block.Kernel, g, w.BackwardPacked ? w.PackedUT : null, 0f,
                block.DhRecurrentOperand());
        }
    }

    // One sample of one step: dz from dh and the carried dc; updates the carry to dc⊙f.
    private readonly void StepBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, Span<float> dz, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> c, ReadOnlySpan<float> tc, ReadOnlySpan<float> dh, Span<float> dc, Span<float> dcCarry, int u)
    {
        if (IsDefaultCell)
        {
            LstmKernels.Backward(a, cPrev, tc, dh, dz, dcCarry, u);
            return;
        }

        ReadOnlySpan<float> i = a[..u], f = a.Slice(u, u), gg = a.Slice(2 * u, u), o = a[(3 * u)..];
        Span<float> di = dz[..u], df = dz.Slice(u, u), dg = dz.Slice(2 * u, u), dO = dz[(3 * u)..];

        // do = dh⊙φ(c);  dc = dc_next + dh⊙o⊙φ′(c)
        TensorPrimitives.Multiply(dh, tc, dO);
        TensorPrimitives.Multiply(dh, o, dc);
        ActivationFunctions.Backward(_activation, c, tc, dc, u);
        TensorPrimitives.Add(dc, dcCarry, dc);

        // di = dc⊙g;  dg = dc⊙i;  df = dc⊙c₋₁;  carry = dc⊙f
        TensorPrimitives.Multiply(dc, gg, di);
        TensorPrimitives.Multiply(dc, i, dg);
        if (cPrev.IsEmpty)
        {
            df.Clear();
        }
        else
        {
            TensorPrimitives.Multiply(dc, cPrev, df);
        }

        TensorPrimitives.Multiply(dc, f, dcCarry);

        // Through the gate activations.
        ActivationFunctions.Backward(_recurrentActivation, z[..(2 * u)], a[..(2 * u)], dz[..(2 * u)], 2 * u);
        ActivationFunctions.Backward(_activation, z.Slice(2 * u, u), gg, dg, u);
        ActivationFunctions.Backward(_recurrentActivation, z[(3 * u)..], o, dO, u);
    }

    /// <inheritdoc />
    public readonly void AddRecurrentGradients(RecurrentWorkspace work, Parameter recurrent, Parameter? bias)
    {
        RecurrentShared.AddStandardGradients(work, recurrent, bias);
        if (_projection is null)
        {
            return;
        }

        // dW_hr += Rᵀ·dH over every input row   (U, B·T)·(B·T, P). A masked row holds no r or dh of this pass: cleared by
        // the forward when not compacted; compacted, cleared here (a stale NaN must not meet a zero).
        int u = work.Units, p = work.StateWidth, width = work.SavedWidth, rows = work.Batch * work.Time, r = 5 * u;
        if (work.Compact)
        {
            for (int row = 0; row < rows; row++)
            {
                if (work.CompactedRow(row) < 0)
                {
                    work.Saved.AsSpan((row * width) + r, u + p).Clear();
                }
            }
        }

        ReadOnlySpan<float> saved = work.Saved.AsSpan(0, rows * width);
        Gemm.Multiply(true, false, u, p, rows, 1f, saved[r..], width, saved[(r + u)..], width, 1f, _projection.Gradient, p);
    }
}
