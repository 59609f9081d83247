namespace PSRnn.Engine.Training;

/// <summary>
/// Keras 3's <c>Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7)</c>: <c>a = ρa + (1−ρ)g²</c>;
/// <c>Δ = −√(d + ε)·g / √(a + ε)</c>; <c>d = ρd + (1−ρ)Δ²</c>; <c>w = w + lr·Δ</c>.
/// </summary>
/// <remarks>PyTorch's Adadelta is the same rule (its default lr is 1.0, ρ 0.9, ε 1e-6).</remarks>
public sealed class Adadelta : Optimizer
{
    private static readonly string[] Slots = ["accumulated_grad", "accumulated_delta_var"];

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="rho">The decay ρ of both averages, in [0, 1).</param>
    /// <param name="epsilon">ε, added under both square roots.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    public Adadelta(float learningRate = 0.001f, float rho = 0.95f, float epsilon = 1e-7f, float? weightDecay = null)
        : base(learningRate, weightDecay)
    {
        Rho = OptimizerArguments.Decay(rho, "rho", nameof(rho));
        Epsilon = OptimizerArguments.NonNegative(epsilon, "epsilon", nameof(epsilon));
    }

    /// <inheritdoc/>
    public override string KerasName => "adadelta";

    /// <summary>ρ.</summary>
    public float Rho { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    private protected override string[] SlotNamesCore => Slots;

    private protected override void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate) =>
        OptimizerKernels.Adadelta(Path, value, gradient, slots[0], slots[1], learningRate, Rho, Epsilon);
}
