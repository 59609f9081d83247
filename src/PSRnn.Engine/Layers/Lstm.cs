using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's LSTM (gate order i, f, c, o), with zero initial state.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, 4U); U <c>recurrent_kernel</c> (U, 4U); b <c>bias</c> (4U); output
/// (B, T, U) with return_sequences, else the last h (B, U).</para>
/// <para>Forward, per step (σ the recurrent activation, φ the activation, m the recurrent dropout mask):
/// z = x_t·W + (h_{t−1}⊙m)·U + b;  i = σ(z_i), f = σ(z_f), g = φ(z_c), o = σ(z_o);
/// c_t = f⊙c_{t−1} + i⊙g;  h_t = o⊙φ(c_t).</para>
/// <para>Backward, per step from the last: dh = dy_t + dh_next;  do = dh⊙φ(c_t);
/// dc = dc_next + dh⊙o⊙φ′(c_t);  di = dc⊙g;  dg = dc⊙i;  df = dc⊙c_{t−1};  dc_next = dc⊙f;
/// dz = (di, df, dg, do)⊙(σ′, σ′, φ′, σ′);  dh_next = (dz·Uᵀ)⊙m. After the loop:
/// dW += x̃ᵀ·dZ, dU += H̃ᵀ·dZ, db += Σ dZ, dx = (dZ·Wᵀ)⊙(input mask), with x̃ the dropped input and H̃ the dropped
/// previous states of every step.</para>
/// <para>Workspace layout: the gate buffers Z (pre-activations), A (activated gates) and dZ are batch-major in the
/// input's time order, (B·T, 4U) with row b·T + t, so the hoisted input projection writes Z directly and each step's
/// h·U adds into rows b·T + t (row stride T·4U). H̃ (the dropped state each input step received) uses the same order.
/// The cell states c and φ(c) are kept in processing order (row b·T + s).</para>
/// <para>Threads: with two or more (<see cref="PSRnn.Engine.Tensors.ComputeThreads"/>) and a large enough batch, the
/// time loops run over contiguous chunks of the batch rows concurrently, each chunk's step products single-threaded
/// (<see cref="BatchSplit"/>); the input projection and the weight-gradient products stay whole. Rows do not interact
/// in the loop, so the bits are the same whatever the split.</para>
/// </summary>
public sealed class Lstm : RecurrentLayer
{
    private readonly ActivationKind _recurrentActivation = ActivationKind.Sigmoid;
    private readonly Activations _output = new();
    private readonly Activations _dx = new();
    private Activations? _input;
    private Parameter? _kernel;
    private Parameter? _recurrentKernel;
    private Parameter? _bias;

    // (B·T, 4U), input time order.
    private float[] _z = [];
    private float[] _a = [];
    private float[] _dz = [];

    // (B·T, U): dropped h fed to input step t (input order); c_t and φ(c_t) (processing order).
    private float[] _hPrev = [];
    private float[] _c = [];
    private float[] _tc = [];

    // (B, U) carries of the backward loop, and row scratch (one U row per batch chunk, at the chunk's first row).
    private float[] _dhNext = [];
    private float[] _dcNext = [];
    private float[] _dh = [];
    private float[] _dc = [];

    // The recurrent kernel laid out for the step products, once per batch: U for the forward loop, Uᵀ for the backward.
    private readonly PackedMatrix _packedU = new();
    private readonly PackedMatrix _packedUT = new();
    private bool _forwardPacked;
    private bool _backwardPacked;

    // The batch-chunk bodies of the time loops (created once: no allocation per batch), and the output gradient the
    // backward loop reads.
    private readonly Action<int, int> _forwardRows;
    private readonly Action<int, int> _backwardRows;
    private Activations? _outputGradient;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return h of every step (B, T, U) instead of the last (B, U).</param>
    /// <param name="goBackwards">Process the steps from last to first (the returned sequence is in that order).</param>
    /// <param name="dropout">Keras's dropout on the inputs.</param>
    /// <param name="recurrentDropout">Keras's recurrent_dropout on h_{t−1}.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public Lstm(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0f,
        float recurrentDropout = 0f, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
        _forwardRows = ForwardRows;
        _backwardRows = BackwardRows;
    }

    /// <inheritdoc />
    public override string KerasClassName => "LSTM";

    /// <summary>Keras's recurrent_activation of the i, f and o gates: sigmoid (default) or hard_sigmoid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Another activation.</exception>
    public ActivationKind RecurrentActivation
    {
        get => _recurrentActivation;
        init
        {
            if (value is not (ActivationKind.Sigmoid or ActivationKind.HardSigmoid))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The recurrent activation must be sigmoid or hard_sigmoid.");
            }

            _recurrentActivation = value;
        }
    }

    /// <summary>Keras's unit_forget_bias: the forget-gate slice of the bias starts at 1 (the rest from the bias initializer).</summary>
    public bool UnitForgetBias { get; init; } = true;

    /// <inheritdoc />
    public override RecurrentLayer CreateTwin(bool goBackwards, string name) =>
        new Lstm(Units, ReturnSequences, goBackwards, Dropout, RecurrentDropout, name)
        {
            Activation = Activation,
            UseBias = UseBias,
            KernelInitializer = KernelInitializer,
            RecurrentInitializer = RecurrentInitializer,
            BiasInitializer = BiasInitializer,
            RecurrentActivation = RecurrentActivation,
            UnitForgetBias = UnitForgetBias,
        };

    /// <inheritdoc />
    protected override void AddConfig(IDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config["recurrent_activation"] = RecurrentActivation.KerasName();
        config["unit_forget_bias"] = UnitForgetBias;
    }

    /// <inheritdoc />
    protected override void CreateParameters(int inputFeatures)
    {
        RecurrentShared.CheckActivation(this);
        _kernel = AddParameter("kernel", inputFeatures, 4 * Units);
        _recurrentKernel = AddParameter("recurrent_kernel", Units, 4 * Units);
        _bias = UseBias ? AddParameter("bias", 4 * Units) : null;
    }

    /// <inheritdoc />
    protected override void InitializeWeights(Rng rng)
    {
        Initializers.Initialize(KernelInitializer, _kernel!.Value, _kernel.Shape, rng);
        Initializers.Initialize(RecurrentInitializer, _recurrentKernel!.Value, _recurrentKernel.Shape, rng);
        if (_bias is null)
        {
            return;
        }

        int u = Units;
        if (UnitForgetBias)
        {
            // Keras: concatenate(init((U,)), ones((U,)), init((2U,))) — two separate draws of the bias initializer.
            Initializers.Initialize(BiasInitializer, _bias.Value.AsSpan(0, u), [u], rng);
            _bias.Value.AsSpan(u, u).Fill(1f);
            Initializers.Initialize(BiasInitializer, _bias.Value.AsSpan(2 * u, 2 * u), [2 * u], rng);
        }
        else
        {
            Initializers.Initialize(BiasInitializer, _bias.Value, _bias.Shape, rng);
        }
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        _input = input;
        int batch = input.Batch, time = input.Time, u = Units, g = 4 * u;
        PrepareDropout(batch, input.Features, training);

        int rows = batch * time;
        RecurrentShared.Ensure(ref _z, rows * g);
        RecurrentShared.Ensure(ref _a, rows * g);
        RecurrentShared.Ensure(ref _hPrev, rows * u);
        RecurrentShared.Ensure(ref _c, rows * u);
        RecurrentShared.Ensure(ref _tc, rows * u);
        if (ReturnSequences)
        {
            _output.Resize(batch, time, u, true);
        }
        else
        {
            _output.Resize(batch, 1, u, false);
        }

        ProjectInputs(input, _kernel!.Value, _bias is null ? [] : _bias.Value, g, _z.AsSpan(0, rows * g));
        _forwardPacked = PackRecurrent(false, u, g, _recurrentKernel!.Value, g, _packedU, batch, time);
        RunBatchChunks(batch, 4L * Units * Units, time, _forwardRows);
        return _output;
    }

    // The forward time loop over batch rows [b0, b1): each step's product and pass touch only these rows.
    private void ForwardRows(int b0, int b1)
    {
        int time = _input!.Time, u = Units, g = 4 * u, rows = b1 - b0;
        Span<float> z = _z.AsSpan(b0 * time * g, rows * time * g);
        Span<float> hPrev = _hPrev.AsSpan(b0 * time * u, rows * time * u);
        ReadOnlySpan<float> recurrentMask = RecurrentMask;
        float[] w = _recurrentKernel!.Value;
        Span<float> output = _output.Span;
        for (int s = 0; s < time; s++)
        {
            int t = InputStep(s, time);
            if (s == 0)
            {
                // h_{-1} = 0: no recurrent product; H̃ rows of the first step are zero for dU.
                for (int r = 0; r < rows; r++)
                {
                    hPrev.Slice(((r * time) + t) * u, u).Clear();
                }
            }
            else
            {
                // Z[:, t] += H̃[:, t]·U   (rows, U)·(U, 4U), rows strided by T.
                StepProduct(_forwardPacked, false, rows, g, u, hPrev[(t * u)..], time * u, w, g, _packedU, 1f, z[(t * g)..], time * g);
            }

            int tNext = s + 1 < time ? InputStep(s + 1, time) : -1;
            for (int b = b0; b < b1; b++)
            {
                int gateRow = ((b * time) + t) * g;
                int cRow = ((b * time) + s) * u;
                Span<float> h = ReturnSequences ? output.Slice(cRow, u)
                    : tNext < 0 ? output.Slice(b * u, u)
                    : _hPrev.AsSpan(((b * time) + tNext) * u, u);
                StepForward(_z.AsSpan(gateRow, g), _a.AsSpan(gateRow, g), s == 0 ? [] : _c.AsSpan(cRow - u, u),
                    _c.AsSpan(cRow, u), _tc.AsSpan(cRow, u), h);
                if (tNext >= 0)
                {
                    Span<float> next = _hPrev.AsSpan(((b * time) + tNext) * u, u);
                    if (recurrentMask.IsEmpty)
                    {
                        if (ReturnSequences)
                        {
                            h.CopyTo(next);
                        }
                    }
                    else
                    {
                        TensorPrimitives.Multiply(h, recurrentMask.Slice(b * u, u), next);
                    }
                }
            }
        }
    }

    // Sigmoid gates and a tanh cell (Keras's defaults) run as one fused pass per row; other activations as span operations.
    private bool IsDefaultCell => _recurrentActivation == ActivationKind.Sigmoid && Activation == ActivationKind.Tanh;

    // One sample of one step: activates the gates, updates c, writes h = o⊙φ(c).
    private void StepForward(ReadOnlySpan<float> z, Span<float> a, ReadOnlySpan<float> cPrev, Span<float> c, Span<float> tc, Span<float> h)
    {
        int u = Units;
        if (IsDefaultCell)
        {
            LstmKernels.Forward(z, a, cPrev, c, tc, h, u);
            return;
        }

        ActivationFunctions.Forward(_recurrentActivation, z[..(2 * u)], a[..(2 * u)], 2 * u);
        ActivationFunctions.Forward(Activation, z.Slice(2 * u, u), a.Slice(2 * u, u), u);
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

        ActivationFunctions.Forward(Activation, c, tc, u);
        TensorPrimitives.Multiply(o, tc, h);
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        int batch = input.Batch, time = input.Time, u = Units, g = 4 * u, rows = batch * time;
        RecurrentShared.Ensure(ref _dz, rows * g);
        RecurrentShared.Ensure(ref _dhNext, batch * u);
        RecurrentShared.Ensure(ref _dcNext, batch * u);
        RecurrentShared.Ensure(ref _dh, batch * u);
        RecurrentShared.Ensure(ref _dc, batch * u);
        _backwardPacked = PackRecurrent(true, g, u, _recurrentKernel!.Value, g, _packedUT, batch, time);
        Span<float> dz = _dz.AsSpan(0, rows * g);
        _outputGradient = outputGradient;
        RunBatchChunks(batch, 4L * Units * Units, time, _backwardRows);
        _outputGradient = null;

        AddWeightGradients(input, dz, g, _hPrev, _kernel!, _recurrentKernel!, _bias);
        return computeInputGradient ? InputGradient(input, dz, g, _kernel!, _dx) : null;
    }

    // The backward time loop (gate gradients only) over batch rows [b0, b1); dh and dc scratch are the chunk's first row.
    private void BackwardRows(int b0, int b1)
    {
        int time = _input!.Time, u = Units, g = 4 * u, rows = b1 - b0;
        Span<float> dz = _dz.AsSpan(b0 * time * g, rows * time * g);
        Span<float> dhNext = _dhNext.AsSpan(b0 * u, rows * u);
        Span<float> dcNext = _dcNext.AsSpan(b0 * u, rows * u);
        ReadOnlySpan<float> dy = _outputGradient!.Span;
        ReadOnlySpan<float> recurrentMask = RecurrentMask;
        float[] w = _recurrentKernel!.Value;
        dhNext.Clear();
        dcNext.Clear();
        Span<float> dh = _dh.AsSpan(b0 * u, u), dc = _dc.AsSpan(b0 * u, u);

        for (int s = time - 1; s >= 0; s--)
        {
            int t = InputStep(s, time);
            for (int r = 0; r < rows; r++)
            {
                int b = b0 + r;
                int gateRow = ((b * time) + t) * g;
                int cRow = ((b * time) + s) * u;

                // dh = dy_s + dh_next (dh_next is (dZ·Uᵀ) of the later step, masked as h₋₁ was).
                Span<float> carry = dhNext.Slice(r * u, u);
                if (!recurrentMask.IsEmpty && s < time - 1)
                {
                    TensorPrimitives.Multiply(carry, recurrentMask.Slice(b * u, u), carry);
                }

                if (ReturnSequences)
                {
                    TensorPrimitives.Add(dy.Slice(cRow, u), carry, dh);
                }
                else if (s == time - 1)
                {
                    dy.Slice(b * u, u).CopyTo(dh);
                }
                else
                {
                    carry.CopyTo(dh);
                }

                StepBackward(_z.AsSpan(gateRow, g), _a.AsSpan(gateRow, g), _dz.AsSpan(gateRow, g),
                    s == 0 ? [] : _c.AsSpan(cRow - u, u), _c.AsSpan(cRow, u), _tc.AsSpan(cRow, u), dh, dc,
                    dcNext.Slice(r * u, u));
            }

            if (s > 0)
            {
                // dh_next = dZ[:, t]·Uᵀ   (rows, 4U)·(4U, U)
                StepProduct(_backwardPacked, true, rows, u, g, dz[(t * g)..], time * g, w, g, _packedUT, 0f, dhNext, u);
            }
        }
    }

    // One sample of one step: dz from dh and the carried dc; updates the carry to dc⊙f.
    private void StepBackward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, Span<float> dz, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> c, ReadOnlySpan<float> tc, ReadOnlySpan<float> dh, Span<float> dc, Span<float> dcCarry)
    {
        int u = Units;
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
        ActivationFunctions.Backward(Activation, c, tc, dc, u);
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
        ActivationFunctions.Backward(Activation, z.Slice(2 * u, u), gg, dg, u);
        ActivationFunctions.Backward(_recurrentActivation, z[(3 * u)..], o, dO, u);
    }
}
