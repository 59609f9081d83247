using System.Numerics.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// minLSTM (Feng et al. 2024): an LSTM reduced to input-only forget and input gates, normalized to sum to one, and no
/// output gate or cell/hidden split; training runs over time as the paper's log-space scan, prediction step by step.
/// <para>Shapes: x (B, T, F); W <c>kernel</c> (F, 3U), gate blocks f, i, h; <c>bias</c> (3U); output (B, T, U) with
/// return_sequences, else the last h (B, U); h₀ = 0.</para>
/// <para>Forward: [k_f, k_i, k_h] = x_t·W + b;  f = σ(k_f);  i = σ(k_i);  f′ = f/(f + i);  i′ = i/(f + i);
/// h̃ = g(k_h) (g as <see cref="MinGru"/>'s);  h_t = f′⊙h_{t−1} + i′⊙h̃. Log space (the paper's form):
/// d = softplus(−k_f) − softplus(−k_i);  log f′ = −softplus(d);  log i′ = −softplus(−d) = d + log f′;
/// log b = log i′ + log g(k_h).</para>
/// <para>Backward, per step (dh the gradient of h_t, h the state before): with i′ = σ(d), f′ = 1 − i′,
/// dd = dh⊙(h̃ − h)⊙f′i′;  dk_f = −dd⊙(1 − f);  dk_i = dd⊙(1 − i);  dk_h = dh⊙i′⊙g′(k_h); the carry to h_{t−1} is
/// f′⊙dh.</para>
/// <para>The loops, masking, go_backwards and the weight gradients are <see cref="MinRecurrentLayer"/>'s.</para>
/// </summary>
public sealed class MinLstm : MinRecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="units">The state size U.</param>
    /// <param name="returnSequences">Return h of every step (B, T, U) instead of the last (B, U).</param>
    /// <param name="goBackwards">Process the steps from last to first (the returned sequence is in that order).</param>
    /// <param name="useBias">Whether the gate projections add a bias.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public MinLstm(int units, bool returnSequences = false, bool goBackwards = false, bool useBias = true, string? name = null)
        : base(units, returnSequences, goBackwards, useBias, name)
    {
    }

    /// <inheritdoc />
    /// <remarks>Not a Keras class: PSRnn's own name, which its model files use.</remarks>
    public override string KerasClassName => "MinLSTM";

    /// <inheritdoc />
    public override int GateCount => 3;

    /// <inheritdoc />
    private protected override int SavedCount => 4;

    /// <summary>The layer a saved config describes.</summary>
    internal static MinLstm FromConfig(ILayerConfig config) =>
        new(config.Int("units"), config.Bool("return_sequences", false), config.Bool("go_backwards", false), config.Bool("use_bias", true), config.Name)
        {
            KernelInitializer = config.Initializer("kernel_initializer", "glorot_uniform"),
            BiasInitializer = config.Initializer("bias_initializer", "zeros"),
        };

    /// <inheritdoc />
    /// <remarks>Saved: f′, h̃, f, i.</remarks>
    private protected override void Coefficients(ReadOnlySpan<float> pre, Span<float> saved, Span<float> a, Span<float> b, Span<float> scratch)
    {
        int u = Units;
        Span<float> normalizedForget = saved[..u], candidate = saved.Slice(u, u), f = saved.Slice(2 * u, u), i = saved.Slice(3 * u, u);
        Span<float> sum = scratch[..u];
        TensorPrimitives.Sigmoid(pre[..u], f);
        TensorPrimitives.Sigmoid(pre.Slice(u, u), i);
        PositiveActivation(pre.Slice(2 * u, u), candidate);
        TensorPrimitives.Add(f, i, sum);
        TensorPrimitives.Divide(f, sum, normalizedForget);
        normalizedForget.CopyTo(a);
        // b = i′⊙h̃ with i′ = i/(f + i)
        TensorPrimitives.Divide(i, sum, b);
        TensorPrimitives.Multiply(b, candidate, b);
    }

    /// <inheritdoc />
    private protected override void LogCoefficients(ReadOnlySpan<float> pre, Span<float> logA, Span<float> logB, Span<float> scratch)
    {
        int u = Units;
        Span<float> d = scratch[..u], other = scratch.Slice(u, u), s = scratch.Slice(2 * u, u);
        // d = softplus(−k_f) − softplus(−k_i) = log(i/f)
        TensorPrimitives.Negate(pre[..u], d);
        SoftPlus(d, d, s);
        TensorPrimitives.Negate(pre.Slice(u, u), other);
        SoftPlus(other, other, s);
        TensorPrimitives.Subtract(d, other, d);
        // log f′ = −softplus(d);  log b = d + log f′ + log g(k_h)
        SoftPlus(d, logA, s);
        TensorPrimitives.Negate(logA, logA);
        LogPositiveActivation(pre.Slice(2 * u, u), logB, s);
        TensorPrimitives.Add(logB, d, logB);
        TensorPrimitives.Add(logB, logA, logB);
    }

    /// <inheritdoc />
    private protected override void GateGradients(ReadOnlySpan<float> pre, ReadOnlySpan<float> saved, Span<float> dh,
        ReadOnlySpan<float> previous, Span<float> dPre, Span<float> scratch)
    {
        int u = Units;
        ReadOnlySpan<float> normalizedForget = saved[..u], candidate = saved.Slice(u, u), f = saved.Slice(2 * u, u), i = saved.Slice(3 * u, u);
        Span<float> dkf = dPre[..u], dki = dPre.Slice(u, u), dkh = dPre.Slice(2 * u, u);
        Span<float> normalizedInput = scratch[..u], dd = scratch.Slice(u, u), s = scratch.Slice(2 * u, u);
        TensorPrimitives.Subtract(1f, normalizedForget, normalizedInput);
        // dd = dh⊙(h̃ − h)⊙f′i′
        TensorPrimitives.Subtract(candidate, previous, dd);
        TensorPrimitives.Multiply(dd, dh, dd);
        TensorPrimitives.Multiply(dd, normalizedForget, dd);
        TensorPrimitives.Multiply(dd, normalizedInput, dd);
        // dk_f = −dd⊙(1 − f);  dk_i = dd⊙(1 − i)
        TensorPrimitives.Subtract(1f, f, s);
        TensorPrimitives.Multiply(dd, s, dkf);
        TensorPrimitives.Negate(dkf, dkf);
        TensorPrimitives.Subtract(1f, i, s);
        TensorPrimitives.Multiply(dd, s, dki);
        // dk_h = dh⊙i′⊙g′(k_h)
        TensorPrimitives.Multiply(dh, normalizedInput, dkh);
        MultiplyPositiveActivationDerivative(pre.Slice(2 * u, u), candidate, dkh);
        // carry: f′⊙dh
        TensorPrimitives.Multiply(dh, normalizedForget, dh);
    }
}
