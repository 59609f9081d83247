namespace PSRnn.Engine.Training;

/// <summary>
/// Keras 3's <c>Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)</c>: the accumulator starts
/// at <c>initial_accumulator_value</c>; each step <c>acc = acc + g²</c>, <c>w = w − lr·g / √(acc + ε)</c>.
/// </summary>
/// <remarks>PyTorch's Adagrad starts its sum at 0 by default and adds ε outside the root (<c>√acc + ε</c>, ε = 1e-10).</remarks>
public sealed class Adagrad : Optimizer
{
    private static readonly string[] Slots = ["accumulator"];

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="initialAccumulatorValue">The accumulator's starting value, ≥ 0.</param>
    /// <param name="epsilon">ε, added under the square root.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    public Adagrad(float learningRate = 0.001f, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f, float? weightDecay = null)
        : base(learningRate, weightDecay)
    {
        InitialAccumulatorValue = OptimizerArguments.NonNegative(initialAccumulatorValue, "initial_accumulator_value", nameof(initialAccumulatorValue));
        Epsilon = OptimizerArguments.NonNegative(epsilon, "epsilon", nameof(epsilon));
    }

    /// <inheritdoc/>
    public override string KerasName => "adagrad";

    /// <summary>The accumulator's starting value.</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    private protected override string[] SlotNamesCore => Slots;

    private protected override float InitialSlotValue => InitialAccumulatorValue;

    private protected override void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate) =>
        OptimizerKernels.Adagrad(Path, value, gradient, slots[0], learningRate, Epsilon);
}
