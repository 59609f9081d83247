namespace PSRnn.Engine.Training;

/// <summary>
/// Keras 3's <c>Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)</c>: at step t,
/// <c>m = m + (g − m)(1−β1)</c>; <c>u = max(β2·u, |g|)</c>; <c>w = w − lr·m / ((1−β1ᵗ)(u + ε))</c>.
/// </summary>
/// <remarks>PyTorch's Adamax adds ε inside the maximum (<c>max(β2·u, |g| + ε)</c>) and defaults to lr 0.002, ε 1e-8;
/// the two agree when ε is negligible.</remarks>
public sealed class Adamax : AdaptiveMomentOptimizer
{
    private static readonly string[] Slots = ["momentum", "norm"];
    private float _alpha;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="beta1">β1, the decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">β2, the decay of the infinity norm, in [0, 1).</param>
    /// <param name="epsilon">ε, added to the norm.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    public Adamax(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, float? weightDecay = null)
        : base(learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <inheritdoc/>
    public override string KerasName => "adamax";

    private protected override string[] SlotNamesCore => Slots;

    private protected override void BeginStep(long t, float learningRate) =>
        _alpha = (float)(learningRate / (1 - Math.Pow(Beta1, t)));

    private protected override void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate) =>
        OptimizerKernels.Adamax(Path, value, gradient, slots[0], slots[1], (float)(1.0 - Beta1), Beta2, _alpha, Epsilon);
}
