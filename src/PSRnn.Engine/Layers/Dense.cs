using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Dense: y = f(x·W + b), applied to every step of a sequence as Keras does on 3-D input.
/// <para>Shapes: x (N, in) where N = batch·time; W <c>kernel</c> (in, units); b <c>bias</c> (units); y (N, units).</para>
/// <para>Forward:  z = x·W + b;  y = f(z).</para>
/// <para>Backward: dz = dy ⊙ f′(z);  dW += xᵀ·dz;  db += Σₙ dz;  dx = dz·Wᵀ.</para>
/// When it is the last layer and the loss fuses its activation (softmax with cross-entropy, sigmoid with binary
/// cross-entropy), the model sets <see cref="FuseActivationIntoLoss"/>: Forward then returns z and Backward takes dz.
/// </summary>
public sealed class Dense : Layer
{
    private readonly Activations _z = new();
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private Activations? _input;
    private Parameter? _kernel;
    private Parameter? _bias;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">Output features.</param>
    /// <param name="activation">Keras's activation (default linear).</param>
    /// <param name="useBias">Keras's use_bias.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public Dense(int units, ActivationKind activation = ActivationKind.Linear, bool useBias = true, string? name = null)
        : base(name)
    {
        RequirePositive(units);
        Units = units;
        Activation = activation;
        UseBias = useBias;
    }

    /// <inheritdoc />
    public override string KerasClassName => "Dense";

    /// <summary>Output features.</summary>
    public int Units { get; }

    /// <summary>The activation.</summary>
    public ActivationKind Activation { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>Keras's kernel_initializer.</summary>
    public string KernelInitializer { get; init; } = "glorot_uniform";

    /// <summary>Keras's bias_initializer.</summary>
    public string BiasInitializer { get; init; } = "zeros";

    /// <summary>When set, Forward outputs pre-activations and Backward takes their gradient (the loss applies f).</summary>
    public bool FuseActivationIntoLoss { get; set; }

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        Initializers.Initialize(KernelInitializer, _kernel!.Value, _kernel.Shape, rng);
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
        int n = input.Rows, inFeatures = input.Features;
        _z.Resize(input.Batch, input.Time, Units, input.IsSequence);
        Span<float> z = _z.Span;
        if (_bias is not null)
        {
            // z = 1·b then z += x·W: the bias broadcast is one row copy per sample.
            for (int r = 0; r < n; r++)
            {
                _bias.Value.CopyTo(z.Slice(r * Units, Units));
            }
        }

        // In prediction at a lower precision (InferencePrecision), the kernel's quantized copy; else W as it is.
        if (!training && _kernel!.QuantizedFor(InferencePrecision.Current) is { } quantized)
        {
            QuantizedGemm.Multiply(n, Units, inFeatures, input.Span, inFeatures, quantized, 0, _bias is null ? 0f : 1f, z, Units);
        }
        else
        {
            Gemm.Multiply(false, false, n, Units, inFeatures, 1f, input.Span, _kernel!.Value, _bias is null ? 0f : 1f, z);
        }

        if (FuseActivationIntoLoss || Activation == ActivationKind.Linear)
        {
            return _z;
        }

        _y.ResizeLike(_z);
        ActivationFunctions.Forward(Activation, _z.Span, _y.Span, Units);
        return _y;
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        int n = input.Rows, inFeatures = input.Features;
        Span<float> dz = outputGradient.Span;
        if (!FuseActivationIntoLoss && Activation != ActivationKind.Linear)
        {
            // In place: the caller's gradient buffer is consumed here.
            ActivationFunctions.Backward(Activation, _z.Span, _y.Span, dz, Units);
        }

        // dW += xᵀ·dz  (in, N)·(N, units)
        Gemm.Multiply(true, false, inFeatures, Units, n, 1f, input.Span, dz, 1f, _kernel!.Gradient);
        if (_bias is not null)
        {
            Span<float> db = _bias.Gradient;
            for (int r = 0; r < n; r++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(db, dz.Slice(r * Units, Units), db);
            }
        }

        if (!computeInputGradient)
        {
            return null;
        }

        // dx = dz·Wᵀ  (N, units)·(units, in)
        _dx.ResizeLike(input);
        Gemm.Multiply(false, true, n, inFeatures, Units, 1f, dz, _kernel.Value, 0f, _dx.Span);
        return _dx;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["units"] = Units,
            ["activation"] = Activation.KerasName(),
            ["use_bias"] = UseBias,
            ["kernel_initializer"] = KernelInitializer,
            ["bias_initializer"] = BiasInitializer,
        };
        AddRegularizerConfig(config);
        return config;
    }

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        _kernel = AddParameter("kernel", input.Features, Units);
        _bias = UseBias ? AddParameter("bias", Units) : null;
        return input with { Features = Units };
    }
}
