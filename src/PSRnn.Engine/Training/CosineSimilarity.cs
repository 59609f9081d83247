using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>cosine_similarity</c> loss over the last axis: the NEGATIVE cosine of each row's output and target,
/// <c>ℓ = −Σ_j ô_j t̂_j</c> with Keras's normalization <c>x̂ = x / sqrt(max(Σx², ε²))</c>, ε = 1e-7 (a zero row gives 0),
/// then the mean over rows: −1 is a perfect match, 0 orthogonal. Gradient, with n = sqrt(max(Σo², ε²)) and
/// c = Σ ô t̂: <c>−(t̂_k − c·ô_k)/(n·rows)</c> where Σo² &gt; ε², else <c>−t̂_k/(ε·rows)</c>. Does not fuse.
/// </summary>
/// <remarks>A width of 1 is refused (<c>LossWidthTooSmall</c>): the cosine of two numbers is only their signs' product,
/// with a zero gradient, so nothing would train.</remarks>
public sealed class CosineSimilarity : Loss
{
    private const double Epsilon = 1e-7;

    /// <inheritdoc/>
    public override string KerasName => "cosine_similarity";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => null;

    internal override void CheckTargets(ReadOnlySpan<float> targets, int width)
    {
        if (width < 2)
        {
            throw new ModelException("LossWidthTooSmall",
                "cosine_similarity compares vectors along the last axis, but the output has 1 value per row, whose cosine is only a sign and "
                + "gives no gradient; give the model 2 or more output units, or use mean_squared_error.");
        }
    }

    private protected override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        CheckTargets(targets, width);
        double scale = 1.0 / rows;
        bool wantGradient = !gradient.IsEmpty;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> o = outputs.Slice(r * width, width);
            ReadOnlySpan<float> t = targets.Slice(r * width, width);
            double oo = 0, tt = 0, ot = 0;
            for (int j = 0; j < width; j++)
            {
                oo += (double)o[j] * o[j];
                tt += (double)t[j] * t[j];
                ot += (double)o[j] * t[j];
            }

            double floor = Epsilon * Epsilon;
            double invO = 1 / Math.Sqrt(Math.Max(oo, floor)), invT = 1 / Math.Sqrt(Math.Max(tt, floor));
            double cosine = ot * invO * invT;
            total -= cosine;
            if (wantGradient)
            {
                Span<float> g = gradient.Slice(r * width, width);
                // Where the clamp bit, ô = o/ε is linear in o and the projection term vanishes.
                double projection = oo > floor ? cosine * invO : 0;
                for (int j = 0; j < width; j++)
                {
                    g[j] = (float)(-((t[j] * invT) - (projection * o[j])) * invO * scale);
                }
            }
        }

        return total * scale;
    }
}
