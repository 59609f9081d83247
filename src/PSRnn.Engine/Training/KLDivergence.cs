namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>kl_divergence</c> (alias <c>kld</c>): with Keras's clips <c>y = clip(t, ε, 1)</c> and
/// <c>p = clip(o, ε, 1)</c>, ε = 1e-7, the row loss <c>Σ_j y_j log(y_j / p_j)</c> (summed over the last axis, not
/// averaged), then the mean over rows. Gradient <c>−y_j / p_j / rows</c>, zero where the clip of o bit. Targets and
/// outputs are probability distributions (a softmax output); PyTorch's <c>F.kl_div(log p, y, reduction='sum')/rows</c>
/// is the same on the clipped values. Does not fuse with an activation.
/// </summary>
public sealed class KLDivergence : ElementwiseLoss
{
    private const double Epsilon = 1e-7;

    /// <inheritdoc/>
    public override string KerasName => "kl_divergence";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => null;

    private protected override bool SumsLastAxis => true;

    private protected override double Element(double output, double target, bool fromLogits, out double derivative)
    {
        double y = Math.Clamp(target, Epsilon, 1), p = Math.Clamp(output, Epsilon, 1);
        derivative = output >= Epsilon && output <= 1 ? -y / p : 0;
        return y * Math.Log(y / p);
    }
}
