using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// A layer without weights that perturbs its input in training only, drawing from its own seeded stream (Dropout,
/// SpecAugment), and is the identity at inference — so ONNX export leaves it out.
/// <para>Forward (inference, or training when <see cref="IsActive"/> is false): y = x, a copy; Backward then dx = dy.</para>
/// The stream is seeded by <see cref="Initialize"/> and saved in model files and checkpoints (<see cref="Layer.RandomStreams"/>):
/// the same seed gives the same draws, and a resumed run continues them exactly.
/// </summary>
public abstract class TrainingNoiseLayer : Layer
{
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private bool _active;
    private bool _hasForward;
    private Rng? _rng;

    /// <summary>Creates the layer.</summary>
    private protected TrainingNoiseLayer(string? name)
        : base(name)
    {
    }

    /// <summary>Whether training changes anything (a dropout rate above 0, at least one mask).</summary>
    protected abstract bool IsActive { get; }

    /// <inheritdoc />
    internal override IReadOnlyList<Rng> RandomStreams => _rng is null ? [] : [_rng];

    /// <inheritdoc />
    public sealed override void Initialize(Rng rng) => InitializeStreams(rng);

    /// <inheritdoc />
    internal sealed override void InitializeStreams(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = new Rng(rng.NextUInt64());
    }

    /// <inheritdoc />
    public sealed override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        _y.ResizeLike(input);
        _active = training && IsActive;
        _hasForward = true;
        if (!_active)
        {
            // A copy, not the input itself: the output is the layer's own buffer, as the contract says.
            input.Span.CopyTo(_y.Span);
            return _y;
        }

        TrainingForward(input, _y, _rng ?? throw new InvalidOperationException("Initialize the layer before training it."));
        return _y;
    }

    /// <summary>Draws this batch's perturbation from <paramref name="rng"/> and writes y (shaped like x).</summary>
    protected abstract void TrainingForward(Activations input, Activations output, Rng rng);

    /// <inheritdoc />
    public sealed override Activations? Backward(Activations outputGradient, bool computeInputGradient)
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
        if (_active)
        {
            TrainingBackward(outputGradient, _dx);
        }
        else
        {
            outputGradient.Span.CopyTo(_dx.Span);
        }

        return _dx;
    }

    /// <summary>dx of the last training Forward's perturbation (dx shaped like dy).</summary>
    protected abstract void TrainingBackward(Activations outputGradient, Activations inputGradient);
}
