using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's SimpleRNN, with zero initial state.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, U); U <c>recurrent_kernel</c> (U, U); b <c>bias</c> (U); output
/// (B, T, U) with return_sequences, else the last h (B, U).</para>
/// <para>Forward, per step (φ the activation, tanh by default; m the recurrent dropout mask):
/// z_t = x_t·W + (h_{t−1}⊙m)·U + b;  h_t = φ(z_t).</para>
/// <para>Backward, per step from the last: dh = dy_t + dh_next;  dz_t = dh⊙φ′(z_t);  dh_next = (dz_t·Uᵀ)⊙m.
/// After the loop: dW += x̃ᵀ·dZ, dU += H̃ᵀ·dZ, db += Σ dZ, dx = (dZ·Wᵀ)⊙(input mask), with x̃ the dropped input and
/// H̃ the dropped previous states of every step.</para>
/// <para>Workspace layout: Z, h = φ(Z) and dZ are batch-major in the input's time order, (B·T, U) with row b·T + t,
/// so the hoisted input projection writes Z directly and each step's h·U adds into rows b·T + t (row stride T·U).
/// H̃ (the dropped state each input step received) uses the same order.</para>
/// <para>Threads: with two or more (<see cref="PSRnn.Engine.Tensors.ComputeThreads"/>) and a large enough batch, the
/// time loops run over contiguous chunks of the batch rows concurrently, each chunk's step products single-threaded
/// (<see cref="BatchSplit"/>); the input projection and the weight-gradient products stay whole. Rows do not interact
/// in the loop, so the bits are the same whatever the split.</para>
/// </summary>
public sealed class SimpleRnn : RecurrentLayer
{
    private readonly Activations _output = new();
    private readonly Activations _dx = new();
    private Activations? _input;
    private Parameter? _kernel;
    private Parameter? _recurrentKernel;
    private Parameter? _bias;

    // (B·T, U), input time order: pre-activations, states, their gradient, and the dropped state each step received.
    private float[] _z = [];
    private float[] _h = [];
    private float[] _dz = [];
    private float[] _hPrev = [];

    // (B, U) carry of the backward loop.
    private float[] _dhNext = [];

    // U laid out for the forward steps' products and Uᵀ for the backward's, once per batch.
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
    public SimpleRnn(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0f,
        float recurrentDropout = 0f, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
        _forwardRows = ForwardRows;
        _backwardRows = BackwardRows;
    }

    /// <inheritdoc />
    public override string KerasClassName => "SimpleRNN";

    /// <inheritdoc />
    public override RecurrentLayer CreateTwin(bool goBackwards, string name) =>
        new SimpleRnn(Units, ReturnSequences, goBackwards, Dropout, RecurrentDropout, name)
        {
            Activation = Activation,
            UseBias = UseBias,
            KernelInitializer = KernelInitializer,
            RecurrentInitializer = RecurrentInitializer,
            BiasInitializer = BiasInitializer,
        };

    /// <inheritdoc />
    protected override void CreateParameters(int inputFeatures)
    {
        RecurrentShared.CheckActivation(this);
        _kernel = AddParameter("kernel", inputFeatures, Units);
        _recurrentKernel = AddParameter("recurrent_kernel", Units, Units);
        _bias = UseBias ? AddParameter("bias", Units) : null;
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
        _input = input;
        int batch = input.Batch, time = input.Time, u = Units, rows = batch * time;
        PrepareDropout(batch, input.Features, training);

        RecurrentShared.Ensure(ref _z, rows * u);
        RecurrentShared.Ensure(ref _h, rows * u);
        RecurrentShared.Ensure(ref _hPrev, rows * u);
        if (ReturnSequences)
        {
            _output.Resize(batch, time, u, true);
        }
        else
        {
            _output.Resize(batch, 1, u, false);
        }

        ProjectInputs(input, _kernel!.Value, _bias is null ? [] : _bias.Value, u, _z.AsSpan(0, rows * u));
        _forwardPacked = PackRecurrent(false, Units, Units, _recurrentKernel!.Value, Units, _packedU, batch, time);
        RunBatchChunks(batch, 1L * Units * Units, time, _forwardRows);
        return _output;
    }

    // The forward time loop over batch rows [b0, b1): each step's product and pass touch only these rows.
    private void ForwardRows(int b0, int b1)
    {
        int time = _input!.Time, u = Units, rows = b1 - b0;
        Span<float> z = _z.AsSpan(b0 * time * u, rows * time * u);
        Span<float> hPrev = _hPrev.AsSpan(b0 * time * u, rows * time * u);
        Span<float> hAll = _h.AsSpan(b0 * time * u, rows * time * u);
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
                // Z[:, t] += H̃[:, t]·U   (rows, U)·(U, U), rows strided by T.
                StepProduct(_forwardPacked, false, rows, u, u, hPrev[(t * u)..], time * u, w, u, _packedU, 1f, z[(t * u)..], time * u);
            }

            int tNext = s + 1 < time ? InputStep(s + 1, time) : -1;
            for (int r = 0; r < rows; r++)
            {
                int b = b0 + r, row = ((r * time) + t) * u;
                Span<float> h = hAll.Slice(row, u);
                ActivationFunctions.Forward(Activation, z.Slice(row, u), h, u);
                if (ReturnSequences)
                {
                    h.CopyTo(output.Slice(((b * time) + s) * u, u));
                }
                else if (tNext < 0)
                {
                    h.CopyTo(output.Slice(b * u, u));
                }

                if (tNext >= 0)
                {
                    Span<float> next = hPrev.Slice(((r * time) + tNext) * u, u);
                    if (recurrentMask.IsEmpty)
                    {
                        h.CopyTo(next);
                    }
                    else
                    {
                        TensorPrimitives.Multiply(h, recurrentMask.Slice(b * u, u), next);
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        int batch = input.Batch, time = input.Time, u = Units, rows = batch * time;
        RecurrentShared.Ensure(ref _dz, rows * u);
        RecurrentShared.Ensure(ref _dhNext, batch * u);
        _backwardPacked = PackRecurrent(true, u, u, _recurrentKernel!.Value, u, _packedUT, batch, time);
        Span<float> dz = _dz.AsSpan(0, rows * u);
        _outputGradient = outputGradient;
        RunBatchChunks(batch, 1L * Units * Units, time, _backwardRows);
        _outputGradient = null;

        AddWeightGradients(input, dz, u, _hPrev, _kernel!, _recurrentKernel!, _bias);
        return computeInputGradient ? InputGradient(input, dz, u, _kernel!, _dx) : null;
    }

    // The backward time loop (gate gradients only) over batch rows [b0, b1).
    private void BackwardRows(int b0, int b1)
    {
        int time = _input!.Time, u = Units, rows = b1 - b0;
        Span<float> dz = _dz.AsSpan(b0 * time * u, rows * time * u);
        Span<float> dhNext = _dhNext.AsSpan(b0 * u, rows * u);
        ReadOnlySpan<float> dy = _outputGradient!.Span;
        ReadOnlySpan<float> recurrentMask = RecurrentMask;
        float[] w = _recurrentKernel!.Value;
        dhNext.Clear();

        for (int s = time - 1; s >= 0; s--)
        {
            int t = InputStep(s, time);
            for (int r = 0; r < rows; r++)
            {
                int b = b0 + r, row = ((r * time) + t) * u;
                Span<float> dzRow = dz.Slice(row, u);

                // dh = dy_s + dh_next⊙m, written straight into dz's row.
                Span<float> carry = dhNext.Slice(r * u, u);
                if (!recurrentMask.IsEmpty && s < time - 1)
                {
                    TensorPrimitives.Multiply(carry, recurrentMask.Slice(b * u, u), carry);
                }

                if (ReturnSequences)
                {
                    TensorPrimitives.Add(dy.Slice(((b * time) + s) * u, u), carry, dzRow);
                }
                else if (s == time - 1)
                {
                    dy.Slice(b * u, u).CopyTo(dzRow);
                }
                else
                {
                    carry.CopyTo(dzRow);
                }

                // dz = dh⊙φ′(z)
                int at = ((b * time) + t) * u;
                ActivationFunctions.Backward(Activation, _z.AsSpan(at, u), _h.AsSpan(at, u), dzRow, u);
            }

            if (s > 0)
            {
                // dh_next = dZ[:, t]·Uᵀ   (rows, U)·(U, U)
                StepProduct(_backwardPacked, true, rows, u, u, dz[(t * u)..], time * u, w, u, _packedUT, 0f, dhNext, u);
            }
        }
    }
}
