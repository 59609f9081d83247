using System.Globalization;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>poisson</c>: per element <c>ℓ = o − t·log(o + ε)</c>, ε = 1e-7, averaged over the last axis and then
/// over rows; gradient <c>(1 − t/(o + ε))/(rows·width)</c>. PyTorch's
/// <c>F.poisson_nll_loss(o, t, log_input=False, full=False, eps=1e-7)</c> is the same. The outputs are rates, so the
/// last layer should keep them positive (softplus, or exp of a linear output); does not fuse with an activation.
/// </summary>
/// <remarks>A negative target is refused with <c>LossTargetNegative</c> (Keras does not check): the targets are counts,
/// and with t &lt; 0 the loss has no lower bound as o → 0, so training would run to −∞ rather than fit.</remarks>
public sealed class Poisson : ElementwiseLoss
{
    private const double Epsilon = 1e-7;

    /// <inheritdoc/>
    public override string KerasName => "poisson";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => null;

    internal override void CheckTargets(ReadOnlySpan<float> targets, int width)
    {
        foreach (float t in targets)
        {
            if (!(t >= 0))
            {
                throw new ModelException("LossTargetNegative", string.Create(CultureInfo.InvariantCulture,
                    $"poisson takes counts as targets (0 or more), but a target is {t}; shift or rescale the targets, or use mean_squared_error or huber."));
            }
        }
    }

    private protected override double Element(double output, double target, bool fromLogits, out double derivative)
    {
        double shifted = output + Epsilon;
        derivative = 1 - (target / shifted);
        return output - (target * Math.Log(shifted));
    }
}
