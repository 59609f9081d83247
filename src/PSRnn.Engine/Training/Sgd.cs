namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>SGD(learning_rate=0.01, momentum=0.0, nesterov=False)</c>. Without momentum <c>w = w − lr·g</c>;
/// with momentum <c>m = μ·m − lr·g</c>, then <c>w = w + m</c>, or with Nesterov <c>w = w + μ·m − lr·g</c>.
/// </summary>
/// <remarks>For a constant learning rate this equals PyTorch's <c>SGD(momentum, nesterov)</c> (its buffer b = −m/lr);
/// they differ when the learning rate changes, since Keras's m carries the old rates.</remarks>
public sealed class Sgd : Optimizer
{
    private static readonly string[] MomentumSlots = ["momentum"];

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.01).</param>
    /// <param name="momentum">The momentum μ in [0, 1]; 0 keeps no state.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false, float? weightDecay = null)
        : base(learningRate, weightDecay)
    {
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be between 0 and 1.");
        }

        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <inheritdoc/>
    public override string KerasName => "sgd";

    /// <summary>The momentum μ.</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    private protected override string[] SlotNamesCore => Momentum != 0 ? MomentumSlots : [];

    private protected override void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate)
    {
        if (Momentum != 0)
        {
            OptimizerKernels.SgdMomentum(Path, value, gradient, slots[0], Momentum, learningRate, Nesterov);
        }
        else
        {
            OptimizerKernels.Sgd(Path, value, gradient, learningRate);
        }
    }
}
