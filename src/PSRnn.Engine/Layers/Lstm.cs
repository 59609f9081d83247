using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's LSTM (gate order i, f, c, o), with zero initial state.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, 4U); U <c>recurrent_kernel</c> (U, 4U); b <c>bias</c> (4U); output
/// (B, T, U) with return_sequences, else the last h (B, U).</para>
/// <para>Forward, per step (σ the recurrent activation, φ the activation, m the recurrent dropout mask):
/// z = x_t·W + (h_{t−1}⊙m)·U + b;  i = σ(z_i), f = σ(z_f), g = φ(z_c), o = σ(z_o);
/// c_t = f⊙c_{t−1} + i⊙g;  h_t = o⊙φ(c_t).</para>
/// <para>Backward, per step from the last: dh = dy_t + dh_next;  do = dh⊙φ(c_t);
/// dc = dc_next + dh⊙o⊙φ′(c_t);  di = dc⊙g;  dg = dc⊙i;  df = dc⊙c_{t−1};  dc_next = dc⊙f;
/// dz = (di, df, dg, do)⊙(σ′, σ′, φ′, σ′);  dh_next = (dz·Uᵀ)⊙m. After the loop:
/// dW += x̃ᵀ·dZ, dU += H̃ᵀ·dZ, db += Σ dZ, dx = (dZ·Wᵀ)⊙(input mask), with x̃ the dropped input and H̃ the dropped
/// previous states of every step.</para>
/// <para>With <see cref="ProjectionSize"/> P (PyTorch's proj_size, 0 &lt; P &lt; U): h_t = (o⊙φ(c_t))·W_hr, W_hr
/// <c>weight_hr</c> (U, P) — PyTorch's weight_hr_l0 (P, U) transposed, as <c>kernel</c> is weight_ih_l0's — and U
/// <c>recurrent_kernel</c> is (P, 4U); the output and h are P wide, c stays U. Backward: dr = dh·W_hrᵀ takes dh's
/// place; dW_hr += Rᵀ·dH.</para>
/// <para>The time loop, masking, dropout and threads are the driver's (<see cref="RecurrentDriver{TCell}"/>); the
/// step is <see cref="LstmCell"/>.</para>
/// </summary>
public sealed class Lstm : RecurrentLayer
{
    private readonly RecurrentDriver<LstmCell> _driver;

    private readonly ActivationKind _recurrentActivation = ActivationKind.Sigmoid;

    private readonly int _projectionSize;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return h of every step (B, T, U) instead of the last (B, U).</param>
    /// <param name="goBackwards">Process the steps from last to first (the returned sequence is in that order).</param>
    /// <param name="dropout">Keras's dropout on the inputs.</param>
    /// <param name="recurrentDropout">Keras's recurrent_dropout on h_{t−1}.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public Lstm(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0f,
        float recurrentDropout = 0f, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
        _driver = new RecurrentDriver<LstmCell>(this);
        Driver = _driver;
    }

    private Lstm(RecurrentSettings settings, ActivationKind recurrentActivation, bool unitForgetBias, int projectionSize)
        : base(settings)
    {
        _driver = new RecurrentDriver<LstmCell>(this);
        Driver = _driver;
        RecurrentActivation = recurrentActivation;
        UnitForgetBias = unitForgetBias;
        ProjectionSize = projectionSize;
    }

    /// <inheritdoc />
    public override string KerasClassName => "LSTM";

    /// <summary>Keras's recurrent_activation of the i, f and o gates: sigmoid (default) or hard_sigmoid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Another activation.</exception>
    public ActivationKind RecurrentActivation
    {
        get => _recurrentActivation;
        init
        {
            if (value is not (ActivationKind.Sigmoid or ActivationKind.HardSigmoid))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The recurrent activation must be sigmoid or hard_sigmoid.");
            }

            _recurrentActivation = value;
        }
    }

    /// <summary>Keras's unit_forget_bias: the forget-gate slice of the bias starts at 1 (the rest from the bias initializer).</summary>
    public bool UnitForgetBias { get; init; } = true;

    /// <summary>The error ID of a projection size outside 1 to units − 1.</summary>
    public const string ProjectionSizeErrorId = "LstmProjectionSizeInvalid";

    /// <summary>
    /// PyTorch's proj_size: the width P of h = (o⊙φ(c))·W_hr, from 1 to <see cref="RecurrentLayer.Units"/> − 1, or 0 for
    /// none (Keras's LSTM). Saved as <c>projection_size</c> in the layer config (absent: 0).
    /// </summary>
    /// <exception cref="ModelException"><see cref="ProjectionSizeErrorId"/> for a size outside 0 to units − 1.</exception>
    public int ProjectionSize
    {
        get => _projectionSize;
        init
        {
            if (value < 0 || value >= Units)
            {
                throw new ModelException(ProjectionSizeErrorId, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"An LSTM of {Units} units projects h to 1 to {Units - 1} values (PyTorch's proj_size < hidden_size); {value} is outside that. Use 0 (or leave it out) for no projection."));
            }

            _projectionSize = value;
        }
    }

    /// <inheritdoc />
    public override int StateWidth => _projectionSize > 0 ? _projectionSize : Units;

    /// <summary>The projection W_hr <c>weight_hr</c> (U, P), once built with a <see cref="ProjectionSize"/>.</summary>
    internal Parameter? Projection { get; private set; }

    /// <summary>The layer a saved config describes: the shared keys, recurrent_activation, unit_forget_bias and PSRnn's projection_size.</summary>
    internal static Lstm FromConfig(RecurrentSettings settings, ILayerConfig config) =>
        new(settings, config.Activation("recurrent_activation", "sigmoid"), config.Bool("unit_forget_bias", true),
            config.Int("projection_size", 0));

    /// <inheritdoc />
    public override RecurrentLayer CreateTwin(bool goBackwards, string name) =>
        new Lstm(Settings with { GoBackwards = goBackwards, Name = name }, RecurrentActivation, UnitForgetBias, ProjectionSize);

    /// <inheritdoc />
    protected override void AddConfig(IDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config["recurrent_activation"] = RecurrentActivation.KerasName();
        config["unit_forget_bias"] = UnitForgetBias;
        if (_projectionSize > 0)
        {
            // Not a Keras key (Keras's LSTM has no projection): written only when set, so a plain LSTM's config stays Keras's.
            config["projection_size"] = _projectionSize;
        }
    }

    /// <inheritdoc />
    protected override void CreateParameters(int inputFeatures)
    {
        RecurrentShared.CheckActivation(this);
        CreateWeights(inputFeatures, 4, [4 * Units]);
        Projection = _projectionSize > 0 ? AddParameter("weight_hr", Units, _projectionSize) : null;
        _driver.Bind(new LstmCell(Activation, _recurrentActivation, Projection));
    }

    /// <inheritdoc />
    protected override void InitializeWeights(Rng rng)
    {
        Initializers.Initialize(KernelInitializer, Kernel!.Value, Kernel.Shape, rng);
        Initializers.Initialize(RecurrentInitializer, RecurrentKernel!.Value, RecurrentKernel.Shape, rng);
        int u = Units;
        if (Bias is not null && UnitForgetBias)
        {
            // Keras: concatenate(init((U,)), ones((U,)), init((2U,))) — two separate draws of the bias initializer.
            Initializers.Initialize(BiasInitializer, Bias.Value.AsSpan(0, u), [u], rng);
            Bias.Value.AsSpan(u, u).Fill(1f);
            Initializers.Initialize(BiasInitializer, Bias.Value.AsSpan(2 * u, 2 * u), [2 * u], rng);
        }
        else if (Bias is not null)
        {
            Initializers.Initialize(BiasInitializer, Bias.Value, Bias.Shape, rng);
        }

        if (Projection is not null)
        {
            // Drawn after Keras's weights: a seed gives the kernels and bias the draws it gives a plain LSTM.
            Initializers.Initialize(KernelInitializer, Projection.Value, Projection.Shape, rng);
        }
    }
}
