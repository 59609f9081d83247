using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Normalization over the last axis: each feature shifted and scaled by a mean and variance that
/// <see cref="Adapt"/> measures on the training data (or that are given), frozen weights saved with the model, so a
/// model file predicts from raw values. Masked steps pass through (the layers after it skip them) and
/// <see cref="Adapt"/> leaves them out.
/// <para>Shapes: x (B, T, F) or (B, F) → y of the same shape; mean, variance (F).</para>
/// <para>Forward: y = (x − μ) / s, s = max(√σ², ε), ε = 1e-7 (Keras's backend epsilon); inverted: y = μ + x·s.</para>
/// <para>Backward: dx = dy / s (inverted: dx = dy·s); the mean and variance are not trained.</para>
/// </summary>
public sealed class Normalization : Layer
{
    /// <summary>Keras's backend epsilon, the floor of the scale.</summary>
    public const float Epsilon = 1e-7f;

    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private Parameter? _mean;
    private Parameter? _variance;
    private float[] _scale = [];
    private readonly float[]? _givenMean;
    private readonly float[]? _givenVariance;

    /// <summary>Creates the layer: mean 0 and variance 1 until adapted, or the statistics given (Keras's mean= and variance=).</summary>
    /// <param name="invert">Keras's invert: map normalized values back (y = μ + x·s).</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    /// <param name="mean">The per-feature mean, or null; with <paramref name="variance"/>, both or neither.</param>
    /// <param name="variance">The per-feature variance, or null.</param>
    /// <exception cref="ArgumentException">Only one of mean and variance, or values that are not finite or a negative variance.</exception>
    public Normalization(bool invert = false, string? name = null, float[]? mean = null, float[]? variance = null)
        : base(name)
    {
        Invert = invert;
        if ((mean is null) != (variance is null))
        {
            throw new ArgumentException("Give the mean and the variance together, or neither (then adapt the layer to the data).");
        }

        if (mean is not null)
        {
            Check(mean, variance!);
            _givenMean = (float[])mean.Clone();
            _givenVariance = (float[])variance!.Clone();
            IsAdapted = true;
        }
    }

    /// <inheritdoc />
    public override string KerasClassName => "Normalization";

    /// <summary>Keras's invert.</summary>
    public bool Invert { get; }

    /// <summary>The per-feature mean (valid once built).</summary>
    public Parameter Mean => _mean ?? throw new InvalidOperationException("The layer is not built yet.");

    /// <summary>The per-feature variance (valid once built).</summary>
    public Parameter Variance => _variance ?? throw new InvalidOperationException("The layer is not built yet.");

    /// <summary>Whether <see cref="Adapt"/> or <see cref="SetStatistics"/> has given the layer its statistics.</summary>
    public bool IsAdapted { get; internal set; }

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        if (_givenMean is not null)
        {
            _givenMean.CopyTo(Mean.Value, 0);
            _givenVariance!.CopyTo(Variance.Value, 0);
            return;
        }

        // Keras's defaults before adapt(): the identity.
        Array.Clear(Mean.Value);
        Array.Fill(Variance.Value, 1f);
    }

    /// <summary>Sets the statistics directly (Keras's mean= and variance= arguments).</summary>
    /// <exception cref="ArgumentException">A length other than the features, or a negative or non-finite value.</exception>
    public void SetStatistics(ReadOnlySpan<float> mean, ReadOnlySpan<float> variance)
    {
        int f = Mean.Length;
        if (mean.Length != f || variance.Length != f)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The layer normalizes {f} features; the mean has {mean.Length} values and the variance {variance.Length}."));
        }

        Check(mean, variance);
        mean.CopyTo(Mean.Value);
        variance.CopyTo(Variance.Value);
        IsAdapted = true;
    }

    /// <summary>
    /// Keras's adapt(): the mean and the (population, ddof 0) variance of each feature over every real row of the
    /// layer's input (masked steps left out), summed in double,
    /// in two passes (the mean first, then the squared deviations from it, which does not lose the variance of values
    /// far from zero as E[x²] − E[x]² does).
    /// </summary>
    /// <param name="batches">The layer's inputs, batch by batch: values (rows × F), rows, and which rows are real (null: all);
    /// called twice, once a pass.</param>
    /// <exception cref="ArgumentException">No real rows, or a value that is not finite.</exception>
    public void Adapt(Func<IEnumerable<(float[] Values, int Rows, bool[]? Real)>> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        int f = Mean.Length;
        var sum = new double[f];
        long count = 0;
        foreach ((float[] values, int rows, bool[]? real) in batches())
        {
            for (int r = 0; r < rows; r++)
            {
                if (real is not null && !real[r])
                {
                    continue;
                }

                count++;
                for (int i = 0; i < f; i++)
                {
                    float v = values[(r * f) + i];
                    if (!float.IsFinite(v))
                    {
                        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                            $"The data holds {v} (feature {i}); adapt needs finite values."));
                    }

                    sum[i] += v;
                }
            }
        }

        if (count == 0)
        {
            throw new ArgumentException("The data has no real steps to measure (every step is masked).");
        }

        var mean = new double[f];
        for (int i = 0; i < f; i++)
        {
            mean[i] = sum[i] / count;
        }

        var squares = new double[f];
        foreach ((float[] values, int rows, bool[]? real) in batches())
        {
            for (int r = 0; r < rows; r++)
            {
                if (real is not null && !real[r])
                {
                    continue;
                }

                for (int i = 0; i < f; i++)
                {
                    double d = values[(r * f) + i] - mean[i];
                    squares[i] += d * d;
                }
            }
        }

        for (int i = 0; i < f; i++)
        {
            Mean.Value[i] = (float)mean[i];
            Variance.Value[i] = (float)(squares[i] / count);
        }

        IsAdapted = true;
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int f = input.Features;
        Scale();
        ReadOnlySpan<float> x = input.Span;
        _y.ResizeLike(input);
        Span<float> y = _y.Span;
        ReadOnlySpan<float> mean = Mean.Value, scale = _scale;
        for (int r = 0; r < x.Length; r += f)
        {
            ReadOnlySpan<float> xr = x.Slice(r, f);
            Span<float> yr = y.Slice(r, f);
            if (Invert)
            {
                // Keras: mean + inputs·s, rounded as it rounds (no fused multiply-add).
                System.Numerics.Tensors.TensorPrimitives.Multiply(xr, scale, yr);
                System.Numerics.Tensors.TensorPrimitives.Add(yr, mean, yr);
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Subtract(xr, mean, yr);
                System.Numerics.Tensors.TensorPrimitives.Divide(yr, scale, yr);
            }
        }

        return _y;
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!computeInputGradient)
        {
            return null;
        }

        int f = outputGradient.Features;
        ReadOnlySpan<float> dy = outputGradient.Span;
        _dx.ResizeLike(outputGradient);
        Span<float> dx = _dx.Span;
        for (int r = 0; r < dy.Length; r += f)
        {
            if (Invert)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(dy.Slice(r, f), _scale, dx.Slice(r, f));
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(dy.Slice(r, f), _scale, dx.Slice(r, f));
            }
        }

        return _dx;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["axis"] = -1,
        ["invert"] = Invert,
    };

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        if (_givenMean is not null && (_givenMean.Length != input.Features || _givenVariance!.Length != input.Features))
        {
            throw new ModelException("NormalizationStatisticsMismatch", string.Create(CultureInfo.InvariantCulture,
                $"The layer's input has {input.Features} features; the mean given has {_givenMean.Length} values and the variance {_givenVariance!.Length}."));
        }

        // Frozen: saved with the model, never given to the optimizer.
        _mean = AddParameter("mean", input.Features);
        _variance = AddParameter("variance", input.Features);
        _mean.Trainable = false;
        _variance.Trainable = false;
        return input;
    }

    /// <summary>The value as Keras writes it in a configuration.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Normalization(axis=-1, invert={Invert})");

    private static void Check(ReadOnlySpan<float> mean, ReadOnlySpan<float> variance)
    {
        for (int i = 0; i < mean.Length; i++)
        {
            if (!float.IsFinite(mean[i]) || !float.IsFinite(variance[i]) || variance[i] < 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Feature {i} has the mean {mean[i]} and the variance {variance[i]}: both must be finite and the variance not negative."));
            }
        }
    }

    // s = max(√σ², ε), from the current weights (a script may set them between calls).
    private void Scale()
    {
        float[] variance = Variance.Value;
        if (_scale.Length != variance.Length)
        {
            _scale = new float[variance.Length];
        }

        for (int i = 0; i < variance.Length; i++)
        {
            _scale[i] = MathF.Max(MathF.Sqrt(variance[i]), Epsilon);
        }
    }
}
