namespace PSRnn.Engine.Training;

/// <summary>
/// Keras 3's <c>Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)</c>, with Keras's momentum-cache
/// schedule <c>uₜ = β1·(1 − ½·0.96ᵗ)</c> and its running product <c>Πuₜ = u₁·…·uₜ</c>: at step t,
/// <c>m = m + (g − m)(1−β1)</c>; <c>v = v + (g² − v)(1−β2)</c>;
/// <c>m̂ = u₍ₜ₊₁₎·m / (1 − Πu₍ₜ₊₁₎) + (1 − uₜ)·g / (1 − Πuₜ)</c>; <c>v̂ = v / (1 − β2ᵗ)</c>;
/// <c>w = w − lr·m̂ / (√v̂ + ε)</c>.
/// </summary>
/// <remarks>
/// Keras keeps Πuₜ in a variable (u_product); here it is a function of the step count, computed in double in the same
/// order every time, so a restored optimizer needs only <see cref="Optimizer.Iterations"/> to continue exactly.
/// Keras 3 raises 0.96 to the step itself; Keras 2 and PyTorch's NAdam use <c>0.96^(0.004·t)</c> (momentum_decay 0.004),
/// and PyTorch also places ε and the bias terms differently: it is not the reference.
/// </remarks>
public sealed class Nadam : AdaptiveMomentOptimizer
{
    private const double ScheduleDecay = 0.96;
    private static readonly string[] Slots = ["momentum", "velocity"];
    private NadamScalars _scalars;
    private long _productStep;
    private double _product = 1.0;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="beta1">β1, in [0, 1).</param>
    /// <param name="beta2">β2, in [0, 1).</param>
    /// <param name="epsilon">ε, added to √v̂.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    public Nadam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, float? weightDecay = null)
        : base(learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <inheritdoc/>
    public override string KerasName => "nadam";

    private protected override string[] SlotNamesCore => Slots;

    private protected override void BeginStep(long t, float learningRate)
    {
        double uT = MomentumCache(t);
        double uNext = MomentumCache(t + 1);
        double product = Product(t);
        double productNext = product * uNext;
        _scalars = new NadamScalars((float)(1.0 - Beta1), (float)(1.0 - Beta2), (float)(uNext / (1 - productNext)),
            (float)((1 - uT) / (1 - product)), (float)(1 - Math.Pow(Beta2, t)), learningRate, Epsilon);
    }

    private protected override void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate) =>
        OptimizerKernels.Nadam(Path, value, gradient, slots[0], slots[1], _scalars);

    private double MomentumCache(long t) => Beta1 * (1 - 0.5 * Math.Pow(ScheduleDecay, t));

    /// <summary>Πuₖ for k = 1..t: extended by one factor per step, recomputed from 1 after a restore (same order, same bits).</summary>
    private double Product(long t)
    {
        if (t < _productStep)
        {
            _productStep = 0;
            _product = 1.0;
        }

        while (_productStep < t)
        {
            _productStep++;
            _product *= MomentumCache(_productStep);
        }

        return _product;
    }
}
