namespace PSRnn.Engine.Training;

/// <summary>
/// Keras 3's <c>Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)</c>: at step
/// t = iterations + 1, <c>α = lr·√(1−β2ᵗ)/(1−β1ᵗ)</c> (powers in double); <c>m = m + (g − m)(1−β1)</c>;
/// <c>v = v + (g² − v)(1−β2)</c>; amsgrad <c>v̂ = max(v̂, v)</c> replaces v below; <c>w = w − α·m/(√v + ε)</c>.
/// </summary>
/// <remarks>This is the "ε-hat" form of Kingma and Ba; PyTorch's Adam divides by <c>√(v/(1−β2ᵗ)) + ε</c> and defaults
/// to ε = 1e-8. The two agree when ε is negligible.</remarks>
public class Adam : Optimizer
{
    private static readonly string[] Slots = ["momentum", "velocity"];
    private static readonly string[] AmsgradSlots = ["momentum", "velocity", "velocity_hat"];
    private AdamScalars _scalars;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="beta1">β1, the decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">β2, the decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">ε, added to √v.</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant (the running maximum of v).</param>
    /// <param name="weightDecay">Decoupled weight decay, or null (see <see cref="AdamW"/>).</param>
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        bool amsgrad = false, float? weightDecay = null)
        : base(learningRate, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta_1 must be in [0, 1).");
        }

        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta_2 must be in [0, 1).");
        }

        if (!(epsilon >= 0) || !float.IsFinite(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite number ≥ 0.");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Amsgrad = amsgrad;
    }

    /// <inheritdoc/>
    public override string KerasName => "adam";

    /// <summary>β1.</summary>
    public float Beta1 { get; }

    /// <summary>β2.</summary>
    public float Beta2 { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    /// <summary>Whether AMSGrad is used.</summary>
    public bool Amsgrad { get; }

    private protected override string[] SlotNamesCore => Amsgrad ? AmsgradSlots : Slots;

    private protected override void BeginStep(long t, float learningRate)
    {
        // β^t in double: in float, 0.999^t loses most of its digits of 1 − β2^t for small t.
        double beta1Power = Math.Pow(Beta1, t);
        double beta2Power = Math.Pow(Beta2, t);
        double alpha = learningRate * Math.Sqrt(1 - beta2Power) / (1 - beta1Power);
        _scalars = new AdamScalars((float)(1.0 - Beta1), (float)(1.0 - Beta2), (float)alpha, Epsilon);
    }

    private protected override void Update(Span<float> value, ReadOnlySpan<float> gradient, OptimizerSlotSpans slots, float learningRate)
    {
        Span<float> vHat = Amsgrad ? slots[2] : default;
        OptimizerKernels.Adam(Path, value, gradient, slots[0], slots[1], vHat, _scalars);
    }
}
