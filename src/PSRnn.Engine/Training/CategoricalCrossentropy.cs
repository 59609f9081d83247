namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>categorical_crossentropy</c>: <c>L = −(1/rows) Σ_r Σ_j y_rj · log p_rj</c> with one-hot (or soft)
/// targets y.
/// </summary>
/// <remarks>
/// From logits x (fused softmax): <c>log p_j = x_j − m − log Σ_k exp(x_k − m)</c> with m = max x, so ±1000 is
/// finite; gradient <c>(softmax_j · Σ_k y_k − y_j) / rows</c> (= (softmax − y)/rows for one-hot y).
/// From probabilities o (Keras's formula, keras/src/backend/*/nn.py): <c>p = clip(o / Σ o, ε, 1 − ε)</c>, ε = 1e-7;
/// gradient through the renormalization and the clip:
/// <c>dL/do_k = (1/(rows·S)) (−y_k c_k / p_k + Σ_j y_j c_j q_j / p_j)</c>, S = Σ o, q = o/S, c = 1 where the clip
/// passed q, else 0.
/// </remarks>
public sealed class CategoricalCrossentropy : Loss
{
    /// <inheritdoc/>
    public override string KerasName => "categorical_crossentropy";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => OutputActivation.Softmax;

    private protected override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        double total = 0;
        double invRows = 1.0 / rows;
        bool wantGradient = !gradient.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> o = outputs.Slice(r * width, width);
            ReadOnlySpan<float> y = targets.Slice(r * width, width);
            Span<float> g = wantGradient ? gradient.Slice(r * width, width) : default;
            total += fromLogits
                ? CrossEntropyRows.FromLogits(o, y, -1, invRows, g)
                : CrossEntropyRows.FromProbabilities(o, y, -1, invRows, g);
        }

        return total * invRows;
    }
}
