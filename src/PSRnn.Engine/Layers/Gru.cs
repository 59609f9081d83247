using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's GRU (Cho et al. 2014), gate order z, r, h (update, reset, candidate).
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, 3U); U <c>recurrent_kernel</c> (U, 3U); <c>bias</c> (2, 3U) with
/// reset_after (row 0 the input bias b_i, row 1 the recurrent bias b_r), else (3U); output (B, T, U) with
/// return_sequences, else the last state (B, U). σ is <see cref="RecurrentActivation"/>, g is
/// <see cref="RecurrentLayer.Activation"/>, m the recurrent dropout mask (1 when none), h₀ = 0.</para>
/// <para>Forward, reset_after = true (Keras's default, cuDNN/PyTorch style):
/// [x_z, x_r, x_h] = x·W + b_i;  [r_z, r_r, r_h] = (h⊙m)·U + b_r;
/// z = σ(x_z + r_z);  r = σ(x_r + r_r);  ĥ = g(x_h + r ⊙ r_h);  h′ = z⊙h + (1 − z)⊙ĥ.</para>
/// <para>Forward, reset_after = false: [x_z, x_r, x_h] = x·W + b;  z = σ(x_z + (h⊙m)·U_z);  r = σ(x_r + (h⊙m)·U_r);
/// ĥ = g(x_h + (r⊙h⊙m)·U_h);  h′ = z⊙h + (1 − z)⊙ĥ. The reset gate enters before the product with U_h, so a step needs
/// two matrix products: (h⊙m)·U_zr, then (r⊙h⊙m)·U_h.</para>
/// <para>Backward, per step (dh = upstream + carry): dz = dh⊙(h − ĥ)⊙σ′;  dĥ = dh⊙(1 − z)⊙g′;  carry = dh⊙z + m⊙(dh_m).
/// reset_after: dr = dĥ⊙r_h⊙σ′;  the recurrent gate gradient is [dz, dr, dĥ⊙r] and dh_m = it·Uᵀ.
/// reset_before: d(r⊙h⊙m) = dĥ·U_hᵀ;  dr = that⊙(h⊙m)⊙σ′;  dh_m = that⊙r + [dz, dr]·U_zrᵀ.
/// After the loop: dW += (x⊙mask)ᵀ·dG;  dU += (h⊙m)ᵀ·dG_rec (reset_before: U_zr from h⊙m, U_h from r⊙h⊙m);
/// db += column sums;  dx = (dG·Wᵀ)⊙mask.</para>
/// </summary>
/// <remarks>
/// <para>Layout: every per-step buffer is batch-major in the INPUT's time order, (B, T, ·): the gate buffer
/// (B, T, 3U) is the hoisted projection x·W (one GEMM for all steps), overwritten in place by z, r, ĥ; the masked
/// previous state h⊙m and r_h (reset_after: (h⊙m)·U_h + b_rh; reset_before: r⊙h⊙m) are (B, T, U). A step touches B rows
/// with stride T·3U, which the GEMM takes as a leading dimension, and the weight gradients after the loop pair rows of
/// x, h⊙m and dG directly. The states h are kept (B, T, U) in processing order, which is the returned sequence
/// (reversed under go_backwards, as Keras).</para>
/// <para>Threads: with two or more (<see cref="PSRnn.Engine.Tensors.ComputeThreads"/>) and a large enough batch, the
/// time loops run over contiguous chunks of the batch rows concurrently, each chunk's step products single-threaded
/// (<see cref="BatchSplit"/>); the input projection and the weight-gradient products stay whole. Rows do not interact
/// in the loop, so the bits are the same whatever the split.</para>
/// <para>Per step, reset_after: one GEMM (h⊙m)·U with beta = 1 into a (B, 3U) recurrent buffer that starts from the
/// bias rows [b_iz + b_rz, b_ir + b_rr, b_rh] (z and r only see the sum of both biases; b_rh stays inside r⊙(·)),
/// then one pass per row over the gate buffer (b_ih is added to the candidate there). reset_before: two GEMMs, as
/// above, each accumulating into the gate buffer (beta = 1), and a pass after each. The biases are added in the
/// passes, while a row is in L1, rather than broadcast over the whole (B, T, 3U) buffer before the projection.</para>
/// <para>Backward: per step one pass per row (a Vector&lt;float&gt; loop with a scalar tail) writes the gate gradients
/// and accumulates the bias sums per sample, then one GEMM gives d(h⊙m) (reset_before: two, around a second pass).
/// The per-sample sums are added in sample order after the loop, so a batch split (see <see cref="BatchSplit"/>) does not
/// change the bits. After the loop
/// dW, dU and dx are one GEMM each over all B·T rows (reset_before: dU in two, for U_zr and U_h).</para>
/// <para>Dropout: the base draws one input mask (B, F) and one recurrent mask (B, U) per batch and applies each to all
/// three gates, as Keras's implementation 2 does for the input. With recurrent_dropout Keras switches to
/// implementation 1, which draws a separate mask per gate (for x and for h); each gate then sees the same dropout
/// distribution as here, only the masks of different gates are independent there and shared here. The recurrent mask
/// multiplies h in the recurrent products only (reset_before: r⊙(h⊙m) before U_h); the blend z⊙h uses the unmasked
/// state, as Keras.</para>
/// <para>Activations: the derivatives are taken from the outputs, so g and σ must be one of linear, tanh, sigmoid,
/// hard_sigmoid, relu, elu, selu, softplus, softsign.</para>
/// </remarks>
public sealed class Gru : RecurrentLayer
{
    private const float SeluAlpha = 1.67326324f;
    private const float SeluScale = 1.05070098f;

    private readonly Activations _states = new();   // (B, T, U) processing order: the sequence output
    private readonly Activations _last = new();     // (B, U) last state when not returning sequences
    private readonly Activations _dx = new();
    private Activations? _input;
    private Parameter? _kernel;
    private Parameter? _recurrentKernel;
    private Parameter? _bias;
    private int _batch;
    private int _time;

    private float[] _gates = [];        // (B, T, 3U) input order: projection, then z, r, ĥ
    private float[] _prev = [];         // (B, T, U) input order: h⊙m before the step that reads input t
    private float[] _rh = [];           // (B, T, U) input order: reset_after r_h + b_rh; reset_before r⊙h⊙m
    private float[] _recStep = [];      // (B, 3U) reset_after: (h⊙m)·U of the current step
    private float[] _projBias = [];     // (3U) reset_after: [b_iz + b_rz, b_ir + b_rr, b_rh]
    private float[] _dGates = [];       // (B, T, 3U) input order: input-side gate gradients
    private float[] _dRec = [];         // (B, T, 3U) reset_after: recurrent-side gate gradients
    private float[] _carryZ = [];       // (B, U) dh⊙z of the step after
    private float[] _carryM = [];       // (B, U) d(h⊙m) of the step after
    private float[] _dResetIn = [];     // (B, U) reset_before: d(r⊙h⊙m)
    private float[] _dbAcc = [];        // (B, 4U) bias gradient sums of one Backward, per sample (chunk-independent)
    private float[] _dbSum = [];        // (4U) their sum over the batch, in sample order
    private float[] _recurrentT = [];   // (3U, U) the recurrent kernel transposed, for the reset_before backward loop

    // reset_after: U laid out for the forward steps' products and Uᵀ for the backward's, once per batch.
    private readonly PackedMatrix _packedU = new();
    private readonly PackedMatrix _packedUT = new();
    private bool _forwardPacked;
    private bool _backwardPacked;
    private float[] _zeros = [];        // (U) the state before the first step
    private float[] _dh = [];           // (B, U) scratch: one U row per batch chunk, at the chunk's first row
    private float[] _d1 = [];           // (B, U) scratch, likewise
    private float[] _d2 = [];           // (B, U) scratch, likewise
    private float[] _d3 = [];           // (B, U) scratch, likewise

    // The batch-chunk bodies of the time loops (created once: no allocation per batch), and the output gradient the
    // backward loop reads.
    private readonly Action<int, int> _forwardRows;
    private readonly Action<int, int> _backwardRows;
    private Activations? _outputGradient;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return (B, T, U) instead of the last state.</param>
    /// <param name="goBackwards">Process the steps from last to first.</param>
    /// <param name="dropout">Keras's dropout on the inputs.</param>
    /// <param name="recurrentDropout">Keras's recurrent_dropout on the state.</param>
    /// <param name="resetAfter">Keras's reset_after (default true: bias (2, 3U), reset applied after the product).</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public Gru(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0f,
        float recurrentDropout = 0f, bool resetAfter = true, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
        ResetAfter = resetAfter;
        _forwardRows = ForwardRows;
        _backwardRows = BackwardRows;
    }

    /// <inheritdoc />
    public override string KerasClassName => "GRU";

    /// <summary>Keras's reset_after: whether the reset gate multiplies h·U_h (true) or h before the product (false).</summary>
    public bool ResetAfter { get; }

    /// <summary>Keras's recurrent_activation for the z and r gates: sigmoid by default (hard_sigmoid allowed).</summary>
    public ActivationKind RecurrentActivation { get; init; } = ActivationKind.Sigmoid;

    /// <inheritdoc />
    public override RecurrentLayer CreateTwin(bool goBackwards, string name) =>
        new Gru(Units, ReturnSequences, goBackwards, Dropout, RecurrentDropout, ResetAfter, name)
        {
            Activation = Activation,
            RecurrentActivation = RecurrentActivation,
            UseBias = UseBias,
            KernelInitializer = KernelInitializer,
            RecurrentInitializer = RecurrentInitializer,
            BiasInitializer = BiasInitializer,
        };

    /// <inheritdoc />
    protected override void AddConfig(IDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config["recurrent_activation"] = RecurrentActivation.KerasName();
        config["reset_after"] = ResetAfter;
    }

    /// <inheritdoc />
    protected override void CreateParameters(int inputFeatures)
    {
        RequireOutputDerivative(Activation, "activation");
        RequireOutputDerivative(RecurrentActivation, "recurrent_activation");
        int g = 3 * Units;
        _kernel = AddParameter("kernel", inputFeatures, g);
        _recurrentKernel = AddParameter("recurrent_kernel", Units, g);
        _bias = !UseBias ? null : ResetAfter ? AddParameter("bias", 2, g) : AddParameter("bias", g);
    }

    /// <inheritdoc />
    protected override void InitializeWeights(Rng rng)
    {
        Initializers.Initialize(KernelInitializer, _kernel!.Value, _kernel.Shape, rng);
        Initializers.Initialize(RecurrentInitializer, _recurrentKernel!.Value, _recurrentKernel.Shape, rng);
        if (_bias is not null)
        {
            Initializers.Initialize(BiasInitializer, _bias.Value, _bias.Shape, rng);
        }
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        Parameter kernel = _kernel!;
        _input = input;
        int batch = input.Batch, time = input.Time, u = Units, g = 3 * u;
        PrepareDropout(batch, input.Features, training);

        EnsureWorkspace(batch, time);
        _states.Resize(batch, time, u, true);
        // x·W only (beta = 0): the steps add the biases while the rows are in L1.
        ProjectInputs(input, kernel.Value, default, g, _gates);
        PrepareStepBias();

        // The state before the first step is zero.
        int first = InputStep(0, time);
        for (int b = 0; b < batch; b++)
        {
            _prev.AsSpan(((b * time) + first) * u, u).Clear();
        }

        _forwardPacked = ResetAfter && PackRecurrent(false, Units, 3 * Units, _recurrentKernel!.Value, 3 * Units, _packedU, batch, time);
        RunBatchChunks(batch, 3L * Units * Units, time, _forwardRows);
        if (ReturnSequences)
        {
            return _states;
        }

        _last.Resize(batch, 1, u, false);
        for (int b = 0; b < batch; b++)
        {
            _states.Buffer.AsSpan(((b * time) + time - 1) * u, u).CopyTo(_last.Buffer.AsSpan(b * u, u));
        }

        return _last;
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        int batch = _batch, time = _time, u = Units, g = 3 * u, rows = batch * time;
        if (outputGradient.Batch != batch || outputGradient.Features != u
            || outputGradient.Time != (ReturnSequences ? time : 1))
        {
            throw new ArgumentException($"The output gradient is {outputGradient.SampleShape} for a batch of {outputGradient.Batch}; " +
                $"the last Forward returned {batch} × {(ReturnSequences ? SampleShape.Sequence(time, u) : SampleShape.Vector(u))}.",
                nameof(outputGradient));
        }

        _carryZ.AsSpan(0, batch * u).Clear();
        _carryM.AsSpan(0, batch * u).Clear();
        _dbAcc.AsSpan(0, batch * 4 * u).Clear();
        _backwardPacked = ResetAfter && PackRecurrent(true, g, u, _recurrentKernel!.Value, g, _packedUT, batch, time);
        if (!ResetAfter)
        {
            Grow(ref _recurrentT, g * u);
            RecurrentShared.Transpose(_recurrentKernel!.Value, u, g, _recurrentT);
        }
        _outputGradient = outputGradient;
        RunBatchChunks(batch, 3L * Units * Units, time, _backwardRows);
        _outputGradient = null;

        // The per-sample bias sums, added in sample order: the same bits however the batch was split.
        Span<float> dbSum = _dbSum.AsSpan(0, 4 * u);
        dbSum.Clear();
        RecurrentShared.AddColumnSums(_dbAcc.AsSpan(0, batch * 4 * u), 4 * u, dbSum);

        // Weight gradients: one product over all B·T steps each.
        Parameter kernel = _kernel!, recurrent = _recurrentKernel!;
        int features = input.Features;
        Span<float> dGates = _dGates.AsSpan(0, rows * g);
        Gemm.Multiply(true, false, features, g, rows, 1f, DroppedInput(input), dGates, 1f, kernel.Gradient);
        if (ResetAfter)
        {
            Span<float> dRec = _dRec.AsSpan(0, rows * g);
            Gemm.Multiply(true, false, u, g, rows, 1f, _prev.AsSpan(0, rows * u), dRec, 1f, recurrent.Gradient);
            if (_bias is not null)
            {
                // Sums of [dz, dr, dĥ] (input side) and of [dz, dr, dĥ⊙r] (recurrent side), from the loop.
                Span<float> db = _bias.Gradient;
                TensorPrimitives.Add(db[..g], dbSum[..g], db[..g]);
                TensorPrimitives.Add(db.Slice(g, 2 * u), dbSum[..(2 * u)], db.Slice(g, 2 * u));
                TensorPrimitives.Add(db[(g + (2 * u))..], dbSum.Slice(3 * u, u), db[(g + (2 * u))..]);
            }
        }
        else
        {
            // dU_zr += (h⊙m)ᵀ·dG_zr;  dU_h += (r⊙h⊙m)ᵀ·dG_h.
            Gemm.Multiply(true, false, u, 2 * u, rows, 1f, _prev, u, dGates, g, 1f, recurrent.Gradient, g);
            Gemm.Multiply(true, false, u, u, rows, 1f, _rh, u, dGates[(2 * u)..], g, 1f, recurrent.Gradient.AsSpan(2 * u), g);
            if (_bias is not null)
            {
                TensorPrimitives.Add(_bias.Gradient, dbSum[..g], _bias.Gradient);
            }
        }

        return computeInputGradient ? InputGradient(input, dGates, g, kernel, _dx) : null;
    }

    // The forward time loop over batch rows [b0, b1): each step's products and passes touch only these rows.
    private void ForwardRows(int b0, int b1)
    {
        int time = _time;
        for (int s = 0; s < time; s++)
        {
            if (ResetAfter)
            {
                StepResetAfter(s, InputStep(s, time), b0, b1);
            }
            else
            {
                StepResetBefore(s, InputStep(s, time), b0, b1);
            }
        }
    }

    // The backward time loop (gate gradients only) over batch rows [b0, b1).
    private void BackwardRows(int b0, int b1)
    {
        int time = _time;
        ReadOnlySpan<float> dOut = _outputGradient!.Span;
        for (int s = time - 1; s >= 0; s--)
        {
            if (ResetAfter)
            {
                BackStepResetAfter(dOut, s, InputStep(s, time), b0, b1);
            }
            else
            {
                BackStepResetBefore(dOut, s, InputStep(s, time), b0, b1);
            }
        }
    }

    // reset_after forward step s (reading input step t): rec = [b_iz + b_rz, b_ir + b_rr, b_rh] + (h⊙m)·U (one GEMM,
    // beta = 1 onto the bias rows), then per row z = σ(P_z + rec_z), r = σ(P_r + rec_r), ĥ = g(P_h + b_ih + r⊙rec_h),
    // h′ = ĥ + z⊙(h − ĥ). P holds x·W only: adding the bias here, in L1, spares a pass over the whole (B, T, 3U) buffer.
    private void StepResetAfter(int s, int t, int b0, int b1)
    {
        int rows = b1 - b0, time = _time, u = Units, g = 3 * u;
        Span<float> rec = _recStep.AsSpan(b0 * g, rows * g);
        if (_bias is not null)
        {
            for (int r = 0; r < rows; r++)
            {
                _projBias.AsSpan(0, g).CopyTo(rec.Slice(r * g, g));
            }
        }
        else if (s == 0)
        {
            rec.Clear();
        }

        if (s > 0)
        {
            StepProduct(_forwardPacked, false, rows, g, u, _prev.AsSpan(((b0 * time) + t) * u), time * u,
                _recurrentKernel!.Value, g, _packedU, _bias is null ? 0f : 1f, rec, g);
        }

        ReadOnlySpan<float> biasH = _bias is null ? default : _bias.Value.AsSpan(2 * u, u);
        for (int b = b0; b < b1; b++)
        {
            Span<float> gate = _gates.AsSpan(((b * time) + t) * g, g);
            Span<float> zr = gate[..(2 * u)], hh = gate[(2 * u)..];
            ReadOnlySpan<float> rc = rec.Slice((b - b0) * g, g);
            Span<float> rh = _rh.AsSpan(((b * time) + t) * u, u);
            TensorPrimitives.Add(zr, rc[..(2 * u)], zr);
            ActivationFunctions.Forward(RecurrentActivation, zr, zr, u);
            rc[(2 * u)..].CopyTo(rh);
            if (!biasH.IsEmpty)
            {
                TensorPrimitives.Add(hh, biasH, hh);
            }

            TensorPrimitives.MultiplyAdd(zr.Slice(u, u), rh, hh, hh);
            ActivationFunctions.Forward(Activation, hh, hh, u);
            Blend(b, s, zr[..u], hh, b0);
        }
    }

    // reset_before forward step: P_zr += (h⊙m)·U_zr; z, r; r_h = r⊙h⊙m; P_h += r_h·U_h; ĥ; blend. Biases added per row.
    private void StepResetBefore(int s, int t, int b0, int b1)
    {
        int rows = b1 - b0, time = _time, u = Units, g = 3 * u, first = (b0 * time) + t;
        float[] recurrent = _recurrentKernel!.Value;
        if (s > 0)
        {
            Gemm.Multiply(false, false, rows, 2 * u, u, 1f, _prev.AsSpan(first * u), time * u, recurrent, g, 1f,
                _gates.AsSpan(first * g), time * g);
        }

        ReadOnlySpan<float> biasZr = _bias is null ? default : _bias.Value.AsSpan(0, 2 * u);
        ReadOnlySpan<float> biasH = _bias is null ? default : _bias.Value.AsSpan(2 * u, u);
        for (int b = b0; b < b1; b++)
        {
            Span<float> zr = _gates.AsSpan(((b * time) + t) * g, 2 * u);
            if (!biasZr.IsEmpty)
            {
                TensorPrimitives.Add(zr, biasZr, zr);
            }

            ActivationFunctions.Forward(RecurrentActivation, zr, zr, u);
            Span<float> rh = _rh.AsSpan(((b * time) + t) * u, u);
            TensorPrimitives.Multiply(zr.Slice(u, u), _prev.AsSpan(((b * time) + t) * u, u), rh);
        }

        if (s > 0)
        {
            Gemm.Multiply(false, false, rows, u, u, 1f, _rh.AsSpan(first * u), time * u, recurrent.AsSpan(2 * u), g, 1f,
                _gates.AsSpan((first * g) + (2 * u)), time * g);
        }

        for (int b = b0; b < b1; b++)
        {
            Span<float> gate = _gates.AsSpan(((b * time) + t) * g, g);
            Span<float> hh = gate[(2 * u)..];
            if (!biasH.IsEmpty)
            {
                TensorPrimitives.Add(hh, biasH, hh);
            }

            ActivationFunctions.Forward(Activation, hh, hh, u);
            Blend(b, s, gate[..u], hh, b0);
        }
    }

    // h′ = ĥ + z⊙(h − ĥ) into the states; h′⊙m into the previous-state slot of the next step. Scratch at row b0.
    private void Blend(int b, int s, ReadOnlySpan<float> z, ReadOnlySpan<float> hh, int b0)
    {
        int time = _time, u = Units;
        Span<float> h = _states.Buffer.AsSpan(((b * time) + s) * u, u);
        Span<float> tmp = _d1.AsSpan(b0 * u, u);
        if (s == 0)
        {
            // h = 0: h′ = ĥ − z⊙ĥ.
            TensorPrimitives.Multiply(z, hh, tmp);
            TensorPrimitives.Subtract(hh, tmp, h);
        }
        else
        {
            TensorPrimitives.Subtract(_states.Buffer.AsSpan(((b * time) + s - 1) * u, u), hh, tmp);
            TensorPrimitives.MultiplyAdd(tmp, z, hh, h);
        }

        if (s + 1 < time)
        {
            Span<float> next = _prev.AsSpan(((b * time) + InputStep(s + 1, time)) * u, u);
            ReadOnlySpan<float> mask = RecurrentMask;
            if (mask.IsEmpty)
            {
                h.CopyTo(next);
            }
            else
            {
                TensorPrimitives.Multiply(h, mask.Slice(b * u, u), next);
            }
        }
    }

    // dh = carry_z + m⊙carry_m, plus this step's upstream gradient; in _dh's row b0 (the chunk's scratch).
    private Span<float> IncomingGradient(ReadOnlySpan<float> dOut, int b, int s, int b0)
    {
        int time = _time, u = Units;
        Span<float> dh = _dh.AsSpan(b0 * u, u);
        ReadOnlySpan<float> carryZ = _carryZ.AsSpan(b * u, u), carryM = _carryM.AsSpan(b * u, u);
        ReadOnlySpan<float> mask = RecurrentMask;
        if (mask.IsEmpty)
        {
            TensorPrimitives.Add(carryZ, carryM, dh);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(carryM, mask.Slice(b * u, u), carryZ, dh);
        }

        if (ReturnSequences)
        {
            TensorPrimitives.Add(dh, dOut.Slice(((b * time) + s) * u, u), dh);
        }
        else if (s == time - 1)
        {
            TensorPrimitives.Add(dh, dOut.Slice(b * u, u), dh);
        }

        return dh;
    }

    // The unmasked state before step s of sample b (zeros before the first).
    private ReadOnlySpan<float> PreviousState(int b, int s) =>
        s == 0 ? _zeros.AsSpan(0, Units) : _states.Buffer.AsSpan(((b * _time) + s - 1) * Units, Units);

    // reset_after backward step. Per row, in one vector loop (σ′, g′ from the outputs first):
    // dz = dh⊙(h − ĥ)⊙σ′(z);  dĥ = dh⊙(1 − z)⊙g′(ĥ);  dr = dĥ⊙r_h⊙σ′(r);  carry_z = dh⊙z;
    // input-side dG = [dz, dr, dĥ], recurrent-side [dz, dr, dĥ⊙r]; bias sums accumulate while the row is in L1.
    // Then d(h⊙m) = dG_rec·Uᵀ, one GEMM (B, 3U)·(3U, U).
    private void BackStepResetAfter(ReadOnlySpan<float> dOut, int s, int t, int b0, int b1)
    {
        int rows = b1 - b0, time = _time, u = Units, g = 3 * u;
        Span<float> dSz = _d1.AsSpan(b0 * u, u), dGh = _d2.AsSpan(b0 * u, u), dSr = _d3.AsSpan(b0 * u, u);
        for (int b = b0; b < b1; b++)
        {
            int row = (b * time) + t;
            Span<float> acc = _dbAcc.AsSpan(b * 4 * u, 4 * u);
            ReadOnlySpan<float> dh = IncomingGradient(dOut, b, s, b0);
            ReadOnlySpan<float> gate = _gates.AsSpan(row * g, g);
            ReadOnlySpan<float> z = gate[..u], r = gate.Slice(u, u), hh = gate[(2 * u)..];
            OutputDerivative(RecurrentActivation, z, dSz);
            OutputDerivative(RecurrentActivation, r, dSr);
            OutputDerivative(Activation, hh, dGh);
            ReadOnlySpan<float> prev = PreviousState(b, s), rh = _rh.AsSpan(row * u, u);
            Span<float> dGate = _dGates.AsSpan(row * g, g), dRec = _dRec.AsSpan(row * g, g);
            Span<float> carryZ = _carryZ.AsSpan(b * u, u);
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

        if (s > 0)
        {
            // d(h⊙m) = dG_rec·Uᵀ  (B, 3U)·(3U, U)
            StepProduct(_backwardPacked, true, rows, u, g, _dRec.AsSpan(((b0 * time) + t) * g), time * g,
                _recurrentKernel!.Value, g, _packedUT, 0f, _carryM.AsSpan(b0 * u), u);
        }
    }

    // reset_before backward step: pass 1 gives dz, dĥ and carry_z; d(r⊙h⊙m) = dĥ·U_hᵀ (GEMM); pass 2 gives
    // dr = that⊙(h⊙m)⊙σ′(r) and carry_m = that⊙r; then carry_m += [dz, dr]·U_zrᵀ (GEMM, beta = 1).
    private void BackStepResetBefore(ReadOnlySpan<float> dOut, int s, int t, int b0, int b1)
    {
        int rows = b1 - b0, time = _time, u = Units, g = 3 * u, first = (b0 * time) + t;
        Span<float> dSz = _d1.AsSpan(b0 * u, u), dGh = _d2.AsSpan(b0 * u, u), dSr = _d3.AsSpan(b0 * u, u);
        int vl = Vector<float>.Count;
        for (int b = b0; b < b1; b++)
        {
            int row = (b * time) + t;
            Span<float> acc = _dbAcc.AsSpan(b * 4 * u, g);
            ReadOnlySpan<float> dh = IncomingGradient(dOut, b, s, b0);
            ReadOnlySpan<float> gate = _gates.AsSpan(row * g, g);
            ReadOnlySpan<float> z = gate[..u], hh = gate[(2 * u)..];
            OutputDerivative(RecurrentActivation, z, dSz);
            OutputDerivative(Activation, hh, dGh);
            ReadOnlySpan<float> prev = PreviousState(b, s);
            Span<float> dGate = _dGates.AsSpan(row * g, g), carryZ = _carryZ.AsSpan(b * u, u);
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

        if (s == 0)
        {
            // h = 0 before the first step: r multiplied zero, so dr = 0 and nothing flows further.
            for (int b = b0; b < b1; b++)
            {
                _dGates.AsSpan((((b * time) + t) * g) + u, u).Clear();
            }

            return;
        }

        // The transposed kernel: rows 0..2U are U_zrᵀ, rows 2U..3U are U_hᵀ.
        float[] recurrentT = _recurrentT;
        // d(r⊙h⊙m) = dĥ·U_hᵀ  (B, U)·(U, U)
        Gemm.Multiply(false, false, rows, u, u, 1f, _dGates.AsSpan((first * g) + (2 * u)), time * g,
            recurrentT.AsSpan(2 * u * u), u, 0f, _dResetIn.AsSpan(b0 * u), u);
        for (int b = b0; b < b1; b++)
        {
            int row = (b * time) + t;
            ReadOnlySpan<float> r = _gates.AsSpan((row * g) + u, u);
            OutputDerivative(RecurrentActivation, r, dSr);
            ReadOnlySpan<float> prev = _prev.AsSpan(row * u, u);
            ReadOnlySpan<float> dIn = _dResetIn.AsSpan(b * u, u);
            Span<float> dr = _dGates.AsSpan((row * g) + u, u), carryM = _carryM.AsSpan(b * u, u);
            Span<float> accR = _dbAcc.AsSpan((b * 4 * u) + u, u);
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
        Gemm.Multiply(false, false, rows, u, 2 * u, 1f, _dGates.AsSpan(first * g), time * g, recurrentT, u, 1f,
            _carryM.AsSpan(b0 * u), u);
    }

    // reset_after: the rows the recurrent buffer starts from, [b_iz + b_rz, b_ir + b_rr, b_rh]: z and r only see the sum
    // of both biases, while b_rh stays inside r⊙(·) and b_ih is added to the candidate per row.
    private void PrepareStepBias()
    {
        if (_bias is null || !ResetAfter)
        {
            return;
        }

        int u = Units, g = 3 * u;
        float[] bias = _bias.Value;
        Span<float> rows = _projBias.AsSpan(0, g);
        bias.AsSpan(g, g).CopyTo(rows);
        TensorPrimitives.Add(rows[..(2 * u)], bias.AsSpan(0, 2 * u), rows[..(2 * u)]);
    }

    private void EnsureWorkspace(int batch, int time)
    {
        _batch = batch;
        _time = time;
        int u = Units, g = 3 * u, rows = batch * time;
        Grow(ref _gates, rows * g);
        Grow(ref _prev, rows * u);
        Grow(ref _rh, rows * u);
        Grow(ref _dGates, rows * g);
        Grow(ref _carryZ, batch * u);
        Grow(ref _carryM, batch * u);
        Grow(ref _dh, batch * u);
        Grow(ref _d1, batch * u);
        Grow(ref _d2, batch * u);
        Grow(ref _d3, batch * u);
        Grow(ref _dbAcc, batch * 4 * u);
        Grow(ref _dbSum, 4 * u);
        Grow(ref _zeros, u);
        if (ResetAfter)
        {
            Grow(ref _recStep, batch * g);
            Grow(ref _projBias, g);
            Grow(ref _dRec, rows * g);
        }
        else
        {
            Grow(ref _dResetIn, batch * u);
        }
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
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

    private void RequireOutputDerivative(ActivationKind kind, string setting)
    {
        if (kind is ActivationKind.Softmax or ActivationKind.Swish)
        {
            throw new ModelException("UnsupportedRecurrentActivation",
                $"Layer '{Name}' (GRU) cannot use {kind.KerasName()} as its {setting}: choose tanh, sigmoid, hard_sigmoid, " +
                "relu, elu, selu, softplus, softsign or linear.");
        }
    }
}
