using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's LayerNormalization over the features (axis −1) of every step (or vector): each row normalized to zero mean
/// and unit variance, then scaled by γ and shifted by β.
/// <para>Shapes: x, y (B, T, F) or (B, F); γ <c>gamma</c> (F), β <c>beta</c> (F).</para>
/// <para>Forward, per row: μ = mean(x), σ² = mean((x − μ)²) (population variance, as ops.moments), r = 1/√(σ² + ε),
/// x̂ = (x − μ)·r, y = γ ⊙ x̂ + β.</para>
/// <para>Backward, per row: g = dy ⊙ γ; dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂)); dγ += dy ⊙ x̂, dβ += dy over every row.</para>
/// <para>Keras's default ε is 1e-3 (PyTorch's nn.LayerNorm 1e-5); its rms_scaling is not supported. The mask passes
/// through: each step is normalized alone.</para>
/// </summary>
public sealed class LayerNormalization : Layer
{
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private float[] _normalized = [];
    private float[] _inverse = [];
    private float[] _scratch = [];
    private Parameter? _gamma;
    private Parameter? _beta;
    private bool _hasForward;

    /// <summary>Creates the layer.</summary>
    /// <param name="epsilon">ε added to the variance (Keras's default 1e-3), above 0.</param>
    /// <param name="center">Whether the layer has β (Keras's center).</param>
    /// <param name="scale">Whether the layer has γ (Keras's scale).</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public LayerNormalization(float epsilon = 1e-3f, bool center = true, bool scale = true, string? name = null)
        : base(name)
    {
        if (!(epsilon > 0) || float.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a positive number.");
        }

        Epsilon = epsilon;
        Center = center;
        Scale = scale;
    }

    /// <inheritdoc />
    public override string KerasClassName => "LayerNormalization";

    /// <summary>ε added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the layer adds β.</summary>
    public bool Center { get; }

    /// <summary>Whether the layer multiplies by γ.</summary>
    public bool Scale { get; }

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        // Keras: gamma ones, beta zeros.
        _gamma?.Value.AsSpan().Fill(1f);
        _beta?.Value.AsSpan().Clear();
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int rows = input.Rows, f = input.Features;
        _y.ResizeLike(input);
        Grow(ref _normalized, rows * f);
        Grow(ref _inverse, rows);
        ReadOnlySpan<float> x = input.Span;
        Span<float> y = _y.Span;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * f, f);
            Span<float> xh = _normalized.AsSpan(r * f, f);
            // Two passes in float64: the mean, then the squared deviations (no cancellation in E[x²] − μ²).
            double sum = 0;
            for (int i = 0; i < f; i++)
            {
                sum += row[i];
            }

            double mean = sum / f, squares = 0;
            for (int i = 0; i < f; i++)
            {
                double d = row[i] - mean;
                squares += d * d;
            }

            float inverse = (float)(1.0 / Math.Sqrt((squares / f) + Epsilon));
            _inverse[r] = inverse;
            for (int i = 0; i < f; i++)
            {
                xh[i] = (float)((row[i] - mean) * inverse);
            }

            Span<float> out_ = y.Slice(r * f, f);
            if (_gamma is not null)
            {
                TensorPrimitives.Multiply(xh, _gamma.Value, out_);
            }
            else
            {
                xh.CopyTo(out_);
            }

            if (_beta is not null)
            {
                TensorPrimitives.Add(out_, _beta.Value, out_);
            }
        }

        _hasForward = true;
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

        int rows = _y.Rows, f = _y.Features;
        ReadOnlySpan<float> dy = outputGradient.Span;
        if (computeInputGradient)
        {
            _dx.ResizeLike(_y);
        }

        Grow(ref _scratch, f);
        Span<float> g = _scratch.AsSpan(0, f);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> d = dy.Slice(r * f, f), xh = _normalized.AsSpan(r * f, f);
            if (_gamma is not null)
            {
                // dγ += dy ⊙ x̂
                TensorPrimitives.MultiplyAdd(d, xh, _gamma.Gradient, _gamma.Gradient);
            }

            if (_beta is not null)
            {
                TensorPrimitives.Add(_beta.Gradient, d, _beta.Gradient);
            }

            if (!computeInputGradient)
            {
                continue;
            }

            // g = dy ⊙ γ;  dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂))
            if (_gamma is not null)
            {
                TensorPrimitives.Multiply(d, _gamma.Value, g);
            }
            else
            {
                d.CopyTo(g);
            }

            double gSum = 0, gxSum = 0;
            for (int i = 0; i < f; i++)
            {
                gSum += g[i];
                gxSum += (double)g[i] * xh[i];
            }

            double gMean = gSum / f, gxMean = gxSum / f, inverse = _inverse[r];
            Span<float> dx = _dx.Span.Slice(r * f, f);
            for (int i = 0; i < f; i++)
            {
                dx[i] = (float)(inverse * (g[i] - gMean - (xh[i] * gxMean)));
            }
        }

        return computeInputGradient ? _dx : null;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["axis"] = -1,
            ["epsilon"] = (double)Epsilon,
            ["center"] = Center,
            ["scale"] = Scale,
            ["rms_scaling"] = false,
            ["beta_initializer"] = "zeros",
            ["gamma_initializer"] = "ones",
        };
        AddRegularizerConfig(config);
        return config;
    }

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        // Keras's weight order: gamma, then beta.
        _gamma = Scale ? AddParameter("gamma", input.Features) : null;
        _beta = Center ? AddParameter("beta", input.Features) : null;
        return input;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
