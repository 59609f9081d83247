namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>binary_crossentropy</c>: per element <c>ℓ = −(y log p + (1 − y) log(1 − p))</c>, averaged over the
/// last axis and then over rows (= the mean of all rows × width elements).
/// </summary>
/// <remarks>
/// From logits x (fused sigmoid), the stable form of TensorFlow's <c>sigmoid_cross_entropy_with_logits</c> and
/// PyTorch's <c>binary_cross_entropy_with_logits</c>: <c>ℓ = max(x, 0) − x·y + log(1 + exp(−|x|))</c>, gradient
/// <c>(σ(x) − y)/(rows·width)</c>. From probabilities, Keras clips: <c>p = clip(o, ε, 1 − ε)</c>, ε = 1e-7, and the
/// gradient <c>(−y/p + (1 − y)/(1 − p))/(rows·width)</c> is zero where the clip bit.
/// </remarks>
public sealed class BinaryCrossentropy : Loss
{
    /// <inheritdoc/>
    public override string KerasName => "binary_crossentropy";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => OutputActivation.Sigmoid;

    private protected override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        int count = rows * width;
        double scale = 1.0 / count;
        bool wantGradient = !gradient.IsEmpty;
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double x = outputs[i];
            double y = targets[i];
            if (fromLogits)
            {
                total += Math.Max(x, 0) - (x * y) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                if (wantGradient)
                {
                    // σ(x) without overflow: exp of a non-positive number only.
                    double e = Math.Exp(-Math.Abs(x));
                    double sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e);
                    gradient[i] = (float)((sigmoid - y) * scale);
                }
            }
            else
            {
                double p = CrossEntropyRows.ClipProbability(x, out bool inside);
                total -= (y * Math.Log(p)) + ((1 - y) * Math.Log(1 - p));
                if (wantGradient)
                {
                    gradient[i] = inside ? (float)(((-y / p) + ((1 - y) / (1 - p))) * scale) : 0f;
                }
            }
        }

        return total * scale;
    }
}
