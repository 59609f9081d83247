using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Dropout (inverted dropout), on vectors or sequences of any shape.
/// <para>Shapes: x, y and the mask m all (B, T, F) (or (B, F)).</para>
/// <para>Forward (training):  mᵢ = 0 with probability rate, else 1/(1 − rate), drawn afresh for each batch;  y = x ⊙ m.
/// Forward (inference): y = x.</para>
/// <para>Backward: dx = dy ⊙ m (the mask of the last Forward), or dx = dy after an inference Forward.</para>
/// The masks come from the layer's own stream, seeded by <see cref="TrainingNoiseLayer.Initialize"/>: the same seed gives the same masks.
/// </summary>
public sealed class DropoutLayer : TrainingNoiseLayer
{
    private float[] _mask = [];

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
    protected override bool IsActive => Rate > 0;

    /// <inheritdoc />
    protected override void TrainingForward(Activations input, Activations output, Rng rng)
    {
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
        TensorPrimitives.Multiply(input.Span, mask, output.Span);
    }

    /// <inheritdoc />
    protected override void TrainingBackward(Activations outputGradient, Activations inputGradient) =>
        // dx = dy ⊙ m
        TensorPrimitives.Multiply(outputGradient.Span, _mask.AsSpan(0, outputGradient.Length), inputGradient.Span);

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
