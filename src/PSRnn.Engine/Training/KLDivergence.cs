namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>kl_divergence</c> (alias <c>kld</c>): with Keras's clips <c>y = clip(t, ε, 1)</c> and
/// <c>p = clip(o, ε, 1)</c>, ε = 1e-7, the row loss <c>Σ_j y_j log(y_j / p_j)</c> (summed over the last axis, not
/// averaged), then the mean over rows. Gradient <c>−y_j / p_j / rows</c>, zero where the clip of o bit. Targets and
/// outputs are probability distributions (a softmax output); PyTorch's <c>F.kl_div(log p, y, reduction='sum')/rows</c>
/// is the same on the clipped values. Does not fuse with an activation.
/// </summary>
public sealed class KLDivergence : Loss
{
    private const double Epsilon = 1e-7;

    /// <inheritdoc/>
    public override string KerasName => "kl_divergence";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => null;

    private protected override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        int count = rows * width;
        double scale = 1.0 / rows;
        bool wantGradient = !gradient.IsEmpty;
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double y = Math.Clamp((double)targets[i], Epsilon, 1);
            double o = outputs[i];
            double p = Math.Clamp(o, Epsilon, 1);
            total += y * Math.Log(y / p);
            if (wantGradient)
            {
                gradient[i] = o >= Epsilon && o <= 1 ? (float)(-y / p * scale) : 0f;
            }
        }

        return total * scale;
    }
}
