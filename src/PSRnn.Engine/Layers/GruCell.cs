using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's GRUCell for <see cref="RecurrentDriver{TCell}"/> (Cho et al. 2014), gates z, r, h (update, reset, candidate);
/// state h. σ the recurrent activation, g the activation, m the recurrent dropout mask.
/// <para>reset_after (Keras's default, cuDNN/PyTorch style), bias (2, 3U) = [b_i; b_r]:
/// [x_z, x_r, x_h] = x·W + b_i;  [r_z, r_r, r_h] = (h⊙m)·U + b_r;  z = σ(x_z + r_z);  r = σ(x_r + r_r);
/// ĥ = g(x_h + r⊙r_h);  h′ = z⊙h + (1 − z)⊙ĥ.</para>
/// <para>reset_before, bias (3U): z = σ(x_z + (h⊙m)·U_z + b_z);  r = σ(x_r + (h⊙m)·U_r + b_r);
/// ĥ = g(x_h + (r⊙h⊙m)·U_h + b_h);  h′ = z⊙h + (1 − z)⊙ĥ — two products a step: (h⊙m)·U_zr, then (r⊙h⊙m)·U_h.</para>
/// <para>Backward (dh = upstream + carry): dz = dh⊙(h − ĥ)⊙σ′;  dĥ = dh⊙(1 − z)⊙g′;  carry = dh⊙z + m⊙d(h⊙m).
/// reset_after: dr = dĥ⊙r_h⊙σ′; the recurrent gate gradient is [dz, dr, dĥ⊙r] and d(h⊙m) = it·Uᵀ.
/// reset_before: d(r⊙h⊙m) = dĥ·U_hᵀ;  dr = that⊙(h⊙m)⊙σ′;  d(h⊙m) = that⊙r + [dz, dr]·U_zrᵀ.
/// dU += (h⊙m)ᵀ·dG_rec (reset_before: U_zr from h⊙m, U_h from r⊙h⊙m); db from per-sample sums, added in sample order
/// after the loop, so a batch split does not change the bits.</para>
/// <para>Rows: the gate row holds the projection x·W (no bias: the step adds it, in L1), overwritten in place by z, r,
/// ĥ; the saved row r_h (reset_after: (h⊙m)·U_h + b_rh; reset_before: r⊙h⊙m). reset_after's step product goes to the
/// recurrent scratch row, which starts from [b_iz + b_rz, b_ir + b_rr, b_rh] (z and r see only the sum of both biases;
/// b_rh stays inside r⊙(·)); reset_before's backward uses the same row for d(r⊙h⊙m).</para>
/// <para>Dropout: one input mask and one recurrent mask for all three gates, as Keras's implementation 2 does for the
/// input (with recurrent_dropout Keras's implementation 1 draws one mask per gate: each gate sees the same distribution,
/// the masks of different gates are independent there and shared here). The blend z⊙h uses the unmasked state.</para>
/// <para>Activations: the derivatives are taken from the outputs, so g and σ must be linear, tanh, sigmoid,
/// hard_sigmoid, relu, elu, selu, softplus or softsign.</para>
/// </summary>
internal struct GruCell : IRecurrentCell<GruCell>
{
    private const float SeluAlpha = 1.67326324f;
    private const float SeluScale = 1.05070098f;

    private readonly ActivationKind _activation;
    private readonly ActivationKind _recurrentActivation;
    private readonly bool _resetAfter;
    private bool _hasBias;
    private float[]? _biasRef;

    /// <summary>A cell with activation g, recurrent activation σ and Keras's reset_after.</summary>
    public GruCell(ActivationKind activation, ActivationKind recurrentActivation, bool resetAfter)
    {
        _activation = activation;
        _recurrentActivation = recurrentActivation;
        _resetAfter = resetAfter;
    }

    /// <inheritdoc />
    public static int GateCount => 3;

    /// <inheritdoc />
    public static int StateCount => 1;

    /// <inheritdoc />
    public static (string Operator, int[] GateOrder) Onnx => ("GRU", [0, 1, 2]);

    /// <inheritdoc />
    /// <remarks>The gate row after the step: z, r and the candidate ĥ (PyTorch's n), each after its activation.</remarks>
    public static IReadOnlyList<StepValue> StepValues { get; } =
        [new("z", StepValueSource.Gates, 0), new("r", StepValueSource.Gates, 1), new("n", StepValueSource.Gates, 2)];

    /// <inheritdoc />
    public static int CarryCount => 1;

    /// <inheritdoc />
    public static int ScratchCount => 4;

    /// <inheritdoc />
    public readonly bool ProjectBias => false;

    /// <inheritdoc />
    public readonly bool SeparateRecurrentGradient => _resetAfter;

    /// <inheritdoc />
    public readonly RecurrentKernelUse KernelUse => _resetAfter ? RecurrentKernelUse.Packed : RecurrentKernelUse.Blocks;

    /// <inheritdoc />
    public readonly int SavedWidth(int units) => units;

    /// <inheritdoc />
    public readonly int RecurrentScratchWidth(int units) => _resetAfter ? 3 * units : units;

    /// <inheritdoc />
    public readonly int AccumulatorWidth(int units) => 4 * units;

    /// <summary>Rejects activations whose derivative is not a function of their output.</summary>
    public static void Validate(string layerName, ActivationKind kind, string setting)
    {
        if (kind is ActivationKind.Softmax or ActivationKind.Swish)
        {
            throw new ModelException("UnsupportedRecurrentActivation",
                $"Layer '{layerName}' (GRU) cannot use {kind.KerasName()} as its {setting}: choose tanh, sigmoid, hard_sigmoid, " +
                "relu, elu, selu, softplus, softsign or linear.");
        }
    }

    /// <inheritdoc />
    public void BeginForward(RecurrentWorkspace work, Parameter? bias)
    {
        ArgumentNullException.ThrowIfNull(work);
        _hasBias = bias is not null;
        _biasRef = bias?.Value;
        if (bias is null || !_resetAfter)
        {
            return;
        }

        // [b_iz + b_rz, b_ir + b_rr, b_rh]: the row each step's recurrent scratch starts from.
        int u = work.Units, g = 3 * u;
        Span<float> rows = work.CellConstants.AsSpan(0, g);
        bias.Value.AsSpan(g, g).CopyTo(rows);
        TensorPrimitives.Add(rows[..(2 * u)], bias.Value.AsSpan(0, 2 * u), rows[..(2 * u)]);
    }

    /// <inheritdoc />
    public readonly void Forward(ref StepBlock block)
    {
        if (_resetAfter)
        {
            ForwardResetAfter(ref block);
        }
        else
        {
            ForwardResetBefore(ref block);
        }
    }

    // rec = [b_iz + b_rz, b_ir + b_rr, b_rh] + (h⊙m)·U (one product onto the bias rows), then per row
    // z = σ(P_z + rec_z), r = σ(P_r + rec_r), ĥ = g(P_h + b_ih + r⊙rec_h), h′ = ĥ + z⊙(h − ĥ).
    private readonly void ForwardResetAfter(ref StepBlock block)
    {
        int u = block.Units, g = 3 * u;
        RecurrentWorkspace w = block.Work;
        ReadOnlySpan<float> projBias = w.CellConstants.AsSpan(0, g);
        foreach (int b in block.Rows)
        {
            if (_hasBias)
            {
                projBias.CopyTo(block.Recurrent(b));
            }
            else if (block.First)
            {
                block.Recurrent(b).Clear();
            }
        }

        if (!block.First)
        {
            block.Product(false, g, u, block.PreviousHOperand(), block.Kernel, g, w.ForwardPacked ? w.PackedU : null,
                _hasBias ? 1f : 0f, block.RecurrentOperand());
        }

        ReadOnlySpan<float> biasH = _hasBias ? _biasRef.AsSpan(2 * u, u) : default;
        Span<float> tmp = block.Scratch(1);
        foreach (int b in block.Rows)
        {
            Span<float> gate = block.Gates(b);
            Span<float> zr = gate[..(2 * u)], hh = gate[(2 * u)..];
            ReadOnlySpan<float> rc = block.Recurrent(b);
            Span<float> rh = block.Saved(b);
            TensorPrimitives.Add(zr, rc[..(2 * u)], zr);
            ActivationFunctions.Forward(_recurrentActivation, zr, zr, u);
            rc[(2 * u)..].CopyTo(rh);
            if (!biasH.IsEmpty)
            {
                TensorPrimitives.Add(hh, biasH, hh);
            }

            TensorPrimitives.MultiplyAdd(zr.Slice(u, u), rh, hh, hh);
            ActivationFunctions.Forward(_activation, hh, hh, u);
            Blend(ref block, b, zr[..u], hh, tmp);
        }
    }

    // P_zr += (h⊙m)·U_zr; z, r; r_h = r⊙h⊙m; P_h += r_h·U_h; ĥ; blend. Biases added per row.
    private readonly void ForwardResetBefore(ref StepBlock block)
    {
        int u = block.Units, g = 3 * u;
        if (!block.First)
        {
            block.Product(false, 2 * u, u, block.PreviousHOperand(), block.Kernel, g, null, 1f, block.GatesOperand());
        }

        ReadOnlySpan<float> biasZr = _hasBias ? _biasRef.AsSpan(0, 2 * u) : default;
        ReadOnlySpan<float> biasH = _hasBias ? _biasRef.AsSpan(2 * u, u) : default;
        foreach (int b in block.Rows)
        {
            Span<float> zr = block.Gates(b)[..(2 * u)];
            if (!biasZr.IsEmpty)
            {
                TensorPrimitives.Add(zr, biasZr, zr);
            }

            ActivationFunctions.Forward(_recurrentActivation, zr, zr, u);
            TensorPrimitives.Multiply(zr.Slice(u, u), block.PreviousH(b), block.Saved(b));
        }

        if (!block.First)
        {
            block.Product(false, u, u, block.SavedOperand(), block.Kernel[(2 * u)..], g, null, 1f, block.GatesOperand(2 * u));
        }

        Span<float> tmp = block.Scratch(1);
        foreach (int b in block.Rows)
        {
            Span<float> gate = block.Gates(b);
            Span<float> hh = gate[(2 * u)..];
            if (!biasH.IsEmpty)
            {
                TensorPrimitives.Add(hh, biasH, hh);
            }

            ActivationFunctions.Forward(_activation, hh, hh, u);
            Blend(ref block, b, gate[..u], hh, tmp);
        }
    }

    // h′ = ĥ + z⊙(h − ĥ) into the state (h = 0 before the first step: h′ = ĥ − z⊙ĥ).
    private static void Blend(ref StepBlock block, int b, ReadOnlySpan<float> z, ReadOnlySpan<float> hh, Span<float> tmp)
    {
        Span<float> h = block.H(b);
        if (block.First)
        {
            TensorPrimitives.Multiply(z, hh, tmp);
            TensorPrimitives.Subtract(hh, tmp, h);
        }
        else
        {
            TensorPrimitives.Subtract(block.PreviousHState(b), hh, tmp);
            TensorPrimitives.MultiplyAdd(tmp, z, hh, h);
        }
    }

    /// <inheritdoc />
    public readonly void Backward(ref StepBlock block)
    {
        if (_resetAfter)
        {
            BackwardResetAfter(ref block);
        }
        else
        {
            BackwardResetBefore(ref block);
        }
    }

    // dh = carry_z + m⊙carry_m, plus this step's upstream gradient and what passed masked steps; in scratch row 0.
    private static Span<float> IncomingGradient(ref StepBlock block, int b)
    {
        Span<float> dh = block.Scratch(0);
        ReadOnlySpan<float> carryZ = block.Carry(0, b), carryM = block.DhRecurrent(b);
        ReadOnlySpan<float> mask = block.RecurrentMaskOf(b);
        if (mask.IsEmpty)
        {
            TensorPrimitives.Add(carryZ, carryM, dh);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(carryM, mask, carryZ, dh);
        }

        ReadOnlySpan<float> dy = block.OutputGradient(b);
        if (!dy.IsEmpty)
        {
            TensorPrimitives.Add(dh, dy, dh);
        }

        block.TakeDirect(b, dh);
        return dh;
    }

    // Per row, in one vector loop (σ′, g′ from the outputs first):
    // dz = dh⊙(h − ĥ)⊙σ′(z);  dĥ = dh⊙(1 − z)⊙g′(ĥ);  dr = dĥ⊙r_h⊙σ′(r);  carry_z = dh⊙z;
    // input-side dG = [dz, dr, dĥ], recurrent-side [dz, dr, dĥ⊙r]; bias sums accumulate while the row is in L1.
    // Then d(h⊙m) = dG_rec·Uᵀ, one product (B, 3U)·(3U, U).
    private readonly void BackwardResetAfter(ref StepBlock block)
    {
        int u = block.Units, g = 3 * u;
        RecurrentWorkspace w = block.Work;
        Span<float> dSz = block.Scratch(1), dGh = block.Scratch(2), dSr = block.Scratch(3);
        foreach (int b in block.Rows)
        {
            Span<float> acc = block.Accumulator(b);
            ReadOnlySpan<float> dh = IncomingGradient(ref block, b);
            ReadOnlySpan<float> gate = block.Gates(b);
            ReadOnlySpan<float> z = gate[..u], r = gate.Slice(u, u), hh = gate[(2 * u)..];
            OutputDerivative(_recurrentActivation, z, dSz);
            OutputDerivative(_recurrentActivation, r, dSr);
            OutputDerivative(_activation, hh, dGh);
            ReadOnlySpan<float> prev = block.First ? w.Zeros.AsSpan(0, u) : block.PreviousHState(b);
            ReadOnlySpan<float> rh = block.Saved(b);
            Span<float> dGate = block.DGates(b), dRec = block.DRecurrent(b);
            Span<float> carryZ = block.Carry(0, b);
            int vl = Vector<float>.Count, j = 0;
            if (Vector.IsHardwareAccelerated && u >= vl)
            {
                // Unchecked loads and stores: every span is at least u long (3u for the gate rows), and j + vl <= u.
                ref float dhr = ref MemoryMarshal.GetReference(dh), gr = ref MemoryMarshal.GetReference(gate);
                ref float pr = ref MemoryMarshal.GetReference(prev), rhr = ref MemoryMarshal.GetReference(rh);
                ref float dszr = ref MemoryMarshal.GetReference(dSz), dghr = ref MemoryMarshal.GetReference(dGh);
                ref float dsrr = ref MemoryMarshal.GetReference(dSr), cz = ref MemoryMarshal.GetReference(carryZ);
                ref float dgr = ref MemoryMarshal.GetReference(dGate), drr = ref MemoryMarshal.GetReference(dRec);
                ref float ar = ref MemoryMarshal.GetReference(acc);
                for (; j <= u - vl; j += vl)
                {
                    Vector<float> dhv = LstmKernels.Load(ref dhr, j);
                    Vector<float> zv = LstmKernels.Load(ref gr, j);
                    Vector<float> rv = LstmKernels.Load(ref gr, u + j);
                    Vector<float> hv = LstmKernels.Load(ref gr, (2 * u) + j);
                    Vector<float> dz = dhv * (LstmKernels.Load(ref pr, j) - hv) * LstmKernels.Load(ref dszr, j);
                    Vector<float> dzh = dhv * zv;
                    Vector<float> dhh = (dhv - dzh) * LstmKernels.Load(ref dghr, j);
                    Vector<float> dr = dhh * LstmKernels.Load(ref rhr, j) * LstmKernels.Load(ref dsrr, j);
                    Vector<float> dRecH = dhh * rv;
                    LstmKernels.Store(dzh, ref cz, j);
                    LstmKernels.Store(dz, ref dgr, j);
                    LstmKernels.Store(dr, ref dgr, u + j);
                    LstmKernels.Store(dhh, ref dgr, (2 * u) + j);
                    LstmKernels.Store(dz, ref drr, j);
                    LstmKernels.Store(dr, ref drr, u + j);
                    LstmKernels.Store(dRecH, ref drr, (2 * u) + j);
                    LstmKernels.Store(LstmKernels.Load(ref ar, j) + dz, ref ar, j);
                    LstmKernels.Store(LstmKernels.Load(ref ar, u + j) + dr, ref ar, u + j);
                    LstmKernels.Store(LstmKernels.Load(ref ar, (2 * u) + j) + dhh, ref ar, (2 * u) + j);
                    LstmKernels.Store(LstmKernels.Load(ref ar, (3 * u) + j) + dRecH, ref ar, (3 * u) + j);
                }
            }

            for (; j < u; j++)
            {
                float d = dh[j], dzh = d * z[j];
                float dz = d * (prev[j] - hh[j]) * dSz[j];
                float dhh = (d - dzh) * dGh[j];
                float dr = dhh * rh[j] * dSr[j];
                float dRecH = dhh * r[j];
                carryZ[j] = dzh;
                dGate[j] = dRec[j] = dz;
                dGate[u + j] = dRec[u + j] = dr;
                dGate[(2 * u) + j] = dhh;
                dRec[(2 * u) + j] = dRecH;
                acc[j] += dz;
                acc[u + j] += dr;
                acc[(2 * u) + j] += dhh;
                acc[(3 * u) + j] += dRecH;
            }
        }

        if (!block.First)
        {
            // d(h⊙m) = dG_rec·Uᵀ  (B, 3U)·(3U, U)
            block.Product(true, u, g, block.DRecurrentOperand(), block.Kernel, g, w.BackwardPacked ? w.PackedUT : null, 0f,
                block.DhRecurrentOperand());
        }
    }

    // Pass 1 gives dz, dĥ and carry_z; d(r⊙h⊙m) = dĥ·U_hᵀ (product); pass 2 gives dr = that⊙(h⊙m)⊙σ′(r) and
    // carry_m = that⊙r; then carry_m += [dz, dr]·U_zrᵀ (product, beta = 1).
    private readonly void BackwardResetBefore(ref StepBlock block)
    {
        int u = block.Units, g = 3 * u;
        RecurrentWorkspace w = block.Work;
        Span<float> dSz = block.Scratch(1), dGh = block.Scratch(2), dSr = block.Scratch(3);
        int vl = Vector<float>.Count;
        foreach (int b in block.Rows)
        {
            Span<float> acc = block.Accumulator(b)[..g];
            ReadOnlySpan<float> dh = IncomingGradient(ref block, b);
            ReadOnlySpan<float> gate = block.Gates(b);
            ReadOnlySpan<float> z = gate[..u], hh = gate[(2 * u)..];
            OutputDerivative(_recurrentActivation, z, dSz);
            OutputDerivative(_activation, hh, dGh);
            ReadOnlySpan<float> prev = block.First ? w.Zeros.AsSpan(0, u) : block.PreviousHState(b);
            Span<float> dGate = block.DGates(b), carryZ = block.Carry(0, b);
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j <= u - vl; j += vl)
                {
                    var dhv = new Vector<float>(dh[j..]);
                    var hv = new Vector<float>(hh[j..]);
                    Vector<float> dz = dhv * (new Vector<float>(prev[j..]) - hv) * new Vector<float>(dSz[j..]);
                    Vector<float> dzh = dhv * new Vector<float>(z[j..]);
                    Vector<float> dhh = (dhv - dzh) * new Vector<float>(dGh[j..]);
                    dzh.CopyTo(carryZ[j..]);
                    dz.CopyTo(dGate[j..]);
                    dhh.CopyTo(dGate[((2 * u) + j)..]);
                    (new Vector<float>(acc[j..]) + dz).CopyTo(acc[j..]);
                    (new Vector<float>(acc[((2 * u) + j)..]) + dhh).CopyTo(acc[((2 * u) + j)..]);
                }
            }

            for (; j < u; j++)
            {
                float d = dh[j], dzh = d * z[j];
                float dz = d * (prev[j] - hh[j]) * dSz[j];
                float dhh = (d - dzh) * dGh[j];
                carryZ[j] = dzh;
                dGate[j] = dz;
                dGate[(2 * u) + j] = dhh;
                acc[j] += dz;
                acc[(2 * u) + j] += dhh;
            }
        }

        if (block.First)
        {
            // h = 0 before the first step: r multiplied zero, so dr = 0 and nothing flows further.
            foreach (int b in block.Rows)
            {
                block.DGates(b).Slice(u, u).Clear();
            }

            return;
        }

        // The stored transpose: rows 0..2U are U_zrᵀ, rows 2U..3U are U_hᵀ.
        ReadOnlySpan<float> kernelT = w.KernelTransposed.AsSpan(0, g * u);
        // d(r⊙h⊙m) = dĥ·U_hᵀ  (B, U)·(U, U), into the recurrent scratch rows.
        block.Product(false, u, u, block.DGatesOperand(2 * u), kernelT[(2 * u * u)..], u, null, 0f, block.RecurrentOperand());
        foreach (int b in block.Rows)
        {
            ReadOnlySpan<float> r = block.Gates(b).Slice(u, u);
            OutputDerivative(_recurrentActivation, r, dSr);
            ReadOnlySpan<float> prev = block.PreviousH(b);
            ReadOnlySpan<float> dIn = block.Recurrent(b);
            Span<float> dr = block.DGates(b).Slice(u, u), carryM = block.DhRecurrent(b);
            Span<float> accR = block.Accumulator(b).Slice(u, u);
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j <= u - vl; j += vl)
                {
                    var dIv = new Vector<float>(dIn[j..]);
                    Vector<float> drv = dIv * new Vector<float>(prev[j..]) * new Vector<float>(dSr[j..]);
                    drv.CopyTo(dr[j..]);
                    (dIv * new Vector<float>(r[j..])).CopyTo(carryM[j..]);
                    (new Vector<float>(accR[j..]) + drv).CopyTo(accR[j..]);
                }
            }

            for (; j < u; j++)
            {
                float drj = dIn[j] * prev[j] * dSr[j];
                dr[j] = drj;
                carryM[j] = dIn[j] * r[j];
                accR[j] += drj;
            }
        }

        // d(h⊙m) += [dz, dr]·U_zrᵀ  (B, 2U)·(2U, U)
        block.Product(false, u, 2 * u, block.DGatesOperand(), kernelT, u, null, 1f, block.DhRecurrentOperand());
    }

    /// <inheritdoc />
    public readonly void AddRecurrentGradients(RecurrentWorkspace work, Parameter recurrent, Parameter? bias)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(recurrent);
        int u = work.Units, g = 3 * u, batch = work.Batch;

        // The per-sample bias sums, added in sample order: the same bits however the batch was split.
        Span<float> dbSum = work.Accumulators.AsSpan(batch * 4 * u, 4 * u);
        dbSum.Clear();
        RecurrentShared.AddColumnSums(work.Accumulators.AsSpan(0, batch * 4 * u), 4 * u, dbSum);
        // Under a mask the gate gradients and H̃ (PreviousH) hold the real rows only (ProductRows); Saved holds every row.
        Span<float> dGates = work.DGates.AsSpan(0, work.ProductRows * g);
        if (_resetAfter)
        {
            work.AddTransposedProduct(u, g, work.PreviousH, u, work.DRecurrent.AsSpan(0, work.ProductRows * g), g,
                recurrent.Gradient, g, aCompacted: true);
            if (bias is not null)
            {
                // Sums of [dz, dr, dĥ] (input side) and of [dz, dr, dĥ⊙r] (recurrent side).
                Span<float> db = bias.Gradient;
                TensorPrimitives.Add(db[..g], dbSum[..g], db[..g]);
                TensorPrimitives.Add(db.Slice(g, 2 * u), dbSum[..(2 * u)], db.Slice(g, 2 * u));
                TensorPrimitives.Add(db[(g + (2 * u))..], dbSum.Slice(3 * u, u), db[(g + (2 * u))..]);
            }
        }
        else
        {
            // dU_zr += (h⊙m)ᵀ·dG_zr;  dU_h += (r⊙h⊙m)ᵀ·dG_h.
            work.AddTransposedProduct(u, 2 * u, work.PreviousH, u, dGates, g, recurrent.Gradient, g, aCompacted: true);
            work.AddTransposedProduct(u, u, work.Saved, u, dGates[(2 * u)..], g, recurrent.Gradient.AsSpan(2 * u), g);
            if (bias is not null)
            {
                TensorPrimitives.Add(bias.Gradient, dbSum[..g], bias.Gradient);
            }
        }
    }

    // d = f′ expressed through y = f(x), for the activations whose derivative is a function of their output.
    private static void OutputDerivative(ActivationKind kind, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (kind)
        {
            case ActivationKind.Sigmoid:
                // y(1 − y) = y − y²
                TensorPrimitives.Multiply(y, y, d);
                TensorPrimitives.Subtract(y, d, d);
                break;
            case ActivationKind.Tanh:
                // 1 − y²
                TensorPrimitives.Multiply(y, y, d);
                TensorPrimitives.Subtract(1f, d, d);
                break;
            case ActivationKind.Linear:
                d.Fill(1f);
                break;
            default:
                for (int j = 0; j < y.Length; j++)
                {
                    d[j] = ScalarDerivative(kind, y[j]);
                }

                break;
        }
    }

    private static float ScalarDerivative(ActivationKind kind, float y) => kind switch
    {
        // relu6(x + 3)/6 has slope 1/6 exactly where it is strictly between 0 and 1.
        ActivationKind.HardSigmoid => y > 0f && y < 1f ? 1f / 6f : 0f,
        ActivationKind.Relu => y > 0f ? 1f : 0f,
        ActivationKind.Elu => y > 0f ? 1f : y + 1f,
        ActivationKind.Selu => y > 0f ? SeluScale : y + (SeluScale * SeluAlpha),
        // σ(x) = 1 − e^−y where y = log(1 + e^x).
        ActivationKind.Softplus => 1f - MathF.Exp(-y),
        // y = x/(1+|x|) ⇒ 1/(1+|x|)² = (1 − |y|)².
        ActivationKind.Softsign => (1f - MathF.Abs(y)) * (1f - MathF.Abs(y)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
