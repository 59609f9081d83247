using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// IndRNN (Li et al., 2018, "Independently Recurrent Neural Network"): each unit reads only its own previous state,
/// through one recurrent weight, so the gradient through time of unit n is a product of u_n·φ′ terms that a bound on
/// |u_n| keeps from exploding or vanishing.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, U); u <c>recurrent_kernel</c> (U); b <c>bias</c> (U); output
/// (B, T, U) with return_sequences, else the last h (B, U).</para>
/// <para>Forward, per step (φ the activation; m the recurrent dropout mask): z_t = x_t·W + u ⊙ (h_{t−1}⊙m) + b;
/// h_t = φ(z_t).</para>
/// <para>Backward, per step from the last: dh = dy_t + dh_next;  dz_t = dh⊙φ′(z_t);  dh_next = (dz_t ⊙ u)⊙m. After the
/// loop: dW += x̃ᵀ·dZ, du += Σ_t dz_t ⊙ h̃_t, db += Σ dZ, dx = (dZ·Wᵀ)⊙(input mask).</para>
/// <para>The constraint (<see cref="RecurrentMax"/>): after each optimizer update u is clipped to [−max, max], as
/// Keras applies a constraint; the paper bounds |u| by γ^(1/T) (γ = 2 for ReLU) for a memory of T steps. The initial u
/// is drawn uniformly from [0, 1] (the paper's), clipped to the bound; <c>recurrent_initializer</c> is not used.</para>
/// <para>The time loop, masking, dropout and threads are the driver's (<see cref="RecurrentDriver{TCell}"/>); the
/// step is <see cref="IndRnnCell"/>.</para>
/// </summary>
public sealed class IndRnn : RecurrentLayer
{
    private readonly RecurrentDriver<IndRnnCell> _driver;
    private readonly float? _recurrentMax;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return h of every step (B, T, U) instead of the last (B, U).</param>
    /// <param name="goBackwards">Process the steps from last to first (the returned sequence is in that order).</param>
    /// <param name="dropout">Keras's dropout on the inputs.</param>
    /// <param name="recurrentDropout">Keras's recurrent_dropout on h_{t−1}.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public IndRnn(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0f,
        float recurrentDropout = 0f, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
        _driver = new RecurrentDriver<IndRnnCell>(this);
        Driver = _driver;
    }

    private IndRnn(RecurrentSettings settings, float? recurrentMax)
        : base(settings)
    {
        _driver = new RecurrentDriver<IndRnnCell>(this);
        Driver = _driver;
        RecurrentMax = recurrentMax;
    }

    /// <inheritdoc />
    /// <remarks>Not a Keras core class: PSRnn's name for the layer in its files.</remarks>
    public override string KerasClassName => "IndRNN";

    /// <summary>The error ID of a recurrent bound that is not a positive number.</summary>
    public const string RecurrentMaxErrorId = "IndRnnRecurrentMaxInvalid";

    /// <summary>
    /// The bound on |u| applied after each update (and to the initial u), or null for none. Saved as
    /// <c>recurrent_max</c>.
    /// </summary>
    /// <exception cref="ModelException"><see cref="RecurrentMaxErrorId"/> for zero, a negative value, NaN or infinity.</exception>
    public float? RecurrentMax
    {
        get => _recurrentMax;
        init
        {
            if (value is float max && !(max > 0 && float.IsFinite(max)))
            {
                throw new ModelException(RecurrentMaxErrorId, string.Create(CultureInfo.InvariantCulture,
                    $"IndRNN's recurrent bound is the largest |u| its recurrent weights may take, a positive number (the paper's 2^(1/T) for T steps: 1.0028 for 256); {max} is not."));
            }

            _recurrentMax = value;
        }
    }

    /// <summary>The layer a saved config describes: the shared keys and recurrent_max (absent or null: none).</summary>
    internal static IndRnn FromConfig(RecurrentSettings settings, ILayerConfig config) =>
        new(settings, config.OptionalFloat("recurrent_max"));

    /// <inheritdoc />
    public override RecurrentLayer CreateTwin(bool goBackwards, string name) =>
        new IndRnn(Settings with { GoBackwards = goBackwards, Name = name }, RecurrentMax);

    /// <inheritdoc />
    protected override void AddConfig(IDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config["recurrent_max"] = _recurrentMax is float max ? (double)max : null;
    }

    /// <inheritdoc />
    protected override void CreateParameters(int inputFeatures)
    {
        RecurrentShared.CheckActivation(this);
        _driver.Bind(new IndRnnCell(Activation));
        CreateElementwiseWeights(inputFeatures);
        RecurrentKernel!.MaxAbs = _recurrentMax;
    }

    /// <inheritdoc />
    protected override void InitializeWeights(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        Initializers.Initialize(KernelInitializer, Kernel!.Value, Kernel.Shape, rng);
        float[] u = RecurrentKernel!.Value;
        for (int i = 0; i < u.Length; i++)
        {
            u[i] = (float)rng.Uniform(0, 1);
        }

        RecurrentKernel.ApplyConstraint();
        if (Bias is not null)
        {
            Initializers.Initialize(BiasInitializer, Bias.Value, Bias.Shape, rng);
        }
    }
}
