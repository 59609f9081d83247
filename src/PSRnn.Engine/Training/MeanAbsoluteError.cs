namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>mean_absolute_error</c>: <c>L = (1/(rows·width)) Σ |o − t|</c>; gradient
/// <c>sign(o − t)/(rows·width)</c> with sign(0) = 0, as TensorFlow and PyTorch differentiate |x|. Does not fuse
/// with an activation: fromLogits is ignored.
/// </summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string KerasName => "mean_absolute_error";

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
            total += Math.Abs(d);
            if (wantGradient)
            {
                gradient[i] = (float)(Math.Sign(d) * scale);
            }
        }

        return total * scale;
    }
}
