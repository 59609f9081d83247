namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>mean_squared_error</c>: <c>L = (1/(rows·width)) Σ (o − t)²</c> (mean over the last axis, then over
/// rows); gradient <c>2(o − t)/(rows·width)</c>. Does not fuse with an activation: fromLogits is ignored.
/// </summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string KerasName => "mean_squared_error";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => null;

    private protected override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        int count = rows * width;
        double scale = 1.0 / count;
        bool wantGradient = !gradient.IsEmpty;
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            double d = (double)outputs[i] - targets[i];
            total += d * d;
            if (wantGradient)
            {
                gradient[i] = (float)(2 * d * scale);
            }
        }

        return total * scale;
    }
}
