namespace PSRnn.Engine.Training;

/// <summary>
/// A loss that is a sum of one term per element, <c>L = scale · Σ_i ℓ(o_i, t_i)</c>: Keras's mean over the last axis and
/// then over rows (scale 1/(rows·width)), or a sum over the last axis and a mean over rows (scale 1/rows, as
/// kl_divergence). Subclasses give the term and its derivative; the loop, the scale and the gradient live here.
/// </summary>
public abstract class ElementwiseLoss : Loss
{
    private protected ElementwiseLoss()
    {
    }

    /// <summary>Whether the last axis is summed (kl_divergence) rather than averaged.</summary>
    private protected virtual bool SumsLastAxis => false;

    /// <summary>The term ℓ(o, t) and, in <paramref name="derivative"/>, dℓ/do.</summary>
    private protected abstract double Element(double output, double target, bool fromLogits, out double derivative);

    private protected sealed override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        CheckTargets(targets, width);
        int count = rows * width;
        double scale = SumsLastAxis ? 1.0 / rows : 1.0 / count;
        bool wantGradient = !gradient.IsEmpty;
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            total += Element(outputs[i], targets[i], fromLogits, out double derivative);
            if (wantGradient)
            {
                gradient[i] = (float)(derivative * scale);
            }
        }

        return total * scale;
    }
}
