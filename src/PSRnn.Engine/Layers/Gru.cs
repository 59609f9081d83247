using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's GRU (Cho et al. 2014), gate order z, r, h (update, reset, candidate).
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, 3U); U <c>recurrent_kernel</c> (U, 3U); <c>bias</c> (2, 3U) with
/// reset_after (row 0 the input bias b_i, row 1 the recurrent bias b_r), else (3U); output (B, T, U) with
/// return_sequences, else the last state (B, U). σ is <see cref="RecurrentActivation"/>, g is
/// <see cref="RecurrentLayer.Activation"/>, m the recurrent dropout mask (1 when none), h₀ = 0.</para>
/// <para>Forward, reset_after = true (Keras's default, cuDNN/PyTorch style):
/// [x_z, x_r, x_h] = x·W + b_i;  [r_z, r_r, r_h] = (h⊙m)·U + b_r;
/// z = σ(x_z + r_z);  r = σ(x_r + r_r);  ĥ = g(x_h + r ⊙ r_h);  h′ = z⊙h + (1 − z)⊙ĥ.</para>
/// <para>Forward, reset_after = false: [x_z, x_r, x_h] = x·W + b;  z = σ(x_z + (h⊙m)·U_z);  r = σ(x_r + (h⊙m)·U_r);
/// ĥ = g(x_h + (r⊙h⊙m)·U_h);  h′ = z⊙h + (1 − z)⊙ĥ. The reset gate enters before the product with U_h, so a step needs
/// two matrix products: (h⊙m)·U_zr, then (r⊙h⊙m)·U_h.</para>
/// <para>Backward, per step (dh = upstream + carry): dz = dh⊙(h − ĥ)⊙σ′;  dĥ = dh⊙(1 − z)⊙g′;  carry = dh⊙z + m⊙(dh_m).
/// reset_after: dr = dĥ⊙r_h⊙σ′;  the recurrent gate gradient is [dz, dr, dĥ⊙r] and dh_m = it·Uᵀ.
/// reset_before: d(r⊙h⊙m) = dĥ·U_hᵀ;  dr = that⊙(h⊙m)⊙σ′;  dh_m = that⊙r + [dz, dr]·U_zrᵀ.
/// After the loop: dW += (x⊙mask)ᵀ·dG;  dU += (h⊙m)ᵀ·dG_rec (reset_before: U_zr from h⊙m, U_h from r⊙h⊙m);
/// db += column sums;  dx = (dG·Wᵀ)⊙mask.</para>
/// <para>The time loop, masking, dropout and threads are the driver's (<see cref="RecurrentDriver{TCell}"/>); the
/// step, its layout and its dropout and activation notes are <see cref="GruCell"/>'s.</para>
/// </summary>
public sealed class Gru : RecurrentLayer
{
    private readonly RecurrentDriver<GruCell> _driver;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return (B, T, U) instead of the last state.</param>
    /// <param name="goBackwards">Process the steps from last to first.</param>
    /// <param name="dropout">Keras's dropout on the inputs.</param>
    /// <param name="recurrentDropout">Keras's recurrent_dropout on the state.</param>
    /// <param name="resetAfter">Keras's reset_after (default true: bias (2, 3U), reset applied after the product).</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public Gru(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0f,
        float recurrentDropout = 0f, bool resetAfter = true, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
        _driver = new RecurrentDriver<GruCell>(this);
        Driver = _driver;
        ResetAfter = resetAfter;
    }

    private Gru(RecurrentSettings settings, bool resetAfter, ActivationKind recurrentActivation)
        : base(settings)
    {
        _driver = new RecurrentDriver<GruCell>(this);
        Driver = _driver;
        ResetAfter = resetAfter;
        RecurrentActivation = recurrentActivation;
    }

    /// <inheritdoc />
    public override string KerasClassName => "GRU";

    /// <summary>Keras's reset_after: whether the reset gate multiplies h·U_h (true) or h before the product (false).</summary>
    public bool ResetAfter { get; }

    /// <summary>Keras's recurrent_activation for the z and r gates: sigmoid by default (hard_sigmoid allowed).</summary>
    public ActivationKind RecurrentActivation { get; init; } = ActivationKind.Sigmoid;

    /// <summary>The layer a saved Keras config describes: the shared keys, reset_after and recurrent_activation.</summary>
    internal static Gru FromConfig(RecurrentSettings settings, ILayerConfig config) =>
        new(settings, config.Bool("reset_after", true), config.Activation("recurrent_activation", "sigmoid"));

    /// <inheritdoc />
    public override RecurrentLayer CreateTwin(bool goBackwards, string name) =>
        new Gru(Settings with { GoBackwards = goBackwards, Name = name }, ResetAfter, RecurrentActivation);

    /// <inheritdoc />
    protected override void AddConfig(IDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config["recurrent_activation"] = RecurrentActivation.KerasName();
        config["reset_after"] = ResetAfter;
    }

    /// <inheritdoc />
    protected override void CreateParameters(int inputFeatures)
    {
        GruCell.Validate(Name, Activation, "activation");
        GruCell.Validate(Name, RecurrentActivation, "recurrent_activation");
        _driver.Bind(new GruCell(Activation, RecurrentActivation, ResetAfter));
        CreateWeights(inputFeatures, 3, (ResetAfter ? [2, 3 * Units] : [3 * Units]));
    }

    /// <inheritdoc />
    protected override void InitializeWeights(Rng rng)
    {
        Initializers.Initialize(KernelInitializer, Kernel!.Value, Kernel.Shape, rng);
        Initializers.Initialize(RecurrentInitializer, RecurrentKernel!.Value, RecurrentKernel.Shape, rng);
        if (Bias is not null)
        {
            Initializers.Initialize(BiasInitializer, Bias.Value, Bias.Shape, rng);
        }
    }
}
