using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Dropout (inverted dropout), on vectors or sequences of any shape.
/// <para>Shapes: x, y and the mask m all (B, T, F) (or (B, F)).</para>
/// <para>Forward (training):  mᵢ = 0 with probability rate, else 1/(1 − rate), drawn afresh for each batch;  y = x ⊙ m.
/// Forward (inference): y = x.</para>
/// <para>Backward: dx = dy ⊙ m (the mask of the last Forward), or dx = dy after an inference Forward.</para>
/// The masks come from the layer's own stream, seeded by <see cref="Initialize"/>: the same seed gives the same masks.
/// </summary>
public sealed class DropoutLayer : Layer
{
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private float[] _mask = [];
    private bool _masked;
    private bool _hasForward;
    private Rng? _rng;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">The fraction of elements dropped in training, in [0, 1).</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public DropoutLayer(float rate, string? name = null)
        : base(name)
    {
        if (rate is < 0 or >= 1 || float.IsNaN(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The dropout rate must be in [0, 1).");
        }

        Rate = rate;
    }

    /// <inheritdoc />
    public override string KerasClassName => "Dropout";

    /// <summary>Keras's rate: the probability that an element is zeroed in training.</summary>
    public float Rate { get; }

    /// <inheritdoc />
    internal override IReadOnlyList<Rng> RandomStreams => _rng is null ? [] : [_rng];

    /// <inheritdoc />
    public override void Initialize(Rng rng) => InitializeStreams(rng);

    /// <inheritdoc />
    internal override void InitializeStreams(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = new Rng(rng.NextUInt64());
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        _y.ResizeLike(input);
        _masked = training && Rate > 0;
        _hasForward = true;
        if (!_masked)
        {
            // A copy, not the input itself: the output is the layer's own buffer, as the contract says.
            input.Span.CopyTo(_y.Span);
            return _y;
        }

        Rng rng = _rng ?? throw new InvalidOperationException("Initialize the layer before training it.");
        int length = input.Length;
        if (_mask.Length < length)
        {
            _mask = new float[length];
        }

        Span<float> mask = _mask.AsSpan(0, length);
        float keep = 1f / (1f - Rate);
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = rng.NextDouble() < Rate ? 0f : keep;
        }

        // y = x ⊙ m
        TensorPrimitives.Multiply(input.Span, mask, _y.Span);
        return _y;
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!_hasForward)
        {
            throw new InvalidOperationException("Backward needs a Forward first.");
        }

        if (outputGradient.Length != _y.Length)
        {
            throw new ArgumentException($"The output gradient has {outputGradient.Length} elements; the last output had {_y.Length}.", nameof(outputGradient));
        }

        if (!computeInputGradient)
        {
            return null;
        }

        _dx.ResizeLike(outputGradient);
        if (_masked)
        {
            // dx = dy ⊙ m
            TensorPrimitives.Multiply(outputGradient.Span, _mask.AsSpan(0, outputGradient.Length), _dx.Span);
        }
        else
        {
            outputGradient.Span.CopyTo(_dx.Span);
        }

        return _dx;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["rate"] = (double)Rate,
        ["noise_shape"] = null,
        ["seed"] = null,
    };

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input) => input;
}
