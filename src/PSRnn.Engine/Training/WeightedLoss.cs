namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's weighted reduction (keras/src/losses/loss.py, sum_over_batch_size): <c>L = Σ_r w_r·l_r / rows</c>, divided by
/// the number of rows, not by Σ w; gradient <c>∂L/∂o_r = (w_r / rows)·∂l_r/∂o_r</c>. l_r is the loss of one row (reduced
/// over its last axis, as Keras's loss functions return it), so any <see cref="Loss"/> serves unchanged. With a mask,
/// Keras multiplies the mask, scaled by total/valid, into the weights: the same sum over the real rows divided by their
/// count, which is this over the gathered real rows. A row of weight 0 adds nothing (no 0·∞): a batch of zero weights
/// has loss 0 and gradient 0.
/// </summary>
internal static class WeightedLoss
{
    public static double Compute(Loss loss, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights,
        int rows, int width, Span<float> gradient, bool fromLogits)
    {
        int targetsPerRow = targets.Length / rows;
        bool wantGradient = !gradient.IsEmpty;
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            double w = weights[r];
            Span<float> g = wantGradient ? gradient.Slice(r * width, width) : default;
            if (w == 0)
            {
                g.Clear();
                continue;
            }

            total += w * loss.Compute(outputs.Slice(r * width, width), targets.Slice(r * targetsPerRow, targetsPerRow), 1, width, g, fromLogits);
            double scale = w / rows;
            for (int j = 0; j < g.Length; j++)
            {
                g[j] = (float)(g[j] * scale);
            }
        }

        return total / rows;
    }
}
