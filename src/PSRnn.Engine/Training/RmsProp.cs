namespace PSRnn.Engine.Training;

/// <summary>
/// Keras 3's <c>RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)</c>:
/// <c>v = ρv + (1−ρ)g²</c>; centered <c>a = ρa + (1−ρ)g</c> and <c>d = v − a² + ε</c>, else <c>d = v + ε</c>;
/// <c>inc = lr·g/√d</c>; with momentum <c>mom = μ·mom + inc</c> and <c>w = w − mom</c>, else <c>w = w − inc</c>.
/// </summary>
/// <remarks>ε is inside the square root (PyTorch's RMSprop adds it outside, √v + ε, and defaults to ε = 1e-8,
/// α = 0.99, lr = 0.01).</remarks>
public sealed class RmsProp : Optimizer
{
    private readonly string[] _slotNames;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="rho">The decay ρ of the moving averages, in [0, 1).</param>
    /// <param name="momentum">The momentum μ, in [0, 1]; 0 keeps no momentum slot.</param>
    /// <param name="epsilon">ε, added to the denominator under the square root.</param>
    /// <param name="centered">Whether to divide by the estimated variance instead of the second moment.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    public RmsProp(float learningRate = 0.001f, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f,
        bool centered = false, float? weightDecay = null)
        : base(learningRate, weightDecay)
    {
        if (!(rho >= 0 && rho < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1).");
        }

        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be between 0 and 1.");
        }

        if (!(epsilon >= 0) || !float.IsFinite(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite number ≥ 0.");
        }

        Rho = rho;
        MomentumFactor = momentum;
        Epsilon = epsilon;
        Centered = centered;
        var names = new List<string> { "velocity" };
        if (momentum > 0)
        {
            names.Add("momentum");
        }

        if (centered)
        {
            names.Add("average_gradient");
        }

        _slotNames = [.. names];
    }

    /// <inheritdoc/>
    public override string KerasName => "rmsprop";

    /// <summary>ρ.</summary>
    public float Rho { get; }

    /// <summary>The momentum μ.</summary>
    public float MomentumFactor { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the centered variant is used.</summary>
    public bool Centered { get; }

    private protected override string[] SlotNamesCore => _slotNames;

    private protected override void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate)
    {
        int next = 1;
        Span<float> momentum = MomentumFactor > 0 ? slots[next++] : default;
        Span<float> average = Centered ? slots[next] : default;
        var scalars = new RmsPropScalars(Rho, (float)(1.0 - Rho), Epsilon, learningRate, MomentumFactor);
        OptimizerKernels.RmsProp(Path, value, gradient, slots[0], momentum, average, scalars);
    }
}
