using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Conv1D (channels_last): a 1-D convolution over the time axis, as a front end before recurrent layers.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (K, F, C) Keras's layout; b <c>bias</c> (C); y (B, T′, C) with
/// T′ = ⌊(T + pl + pr − d(K − 1) − 1)/s⌋ + 1 for the padding's pl, pr (<see cref="Conv1DPadding"/>).</para>
/// <para>Forward: z[b, o] = b + Σ_k x[b, o·s − pl + k·d]·W[k] (steps outside the input read zeros); y = φ(z). Computed as
/// one product: the rows X̃[b, o] = [x[b, o·s − pl], x[b, o·s − pl + d], …] (B·T′, K·F) times W (K·F, C).</para>
/// <para>Backward: dz = dy ⊙ φ′(z); dW += X̃ᵀ·dz; db += Σ dz; dX̃ = dz·Wᵀ, scattered back: dx[b, o·s − pl + k·d] += dX̃[b, o, k].</para>
/// <para>As Keras 3's convolution layers, it drops a mask (the padding steps are convolved as the zeros they hold).</para>
/// </summary>
public sealed class Conv1D : Layer
{
    private readonly Activations _z = new();
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private float[] _columns = [];
    private float[] _dColumns = [];
    private Activations? _input;
    private Parameter? _kernel;
    private Parameter? _bias;
    private int _inputTime;

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Output channels C.</param>
    /// <param name="kernelSize">Steps K the kernel spans.</param>
    /// <param name="strides">Steps s between outputs.</param>
    /// <param name="padding">Valid, same or causal.</param>
    /// <param name="dilationRate">Steps d between the kernel's taps (with strides 1 only, as Keras).</param>
    /// <param name="activation">φ.</param>
    /// <param name="useBias">Whether the layer adds b.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public Conv1D(int filters, int kernelSize, int strides = 1, Conv1DPadding padding = Conv1DPadding.Valid, int dilationRate = 1,
        ActivationKind activation = ActivationKind.Linear, bool useBias = true, string? name = null)
        : base(name)
    {
        RequirePositive(filters);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strides, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilationRate, 1);
        if (strides > 1 && dilationRate > 1)
        {
            throw new ArgumentException("strides > 1 with dilation_rate > 1 is not supported (Keras raises too).", nameof(dilationRate));
        }

        if (!Enum.IsDefined(padding))
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "The padding is valid, same or causal.");
        }

        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding;
        DilationRate = dilationRate;
        Activation = activation;
        UseBias = useBias;
    }

    /// <inheritdoc />
    public override string KerasClassName => "Conv1D";

    /// <inheritdoc />
    /// <remarks>True: its window spans KernelSize steps (and strides skip some).</remarks>
    internal override bool ReadsAcrossSteps => KernelSize > 1 || Strides > 1;

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Steps the kernel spans.</summary>
    public int KernelSize { get; }

    /// <summary>Steps between outputs.</summary>
    public int Strides { get; }

    /// <summary>How the time axis is padded.</summary>
    public Conv1DPadding Padding { get; }

    /// <summary>Steps between the kernel's taps.</summary>
    public int DilationRate { get; }

    /// <summary>The activation φ.</summary>
    public ActivationKind Activation { get; }

    /// <summary>Whether the layer adds a bias.</summary>
    public bool UseBias { get; }

    /// <summary>The output steps for <paramref name="time"/> input steps, and the zeros before them.</summary>
    public (int Steps, int PadBefore) OutputSteps(int time)
    {
        int span = (DilationRate * (KernelSize - 1)) + 1;
        switch (Padding)
        {
            case Conv1DPadding.Causal:
                return (((time - 1) / Strides) + 1, span - 1);
            case Conv1DPadding.Same:
                int steps = (time + Strides - 1) / Strides;
                int total = Math.Max(((steps - 1) * Strides) + span - time, 0);
                return (steps, total / 2);
            default:
                return (time >= span ? ((time - span) / Strides) + 1 : 0, 0);
        }
    }

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        Initializers.Initialize("glorot_uniform", _kernel!.Value, _kernel.Shape, rng);
        _bias?.Value.AsSpan().Clear();
    }

    /// <inheritdoc />
    internal override SequenceMask? ComputeMask(Activations input) => null;

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int batch = input.Batch, time = input.Time, f = input.Features, width = KernelSize * f;
        (int steps, int before) = OutputSteps(time);
        if (steps < 1)
        {
            throw new ModelException("ConvInputTooShort", $"Layer '{Name}' (Conv1D, kernel {KernelSize}, dilation {DilationRate}, padding " +
                $"{Padding.ToString().ToLowerInvariant()}) needs at least {(DilationRate * (KernelSize - 1)) + 1} steps; the input has {time}.");
        }

        _input = input;
        _inputTime = time;
        int rows = batch * steps;
        if (_columns.Length < rows * width)
        {
            _columns = new float[rows * width];
        }

        // X̃[b, o] = the K taps' feature rows (zeros outside the input).
        ReadOnlySpan<float> x = input.Span;
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < steps; o++)
            {
                Span<float> row = _columns.AsSpan(((b * steps) + o) * width, width);
                for (int k = 0; k < KernelSize; k++)
                {
                    int t = (o * Strides) - before + (k * DilationRate);
                    Span<float> tap = row.Slice(k * f, f);
                    if ((uint)t < (uint)time)
                    {
                        x.Slice(((b * time) + t) * f, f).CopyTo(tap);
                    }
                    else
                    {
                        tap.Clear();
                    }
                }
            }
        }

        _z.Resize(batch, steps, Filters, true);
        Span<float> z = _z.Span;
        if (_bias is not null)
        {
            for (int r = 0; r < rows; r++)
            {
                _bias.Value.CopyTo(z.Slice(r * Filters, Filters));
            }
        }

        // z (B·T′, C) = X̃ (B·T′, K·F) · W (K·F, C) (+ b)
        Gemm.Multiply(false, false, rows, Filters, width, 1f, _columns.AsSpan(0, rows * width), _kernel!.Value, _bias is null ? 0f : 1f, z);
        if (Activation == ActivationKind.Linear)
        {
            return _z;
        }

        _y.ResizeLike(_z);
        ActivationFunctions.Forward(Activation, _z.Span, _y.Span, Filters);
        return _y;
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        int batch = input.Batch, time = _inputTime, f = input.Features, width = KernelSize * f;
        int steps = _z.Time, rows = batch * steps;
        if (outputGradient.Length != _z.Length)
        {
            throw new ArgumentException($"The output gradient has {outputGradient.Length} elements; the last output had {_z.Length}.", nameof(outputGradient));
        }

        Span<float> dz = outputGradient.Span;
        if (Activation != ActivationKind.Linear)
        {
            // In place: the caller's gradient buffer is consumed here.
            ActivationFunctions.Backward(Activation, _z.Span, _y.Span, dz, Filters);
        }

        ReadOnlySpan<float> columns = _columns.AsSpan(0, rows * width);
        // dW += X̃ᵀ·dz  (K·F, B·T′)·(B·T′, C)
        Gemm.Multiply(true, false, width, Filters, rows, 1f, columns, dz, 1f, _kernel!.Gradient);
        if (_bias is not null)
        {
            Span<float> db = _bias.Gradient;
            for (int r = 0; r < rows; r++)
            {
                TensorPrimitives.Add(db, dz.Slice(r * Filters, Filters), db);
            }
        }

        if (!computeInputGradient)
        {
            return null;
        }

        if (_dColumns.Length < rows * width)
        {
            _dColumns = new float[rows * width];
        }

        // dX̃ = dz·Wᵀ, then each tap's rows added back where they were read.
        Span<float> dColumns = _dColumns.AsSpan(0, rows * width);
        Gemm.Multiply(false, true, rows, width, Filters, 1f, dz, _kernel.Value, 0f, dColumns);
        (_, int before) = OutputSteps(time);
        _dx.ResizeLike(input);
        Span<float> dx = _dx.Span;
        dx.Clear();
        for (int b = 0; b < batch; b++)
        {
            for (int o = 0; o < steps; o++)
            {
                ReadOnlySpan<float> row = dColumns.Slice(((b * steps) + o) * width, width);
                for (int k = 0; k < KernelSize; k++)
                {
                    int t = (o * Strides) - before + (k * DilationRate);
                    if ((uint)t < (uint)time)
                    {
                        Span<float> target = dx.Slice(((b * time) + t) * f, f);
                        TensorPrimitives.Add(target, row.Slice(k * f, f), target);
                    }
                }
            }
        }

        return _dx;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["filters"] = Filters,
            ["kernel_size"] = new[] { KernelSize },
            ["strides"] = new[] { Strides },
            ["padding"] = Padding.ToString().ToLowerInvariant(),
            ["data_format"] = "channels_last",
            ["dilation_rate"] = new[] { DilationRate },
            ["groups"] = 1,
            ["activation"] = Activation.KerasName(),
            ["use_bias"] = UseBias,
            ["kernel_initializer"] = "glorot_uniform",
            ["bias_initializer"] = "zeros",
        };
        AddRegularizerConfig(config);
        return config;
    }

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        _kernel = AddParameter("kernel", KernelSize, input.Features, Filters);
        _bias = UseBias ? AddParameter("bias", Filters) : null;
        int? time = input.Time is { } t ? OutputSteps(t).Steps : null;
        if (time is < 1)
        {
            throw new ModelException("ConvInputTooShort", $"Layer '{Name}' (Conv1D) needs at least {(DilationRate * (KernelSize - 1)) + 1} steps; its input has {input.Time}.");
        }

        return SampleShape.Sequence(time, Filters);
    }
}
