namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>binary_focal_crossentropy</c> (Lin et al., 2017): per element
/// <c>ℓ = w·(1 − p_t)^γ·bce</c> with <c>p_t = y·p + (1 − y)(1 − p)</c>, bce the binary cross-entropy, and
/// <c>w = y·α + (1 − y)(1 − α)</c> when apply_class_balancing is set, else 1; averaged over the last axis and then over
/// rows. Keras's defaults: apply_class_balancing false, α = 0.25, γ = 2.
/// </summary>
/// <remarks>
/// From probabilities o, Keras's formula: p_t from the raw o, bce from <c>clip(o, ε, 1 − ε)</c>, ε = 1e-7; gradient
/// <c>w(−γ(1 − p_t)^(γ−1)(2y − 1)·bce + (1 − p_t)^γ·c·(−y/p + (1 − y)/(1 − p)))/(rows·width)</c>, c = 1 where the clip
/// passed o. From logits x (fused sigmoid, as binary_crossentropy fuses): p = σ(x) and the stable
/// <c>bce = max(x, 0) − x·y + log(1 + exp(−|x|))</c> (Keras's from_logits path clips σ(x), which differs only where
/// |x| &gt; 16); gradient <c>w(−γ(1 − p_t)^(γ−1)(2y − 1)·p(1 − p)·bce + (1 − p_t)^γ(p − y))/(rows·width)</c>.
/// </remarks>
public sealed class BinaryFocalCrossentropy : ElementwiseLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="applyClassBalancing">Whether to weight class 1 by α and class 0 by 1 − α (Keras default false).</param>
    /// <param name="alpha">The weight of class 1 when balancing (Keras default 0.25): from 0 to 1.</param>
    /// <param name="gamma">The focusing exponent (Keras default 2.0): finite, 0 or more.</param>
    public BinaryFocalCrossentropy(bool applyClassBalancing = false, double alpha = 0.25, double gamma = 2.0)
    {
        if (!(alpha is >= 0 and <= 1) || !(double.IsFinite(gamma) && gamma >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be from 0 to 1 and gamma finite and 0 or more.");
        }

        ApplyClassBalancing = applyClassBalancing;
        Alpha = alpha;
        Gamma = gamma;
        Config = new Dictionary<string, object>
        {
            ["apply_class_balancing"] = applyClassBalancing, ["alpha"] = alpha, ["gamma"] = gamma,
        };
    }

    /// <summary>Whether class 1 is weighted by α and class 0 by 1 − α.</summary>
    public bool ApplyClassBalancing { get; }

    /// <summary>The weight of class 1 when balancing.</summary>
    public double Alpha { get; }

    /// <summary>The focusing exponent.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public override string KerasName => "binary_focal_crossentropy";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => OutputActivation.Sigmoid;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object> Config { get; }

    private protected override double Element(double x, double y, bool fromLogits, out double derivative)
    {
        double w = ApplyClassBalancing ? (y * Alpha) + ((1 - y) * (1 - Alpha)) : 1;
        double p, oneMinusP, bce, dBce, dP;
        if (fromLogits)
        {
            // σ(x) and 1 − σ(x) = σ(−x) without overflow: exp of a non-positive number only.
            double e = Math.Exp(-Math.Abs(x));
            p = x >= 0 ? 1 / (1 + e) : e / (1 + e);
            oneMinusP = x >= 0 ? e / (1 + e) : 1 / (1 + e);
            bce = Math.Max(x, 0) - (x * y) + Math.Log(1 + e);
            dBce = p - y;
            dP = p * oneMinusP;
        }
        else
        {
            p = x;
            oneMinusP = 1 - x;
            double clipped = CrossEntropyRows.ClipProbability(x, out bool inside);
            bce = -((y * Math.Log(clipped)) + ((1 - y) * Math.Log(1 - clipped)));
            dBce = inside ? (-y / clipped) + ((1 - y) / (1 - clipped)) : 0;
            dP = 1;
        }

        // 1 − p_t = y(1 − p) + (1 − y)p, kept apart from p so that it does not round to 0 early.
        double oneMinusPt = (y * oneMinusP) + ((1 - y) * p);
        double factor = FocalFactor.Value(oneMinusPt, Gamma);
        double dPt = ((2 * y) - 1) * dP;
        derivative = w * ((-FocalFactor.Slope(oneMinusPt, Gamma) * dPt * bce) + (factor * dBce));
        return w * factor * bce;
    }
}
