using System.Numerics.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// minGRU (Feng et al. 2024): a GRU whose gates read the current input only, so training runs over time as the paper's
/// log-space scan and prediction step by step; no recurrent kernel.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, 2U), gate blocks z, h; <c>bias</c> (2U); output (B, T, U) with
/// return_sequences, else the last h (B, U); h₀ = 0.</para>
/// <para>Forward: [k_z, k_h] = x_t·W + b;  z = σ(k_z);  h̃ = g(k_h) with g(x) = x + 0.5 (x ≥ 0), σ(x) (x &lt; 0);
/// h_t = (1 − z)⊙h_{t−1} + z⊙h̃, i.e. a = 1 − z, b = z⊙h̃. Log space: log a = −softplus(k_z),
/// log b = log z + log h̃ = k_z − softplus(k_z) + log g(k_h).</para>
/// <para>Backward, per step (dh the gradient of h_t, h the state before): dk_z = dh⊙(h̃ − h)⊙z(1 − z);
/// dk_h = dh⊙z⊙g′(k_h), g′ = 1 (x ≥ 0), h̃(1 − h̃) (x &lt; 0); the carry to h_{t−1} is (1 − z)⊙dh.</para>
/// <para>The loops, masking, go_backwards and the weight gradients are <see cref="MinRecurrentLayer"/>'s.</para>
/// </summary>
public sealed class MinGru : MinRecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return h of every step (B, T, U) instead of the last (B, U).</param>
    /// <param name="goBackwards">Process the steps from last to first (the returned sequence is in that order).</param>
    /// <param name="useBias">Whether the gate projections add a bias.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public MinGru(int units, bool returnSequences = false, bool goBackwards = false, bool useBias = true, string? name = null)
        : base(units, returnSequences, goBackwards, useBias, name)
    {
    }

    /// <inheritdoc />
    /// <remarks>Not a Keras class: PSRnn's own name, which its model files use.</remarks>
    public override string KerasClassName => "MinGRU";

    /// <inheritdoc />
    public override int GateCount => 2;

    /// <inheritdoc />
    private protected override int SavedCount => 2;

    /// <summary>The layer a saved config describes.</summary>
    internal static MinGru FromConfig(ILayerConfig config) =>
        new(config.Int("units"), config.Bool("return_sequences", false), config.Bool("go_backwards", false), config.Bool("use_bias", true), config.Name)
        {
            KernelInitializer = config.Initializer("kernel_initializer", "glorot_uniform"),
            BiasInitializer = config.Initializer("bias_initializer", "zeros"),
        };

    /// <inheritdoc />
    /// <remarks>Saved: z, h̃.</remarks>
    private protected override void Coefficients(ReadOnlySpan<float> pre, Span<float> saved, Span<float> a, Span<float> b, Span<float> scratch)
    {
        int u = Units;
        Span<float> z = saved[..u], candidate = saved.Slice(u, u);
        TensorPrimitives.Sigmoid(pre[..u], z);
        PositiveActivation(pre.Slice(u, u), candidate);
        TensorPrimitives.Subtract(1f, z, a);
        TensorPrimitives.Multiply(z, candidate, b);
    }

    /// <inheritdoc />
    private protected override void LogCoefficients(ReadOnlySpan<float> pre, Span<float> logA, Span<float> logB, Span<float> scratch)
    {
        int u = Units;
        ReadOnlySpan<float> kz = pre[..u];
        // log(1 − z) = −softplus(k_z);  log z = k_z − softplus(k_z) = k_z + log(1 − z).
        SoftPlus(kz, logA, scratch[..u]);
        TensorPrimitives.Negate(logA, logA);
        LogPositiveActivation(pre.Slice(u, u), logB, scratch[..u]);
        TensorPrimitives.Add(logB, logA, logB);
        TensorPrimitives.Add(logB, kz, logB);
    }

    /// <inheritdoc />
    private protected override void GateGradients(ReadOnlySpan<float> pre, ReadOnlySpan<float> saved, Span<float> dh,
        ReadOnlySpan<float> previous, Span<float> dPre, Span<float> scratch)
    {
        int u = Units;
        ReadOnlySpan<float> z = saved[..u], candidate = saved.Slice(u, u);
        Span<float> dkz = dPre[..u], dkh = dPre.Slice(u, u), s = scratch[..u];
        // dk_z = dh⊙(h̃ − h)⊙z(1 − z)
        TensorPrimitives.Subtract(candidate, previous, dkz);
        TensorPrimitives.Multiply(dkz, dh, dkz);
        TensorPrimitives.Subtract(1f, z, s);
        TensorPrimitives.Multiply(s, z, s);
        TensorPrimitives.Multiply(dkz, s, dkz);
        // dk_h = dh⊙z⊙g′(k_h)
        TensorPrimitives.Multiply(dh, z, dkh);
        MultiplyPositiveActivationDerivative(pre.Slice(u, u), candidate, dkh);
        // carry: (1 − z)⊙dh
        TensorPrimitives.Subtract(1f, z, s);
        TensorPrimitives.Multiply(dh, s, dh);
    }
}
