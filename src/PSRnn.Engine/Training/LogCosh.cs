namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>log_cosh</c>: per element, with x = o − t, <c>ℓ = log cosh x</c>, computed as Keras does without
/// overflow, <c>x + softplus(−2x) − log 2</c>; averaged over the last axis and then over rows. Gradient
/// <c>tanh(x)/(rows·width)</c>. Does not fuse with an activation.
/// </summary>
public sealed class LogCosh : Loss
{
    /// <inheritdoc/>
    public override string KerasName => "log_cosh";

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
            double x = (double)outputs[i] - targets[i];
            double z = -2 * x;
            // softplus(z) = max(z, 0) + log(1 + exp(−|z|)): exp of a non-positive number only.
            total += x + Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) - Math.Log(2);
            if (wantGradient)
            {
                gradient[i] = (float)(Math.Tanh(x) * scale);
            }
        }

        return total * scale;
    }
}
