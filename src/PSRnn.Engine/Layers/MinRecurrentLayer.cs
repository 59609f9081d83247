using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// What minGRU and minLSTM share (Feng et al. 2024, "Were RNNs All We Needed?"): gates that read the current input only,
/// so every step's gates come from one matrix product, and a recurrence h_t = a_t⊙h_{t−1} + b_t that is element-wise.
/// </summary>
/// <remarks>
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, g·U) with the cell's g gate blocks side by side (Keras's layout);
/// <c>bias</c> (g·U); P = x·W + b (B·T, g·U), one product for every step; output (B, T, U) with return_sequences (in
/// processing order, reversed under go_backwards, as the Keras recurrent layers), else the last h (B, U). h₀ = 0, as the
/// other recurrent layers and the reference implementation without a previous hidden state (a zero state is −∞ in log
/// space: the scan leaves its term out rather than adding exp(−∞)), or the carried <see cref="State"/>. The paper's
/// listing passes h₀ through g, which would start a zero state at 0.5; PSRnn does not.</para>
/// <para>Forward, two forms of one function. Step by step (prediction): h_t = a_t⊙h_{t−1} + b_t from the cell's a, b ≥ 0.
/// Log space (training; the paper's parallel scan): h_t = exp(a*_t + logcumsumexp_{k≤t}(log b_k − a*_k)) with
/// a*_t = Σ_{k≤t} log a_k. It is evaluated along time per lane with the prefix re-centred at every step,
/// L_t = a*_t + S_t = logaddexp(log a_t + L_{t−1}, log b_t), which is the same sum but never subtracts two large terms
/// (a* falls by about 0.7 a step, so a*_t + S_t would cancel ±70 after 100 steps in float32). The lanes (B·U) are the
/// parallelism on a CPU: batch chunks run on the compute threads.</para>
/// <para>Backward (the same for both forms, in value space): per step from the last, dh = dy_t + carry;
/// da = dh⊙h_{t−1}, db = dh give the cell's gate gradients dP_t; carry = a_t⊙dh. After the loop dW += xᵀ·dP,
/// db += Σ dP, dx = dP·Wᵀ.</para>
/// <para>Masking (Keras's semantics, as the other recurrent layers): at a masked step the state carries over (a = 1,
/// b = 0: h_t = h_{t−1}), so a returned sequence repeats the last real output there (zeros before the first real step);
/// in backward a masked step has no gate gradient and passes dh on unchanged.</para>
/// </remarks>
public abstract class MinRecurrentLayer : Layer, IStatefulLayer
{
    private readonly Activations _output = new();
    private readonly Activations _dx = new();
    private readonly BatchSplit _split = new();
    private readonly Action<int, int> _forwardRows;
    private readonly Action<int, int> _backwardRows;
    private Activations? _input;
    private SequenceMask? _mask;
    private bool _logSpace;
    private float[] _projection = [];
    private float[] _saved = [];
    private float[] _states = [];
    private float[] _dProjection = [];
    private float[] _scratch = [];
    private float[] _initial = [];
    private Activations? _outputGradient;
    private Parameter? _kernel;
    private Parameter? _bias;

    /// <summary>Sets the configuration.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return h of every step (B, T, U) instead of the last (B, U).</param>
    /// <param name="goBackwards">Process the steps from last to first.</param>
    /// <param name="useBias">Whether the gate projections add a bias.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    private protected MinRecurrentLayer(int units, bool returnSequences, bool goBackwards, bool useBias, string? name)
        : base(name)
    {
        Units = RequirePositive(units);
        ReturnSequences = returnSequences;
        GoBackwards = goBackwards;
        UseBias = useBias;
        _forwardRows = ForwardRows;
        _backwardRows = BackwardRows;
    }

    /// <summary>The state size.</summary>
    public int Units { get; }

    /// <summary>Whether the whole output sequence is returned (else the last state).</summary>
    public bool ReturnSequences { get; }

    /// <summary>Whether the input is processed from the last step to the first.</summary>
    public bool GoBackwards { get; }

    /// <summary>Whether the gate projections add a bias.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel's initializer (Keras name; glorot_uniform by default).</summary>
    public string KernelInitializer { get; init; } = "glorot_uniform";

    /// <summary>The bias's initializer (Keras name; zeros by default).</summary>
    public string BiasInitializer { get; init; } = "zeros";

    /// <summary>Gate blocks of U in the kernel: minGRU 2 (z, h), minLSTM 3 (f, i, h).</summary>
    public abstract int GateCount { get; }

    /// <summary>
    /// The carried state (h, one vector), or null for zeros at the start of every batch (streams and truncated BPTT set
    /// it). While set, Forward starts from it and leaves the state after the last step in it (a masked tail leaves it
    /// alone); Backward stops at it. Its batch must be the input's.
    /// </summary>
    public RecurrentState? State { get; set; }

    /// <inheritdoc />
    int? IStatefulLayer.StateVectors => 1;

    /// <inheritdoc />
    int IStatefulLayer.StateWidth => Units;

    /// <summary>Test hook: which form of the recurrence Forward evaluates (by default training's log-space scan, else step by step).</summary>
    internal MinScanMode ScanMode { get; set; }

    /// <summary>Test hook: the least work per chunk of the batch-parallel loops (see <see cref="BatchSplit"/>); 0 lets small layers split.</summary>
    internal long BatchSplitMinChunkMacs
    {
        get => _split.MinChunkMacs;
        set => _split.MinChunkMacs = value;
    }

    /// <summary>Test hook: the fewest batch rows per chunk of the batch-parallel loops (at least 2).</summary>
    internal int BatchSplitMinRows
    {
        get => _split.MinRows;
        set => _split.MinRows = value;
    }

    /// <summary>
    /// Floats of workspace per input row (sample and step) of a pass: the projection (g·U), the saved values, the
    /// states and the output (U each); training adds the projection's gradient and the input gradient.
    /// </summary>
    internal long WorkspacePerRow(int features, bool training) =>
        ((long)(GateCount + SavedCount + 2) * Units) + (training ? ((long)GateCount * Units) + features : 0);

    /// <summary>Values of U the cell saves per step for its backward.</summary>
    private protected abstract int SavedCount { get; }

    /// <summary>
    /// Step by step: from one step's pre-activations <paramref name="pre"/> (g·U) the cell's saved values (what
    /// <see cref="GateGradients"/> reads) and its coefficients a, b of h_t = a⊙h_{t−1} + b (U each).
    /// </summary>
    private protected abstract void Coefficients(ReadOnlySpan<float> pre, Span<float> saved, Span<float> a, Span<float> b, Span<float> scratch);

    /// <summary>Log space: from one step's pre-activations log a and log b (U each), computed from the logits (no log of a rounded gate).</summary>
    private protected abstract void LogCoefficients(ReadOnlySpan<float> pre, Span<float> logA, Span<float> logB, Span<float> scratch);

    /// <summary>
    /// One step back: from the step's pre-activations and saved values, dh (U, the gradient of h_t) and h_{t−1}, the
    /// gradient of the pre-activations into <paramref name="dPre"/> (g·U); then dh ← a⊙dh, the gradient of h_{t−1}.
    /// </summary>
    private protected abstract void GateGradients(ReadOnlySpan<float> pre, ReadOnlySpan<float> saved, Span<float> dh,
        ReadOnlySpan<float> previous, Span<float> dPre, Span<float> scratch);

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        Initializers.Initialize(KernelInitializer, _kernel!.Value, _kernel.Shape, rng);
        if (_bias is not null)
        {
            Initializers.Initialize(BiasInitializer, _bias.Value, _bias.Shape, rng);
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["units"] = Units,
            ["use_bias"] = UseBias,
            ["return_sequences"] = ReturnSequences,
            ["go_backwards"] = GoBackwards,
            ["kernel_initializer"] = KernelInitializer,
            ["bias_initializer"] = BiasInitializer,
        };
        AddRegularizerConfig(config);
        return config;
    }

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        _kernel = AddParameter("kernel", input.Features, GateCount * Units);
        _bias = UseBias ? AddParameter("bias", GateCount * Units) : null;
        return ReturnSequences ? SampleShape.Sequence(input.Time, Units) : SampleShape.Vector(Units);
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int batch = input.Batch, time = input.Time, features = input.Features, u = Units, g = GateCount * u;
        _mask = input.Mask is { AllReal: false } m ? m : null;
        if (_mask is not null && (_mask.Batch != batch || _mask.Time != time))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The sequence mask is {_mask.Batch} × {_mask.Time}, the input {batch} × {time}."), nameof(input));
        }

        _input = input;
        _logSpace = ScanMode == MinScanMode.LogSpace || (ScanMode == MinScanMode.Auto && training);
        int rows = input.Rows;
        RecurrentShared.Ensure(ref _projection, rows * g);
        RecurrentShared.Ensure(ref _saved, rows * SavedCount * u);
        RecurrentShared.Ensure(ref _states, rows * u);
        RecurrentShared.Ensure(ref _scratch, batch * ScratchWidth);
        RecurrentShared.Ensure(ref _initial, batch * u);
        if (State is { } state)
        {
            if (state.Batch != batch || state.Units != u || state.Count != 1)
            {
                throw new ModelException("StreamStateMismatch", string.Create(CultureInfo.InvariantCulture,
                    $"Layer '{Name}' ({KerasClassName}) was given a state of {state.Batch} sequences × {state.Units} units × {state.Count} vector(s); " +
                    $"the batch has {batch} sequences and the layer {u} units and one state vector."));
            }

            state.H.AsSpan(0, batch * u).CopyTo(_initial);
        }
        else
        {
            _initial.AsSpan(0, batch * u).Clear();
        }

        // P (B·T, g·U) = x (B·T, F)·W (F, g·U) + b: every step's gates in one product.
        Span<float> p = _projection.AsSpan(0, rows * g);
        if (_bias is not null)
        {
            for (int r = 0; r < rows; r++)
            {
                _bias.Value.CopyTo(p.Slice(r * g, g));
            }
        }

        Gemm.Multiply(false, false, rows, g, features, 1f, input.Span, _kernel!.Value, _bias is null ? 0f : 1f, p);
        _split.Run(batch, (long)SavedCount * u * 8, time, _forwardRows, _mask);
        if (State is { } carried && time > 0)
        {
            // The state after the last step (a masked tail carried it unchanged) is where the next call starts.
            for (int b = 0; b < batch; b++)
            {
                _states.AsSpan(((b * time) + time - 1) * u, u).CopyTo(carried.H.AsSpan(b * u, u));
            }
        }

        if (ReturnSequences)
        {
            _output.Resize(batch, time, u, true);
            _states.AsSpan(0, rows * u).CopyTo(_output.Span);
        }
        else
        {
            _output.Resize(batch, 1, u, false);
            for (int b = 0; b < batch; b++)
            {
                // No steps at all: the state it started from.
                ReadOnlySpan<float> last = time > 0 ? _states.AsSpan(((b * time) + time - 1) * u, u) : _initial.AsSpan(b * u, u);
                last.CopyTo(_output.Span.Slice(b * u, u));
            }
        }

        return _output;
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        if (outputGradient.Length != _output.Length)
        {
            throw new ArgumentException($"The output gradient has {outputGradient.Length} elements; the last output had {_output.Length}.",
                nameof(outputGradient));
        }

        int rows = input.Rows, features = input.Features, g = GateCount * Units;
        RecurrentShared.Ensure(ref _dProjection, rows * g);
        _outputGradient = outputGradient;
        _split.Run(input.Batch, (long)SavedCount * Units * 8, input.Time, _backwardRows, _mask);
        _outputGradient = null;

        // dW += xᵀ·dP  (F, B·T)·(B·T, g·U);  db += Σ dP;  dx = dP·Wᵀ  (B·T, g·U)·(g·U, F)
        ReadOnlySpan<float> dp = _dProjection.AsSpan(0, rows * g);
        Gemm.Multiply(true, false, features, g, rows, 1f, input.Span, dp, 1f, _kernel!.Gradient);
        if (_bias is not null)
        {
            RecurrentShared.AddColumnSums(dp, g, _bias.Gradient);
        }

        if (!computeInputGradient)
        {
            return null;
        }

        _dx.ResizeLike(input);
        Gemm.Multiply(false, true, rows, features, g, 1f, dp, _kernel.Value, 0f, _dx.Span);
        return _dx;
    }

    // Per sample: a, b and L (log space) or a, b (step by step), the cells' own scratch, and dh in backward.
    private int ScratchWidth => 6 * GateCount * Units;

    // The forward recurrence over samples [b0, b1): h rows in processing order, the cell's saved values by input step.
    private void ForwardRows(int b0, int b1)
    {
        int time = _input!.Time, u = Units, g = GateCount * u, saved = SavedCount * u;
        for (int b = b0; b < b1; b++)
        {
            Span<float> scratch = _scratch.AsSpan(b * ScratchWidth, ScratchWidth);
            Span<float> a = scratch[..u], bv = scratch.Slice(u, u), logH = scratch.Slice(2 * u, u), cell = scratch[(3 * u)..];
            ReadOnlySpan<float> initial = _initial.AsSpan(b * u, u);
            // L₀ = log h₀: −∞ for the zero state, whose term the scan then leaves out. A carried state is ≥ 0 when it
            // came from these layers; one set by hand below zero has no logarithm, so that sample runs step by step.
            bool logSpace = _logSpace && !TensorPrimitives.IsNegativeAny(initial);
            if (logSpace)
            {
                TensorPrimitives.Log(initial, logH);
            }

            for (int s = 0; s < time; s++)
            {
                int t = GoBackwards ? time - 1 - s : s, row = (b * time) + t;
                Span<float> h = _states.AsSpan(((b * time) + s) * u, u);
                ReadOnlySpan<float> previous = s == 0 ? initial : _states.AsSpan(((b * time) + s - 1) * u, u);
                if (_mask is not null && !_mask[b, t])
                {
                    previous.CopyTo(h); // a masked step keeps the state
                    continue;
                }

                ReadOnlySpan<float> pre = _projection.AsSpan(row * g, g);
                Coefficients(pre, _saved.AsSpan(row * saved, saved), a, bv, cell);
                if (logSpace)
                {
                    // L_t = logaddexp(log a_t + L_{t−1}, log b_t);  h_t = exp(L_t).
                    LogCoefficients(pre, a, bv, cell);
                    TensorPrimitives.Add(a, logH, a);
                    LogAddExp(a, bv, logH, cell[..u]);
                    TensorPrimitives.Exp(logH, h);
                }
                else
                {
                    // h_t = a⊙h_{t−1} + b
                    TensorPrimitives.FusedMultiplyAdd(a, previous, bv, h);
                }
            }
        }
    }

    // The backward recurrence over samples [b0, b1): dP by input step, zero at masked steps.
    private void BackwardRows(int b0, int b1)
    {
        Activations dy = _outputGradient!;
        int time = _input!.Time, u = Units, g = GateCount * u, saved = SavedCount * u;
        for (int b = b0; b < b1; b++)
        {
            Span<float> scratch = _scratch.AsSpan(b * ScratchWidth, ScratchWidth);
            Span<float> dh = scratch[..u], cell = scratch[(u)..];
            if (ReturnSequences)
            {
                dh.Clear();
            }
            else
            {
                dy.Span.Slice(b * u, u).CopyTo(dh);
            }

            for (int s = time - 1; s >= 0; s--)
            {
                int t = GoBackwards ? time - 1 - s : s, row = (b * time) + t;
                if (ReturnSequences)
                {
                    TensorPrimitives.Add(dh, dy.Span.Slice(((b * time) + s) * u, u), dh);
                }

                Span<float> dPre = _dProjection.AsSpan(row * g, g);
                if (_mask is not null && !_mask[b, t])
                {
                    dPre.Clear(); // the state carried over: dh passes to the step before unchanged
                    continue;
                }

                // The first step's state before is h₀ (zeros, or the carried state, where the gradient stops).
                ReadOnlySpan<float> previous = s == 0 ? _initial.AsSpan(b * u, u) : _states.AsSpan(((b * time) + s - 1) * u, u);
                GateGradients(_projection.AsSpan(row * g, g), _saved.AsSpan(row * saved, saved), dh, previous, dPre, cell);
            }
        }
    }

    /// <summary>into = logaddexp(p, q) = max(p, q) + log(1 + exp(−|p − q|)); −∞ in p (a zero state) gives q.</summary>
    private static void LogAddExp(ReadOnlySpan<float> p, ReadOnlySpan<float> q, Span<float> into, Span<float> scratch)
    {
        TensorPrimitives.Subtract(p, q, scratch);
        TensorPrimitives.Abs(scratch, scratch);
        TensorPrimitives.Negate(scratch, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        TensorPrimitives.LogP1(scratch, scratch);
        TensorPrimitives.Max(p, q, into);
        TensorPrimitives.Add(into, scratch, into);
    }

    /// <summary>into = softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^{−|x|}), without overflow. <paramref name="into"/> may be x.</summary>
    private protected static void SoftPlus(ReadOnlySpan<float> x, Span<float> into, Span<float> scratch)
    {
        TensorPrimitives.Abs(x, scratch);
        TensorPrimitives.Negate(scratch, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        TensorPrimitives.LogP1(scratch, scratch);
        TensorPrimitives.Max(x, 0f, into);
        TensorPrimitives.Add(into, scratch, into);
    }

    /// <summary>The paper's positive activation g(x) = x + 0.5 for x ≥ 0, σ(x) below: continuous, and never 0.</summary>
    private protected static void PositiveActivation(ReadOnlySpan<float> x, Span<float> into)
    {
        TensorPrimitives.Sigmoid(x, into);
        int i = 0;
        // The branch picked by vector masks: a scalar loop of compares cost as much as the sigmoid.
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, Vector<float>.Zero), v + new Vector<float>(0.5f), new Vector<float>(into[i..]))
                .CopyTo(into[i..]);
        }

        for (; i < x.Length; i++)
        {
            if (x[i] >= 0f)
            {
                into[i] = x[i] + 0.5f;
            }
        }
    }

    /// <summary>log g(x): log(x + 0.5) for x ≥ 0, log σ(x) = −softplus(−x) below (finite for any finite x).</summary>
    private protected static void LogPositiveActivation(ReadOnlySpan<float> x, Span<float> into, Span<float> scratch)
    {
        // Both branches vectorized, then picked: log(max(x, 0) + 0.5) and −softplus(−x) = min(x, 0) − log(1 + e^{−|x|}).
        TensorPrimitives.Max(x, 0f, into);
        TensorPrimitives.Add(into, 0.5f, into);
        TensorPrimitives.Log(into, into);
        TensorPrimitives.Abs(x, scratch);
        TensorPrimitives.Negate(scratch, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        TensorPrimitives.LogP1(scratch, scratch);
        int i = 0;
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), v - new Vector<float>(scratch[i..]), new Vector<float>(into[i..]))
                .CopyTo(into[i..]);
        }

        for (; i < x.Length; i++)
        {
            if (x[i] < 0f)
            {
                into[i] = x[i] - scratch[i];
            }
        }
    }

    /// <summary>g′(x) ⊙= into: 1 for x ≥ 0, σ(x)(1 − σ(x)) = g(1 − g) below, from g's values <paramref name="gValue"/>.</summary>
    private protected static void MultiplyPositiveActivationDerivative(ReadOnlySpan<float> x, ReadOnlySpan<float> gValue, Span<float> into)
    {
        int i = 0;
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            var gv = new Vector<float>(gValue[i..]);
            Vector<float> slope = Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), gv * (Vector<float>.One - gv), Vector<float>.One);
            (new Vector<float>(into[i..]) * slope).CopyTo(into[i..]);
        }

        for (; i < x.Length; i++)
        {
            if (x[i] < 0f)
            {
                into[i] *= gValue[i] * (1f - gValue[i]);
            }
        }
    }
}
