namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>categorical_focal_crossentropy</c> (Lin et al., 2017): per row <c>ℓ = Σ_j α·y_j·(1 − p_j)^γ·(−log p_j)</c>,
/// then the mean over rows; α = 0.25 and γ = 2 by default, γ = 0 being α times categorical cross-entropy.
/// </summary>
/// <remarks>
/// From probabilities o, Keras's formula: <c>p = clip(o / Σo, ε, 1 − ε)</c>, ε = 1e-7; with
/// <c>g_j = c_j·α·y_j·(γ(1 − p_j)^(γ−1)·log p_j − (1 − p_j)^γ / p_j)</c> (c = 1 where the clip passed), the gradient
/// through the renormalization is <c>dℓ/do_k = (g_k − Σ_j g_j q_j) / (S·rows)</c>, S = Σo, q = o/S.
/// From logits x (fused softmax, as categorical_crossentropy fuses): <c>log p = x − logsumexp(x)</c> without the clip
/// (Keras's from_logits path takes softmax then clips; the two differ only where a probability is below 1e-7 or above
/// 1 − 1e-7); with <c>a_j = α·y_j·(γ(1 − p_j)^(γ−1)·p_j·log p_j − (1 − p_j)^γ)</c>,
/// <c>dℓ/dx_k = (a_k − p_k Σ_j a_j) / rows</c>. Targets are one-hot or soft rows: class labels need ConvertTo-RnnOneHot.
/// </remarks>
public sealed class CategoricalFocalCrossentropy : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="alpha">The weight of every class (Keras default 0.25): finite, 0 or more.</param>
    /// <param name="gamma">The focusing exponent (Keras default 2.0): finite, 0 or more.</param>
    public CategoricalFocalCrossentropy(double alpha = 0.25, double gamma = 2.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(alpha);
        ArgumentOutOfRangeException.ThrowIfNegative(gamma);
        if (!double.IsFinite(alpha) || !double.IsFinite(gamma))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), "alpha and gamma must be finite.");
        }

        Alpha = alpha;
        Gamma = gamma;
        Config = new Dictionary<string, object> { ["alpha"] = alpha, ["gamma"] = gamma };
    }

    /// <summary>The weight of every class.</summary>
    public double Alpha { get; }

    /// <summary>The focusing exponent.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public override string KerasName => "categorical_focal_crossentropy";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => OutputActivation.Softmax;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object> Config { get; }

    private protected override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        double total = 0;
        double scale = 1.0 / rows;
        bool wantGradient = !gradient.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> o = outputs.Slice(r * width, width);
            ReadOnlySpan<float> y = targets.Slice(r * width, width);
            Span<float> g = wantGradient ? gradient.Slice(r * width, width) : default;
            total += fromLogits ? FromLogits(o, y, scale, g) : FromProbabilities(o, y, scale, g);
        }

        return total * scale;
    }

    private double FromLogits(ReadOnlySpan<float> x, ReadOnlySpan<float> y, double scale, Span<float> g)
    {
        (double max, double sumExp) = CrossEntropyRows.Exponents(x);
        double logSum = Math.Log(sumExp);
        double loss = 0, sumA = 0;
        for (int j = 0; j < x.Length; j++)
        {
            if (y[j] == 0)
            {
                continue;
            }

            double logP = x[j] - max - logSum;
            loss -= Alpha * y[j] * FocalFactor.Value(1 - Math.Exp(logP), Gamma) * logP;
            sumA += LogitWeight(y[j], logP);
        }

        if (!g.IsEmpty)
        {
            for (int k = 0; k < x.Length; k++)
            {
                double logP = x[k] - max - logSum;
                double a = y[k] != 0 ? LogitWeight(y[k], logP) : 0;
                g[k] = (float)((a - (Math.Exp(logP) * sumA)) * scale);
            }
        }

        return loss;
    }

    private double FromProbabilities(ReadOnlySpan<float> o, ReadOnlySpan<float> y, double scale, Span<float> g)
    {
        double sum = 0;
        for (int j = 0; j < o.Length; j++)
        {
            sum += o[j];
        }

        double loss = 0, shared = 0;
        for (int j = 0; j < o.Length; j++)
        {
            if (y[j] == 0)
            {
                continue;
            }

            double q = o[j] / sum;
            double p = CrossEntropyRows.ClipProbability(q, out bool inside), oneMinus = 1 - p, logP = Math.Log(p);
            loss -= Alpha * y[j] * FocalFactor.Value(oneMinus, Gamma) * logP;
            if (inside)
            {
                shared += Own(y[j], p) * q;
            }
        }

        if (!g.IsEmpty)
        {
            double factor = scale / sum;
            for (int k = 0; k < o.Length; k++)
            {
                double own = 0;
                if (y[k] != 0)
                {
                    double p = CrossEntropyRows.ClipProbability(o[k] / sum, out bool inside);
                    own = inside ? Own(y[k], p) : 0;
                }

                g[k] = (float)((own - shared) * factor);
            }
        }

        return loss;
    }

    // a_j = α·y·(γ(1 − p)^(γ−1)·p·log p − (1 − p)^γ), the coefficient of (δ_jk − p_k) in dℓ/dx_k.
    private double LogitWeight(double y, double logP)
    {
        double p = Math.Exp(logP), oneMinus = 1 - p;
        return Alpha * y * ((FocalFactor.Slope(oneMinus, Gamma) * p * logP) - FocalFactor.Value(oneMinus, Gamma));
    }

    // dℓ/dp_j of one class: α·y·(γ(1 − p)^(γ−1)·log p − (1 − p)^γ / p).
    private double Own(double y, double p) =>
        Alpha * y * ((FocalFactor.Slope(1 - p, Gamma) * Math.Log(p)) - (FocalFactor.Value(1 - p, Gamma) / p));
}
