namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>log_cosh</c>: per element, with x = o − t, <c>ℓ = log cosh x</c>, computed as Keras does without
/// overflow, <c>x + softplus(−2x) − log 2</c>; averaged over the last axis and then over rows. Gradient
/// <c>tanh(x)/(rows·width)</c>. Does not fuse with an activation.
/// </summary>
public sealed class LogCosh : ElementwiseLoss
{
    /// <inheritdoc/>
    public override string KerasName => "log_cosh";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => null;

    private protected override double Element(double output, double target, bool fromLogits, out double derivative)
    {
        double x = output - target, z = -2 * x;
        derivative = Math.Tanh(x);
        // softplus(z) = max(z, 0) + log(1 + exp(−|z|)): exp of a non-positive number only.
        return x + Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) - Math.Log(2);
    }
}
