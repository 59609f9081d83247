namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>huber</c>: per element, with e = o − t, <c>ℓ = ½e²</c> where |e| ≤ δ and <c>δ|e| − ½δ²</c> elsewhere,
/// averaged over the last axis and then over rows (= the mean of all rows × width elements). Gradient
/// <c>e/(rows·width)</c> inside, <c>δ·sign(e)/(rows·width)</c> outside. PyTorch's <c>F.huber_loss</c> is the same.
/// Does not fuse with an activation.
/// </summary>
public sealed class Huber : ElementwiseLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="delta">Where the loss turns from quadratic to linear (Keras default 1.0); finite, greater than 0.</param>
    public Huber(double delta = 1.0)
    {
        if (!(double.IsFinite(delta) && delta > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Huber's delta must be a finite number greater than 0.");
        }

        Delta = delta;
        Config = new Dictionary<string, object> { ["delta"] = delta };
    }

    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    public override string KerasName => "huber";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => null;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object> Config { get; }

    private protected override double Element(double output, double target, bool fromLogits, out double derivative)
    {
        double e = output - target, a = Math.Abs(e), delta = Delta;
        bool inside = a <= delta;
        derivative = inside ? e : delta * Math.Sign(e);
        return inside ? 0.5 * e * e : (delta * a) - (0.5 * delta * delta);
    }
}
