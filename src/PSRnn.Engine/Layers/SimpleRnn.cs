using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's SimpleRNN, with zero initial state.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, U); U <c>recurrent_kernel</c> (U, U); b <c>bias</c> (U); output
/// (B, T, U) with return_sequences, else the last h (B, U).</para>
/// <para>Forward, per step (φ the activation, tanh by default; m the recurrent dropout mask):
/// z_t = x_t·W + (h_{t−1}⊙m)·U + b;  h_t = φ(z_t).</para>
/// <para>Backward, per step from the last: dh = dy_t + dh_next;  dz_t = dh⊙φ′(z_t);  dh_next = (dz_t·Uᵀ)⊙m.
/// After the loop: dW += x̃ᵀ·dZ, dU += H̃ᵀ·dZ, db += Σ dZ, dx = (dZ·Wᵀ)⊙(input mask), with x̃ the dropped input and
/// H̃ the dropped previous states of every step.</para>
/// <para>The time loop, masking, dropout and threads are the driver's (<see cref="RecurrentDriver{TCell}"/>); the
/// step is <see cref="SimpleRnnCell"/>.</para>
/// </summary>
public sealed class SimpleRnn : RecurrentLayer
{
    private readonly RecurrentDriver<SimpleRnnCell> _driver;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return h of every step (B, T, U) instead of the last (B, U).</param>
    /// <param name="goBackwards">Process the steps from last to first (the returned sequence is in that order).</param>
    /// <param name="dropout">Keras's dropout on the inputs.</param>
    /// <param name="recurrentDropout">Keras's recurrent_dropout on h_{t−1}.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public SimpleRnn(int units, bool returnSequences = false, bool goBackwards = false, float dropout = 0f,
        float recurrentDropout = 0f, string? name = null)
        : base(units, returnSequences, goBackwards, dropout, recurrentDropout, name)
    {
        _driver = new RecurrentDriver<SimpleRnnCell>(this);
        Driver = _driver;
    }

    private SimpleRnn(RecurrentSettings settings)
        : base(settings)
    {
        _driver = new RecurrentDriver<SimpleRnnCell>(this);
        Driver = _driver;
    }

    /// <inheritdoc />
    public override string KerasClassName => "SimpleRNN";

    /// <summary>The layer a saved Keras config describes (SimpleRNN has no keys beyond the shared ones).</summary>
    internal static SimpleRnn FromConfig(RecurrentSettings settings, ILayerConfig config) => new(settings);

    /// <inheritdoc />
    public override RecurrentLayer CreateTwin(bool goBackwards, string name) => new SimpleRnn(Settings with { GoBackwards = goBackwards, Name = name });

    /// <inheritdoc />
    protected override void CreateParameters(int inputFeatures)
    {
        RecurrentShared.CheckActivation(this);
        _driver.Bind(new SimpleRnnCell(Activation));
        CreateWeights(inputFeatures, 1, [Units]);
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
