using System.Numerics.Tensors;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's gradient clipping (the optimizer's <c>clipvalue</c>, <c>clipnorm</c> and <c>global_clipnorm</c>), applied
/// to the gradients of trainable parameters before <see cref="Optimizer.Step"/>. Norms are summed in double.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Keras's <c>clipvalue</c> (PyTorch's <c>clip_grad_value_</c>): <c>g = clamp(g, −c, c)</c> element-wise.
    /// </summary>
    /// <param name="parameters">The parameters; non-trainable ones are left alone.</param>
    /// <param name="clipValue">c &gt; 0.</param>
    public static void ClipByValue(IReadOnlyList<Parameter> parameters, float clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequirePositive(clipValue, nameof(clipValue));
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            if (p.Trainable)
            {
                TensorPrimitives.Clamp(p.Gradient, -clipValue, clipValue, p.Gradient);
            }
        }
    }

    /// <summary>
    /// Keras's <c>clipnorm</c>: each parameter's gradient separately, <c>g = g·c / max(‖g‖₂, c)</c>, so a gradient
    /// whose norm exceeds c is rescaled to norm c and others are unchanged.
    /// </summary>
    /// <param name="parameters">The parameters; non-trainable ones are left alone.</param>
    /// <param name="clipNorm">c &gt; 0.</param>
    public static void ClipByNorm(IReadOnlyList<Parameter> parameters, float clipNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequirePositive(clipNorm, nameof(clipNorm));
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            if (p.Trainable)
            {
                double norm = Math.Sqrt(SumOfSquares(p.Gradient));
                Scale(p.Gradient, clipNorm, norm);
            }
        }
    }

    /// <summary>
    /// Keras's <c>global_clipnorm</c> (PyTorch's <c>clip_grad_norm_</c>): one norm N = √(Σ over all trainable
    /// gradients of g²), then every gradient <c>g = g·c / max(N, c)</c>.
    /// </summary>
    /// <remarks>PyTorch scales by min(1, c/(N + 1e-6)) instead; the two differ by about 1e-6/N relative.
    /// A NaN or infinite norm propagates into the gradients, as in both libraries.</remarks>
    /// <param name="parameters">The parameters; non-trainable ones are neither counted nor changed.</param>
    /// <param name="maxNorm">c &gt; 0.</param>
    /// <returns>The global norm before clipping.</returns>
    public static double ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequirePositive(maxNorm, nameof(maxNorm));
        double sum = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            if (p.Trainable)
            {
                sum += SumOfSquares(p.Gradient);
            }
        }

        double norm = Math.Sqrt(sum);
        for (int i = 0; i < parameters.Count; i++)
        {
            Parameter p = parameters[i];
            if (p.Trainable)
            {
                Scale(p.Gradient, maxNorm, norm);
            }
        }

        return norm;
    }

    /// <summary>Σ x² in double, four accumulators in a fixed order: the same bits on every machine.</summary>
    internal static double SumOfSquares(ReadOnlySpan<float> x)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i <= x.Length - 4; i += 4)
        {
            double a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }

        for (; i < x.Length; i++)
        {
            double a = x[i];
            s0 += a * a;
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>g = g·c/max(norm, c); skipped when that factor is exactly 1.</summary>
    private static void Scale(Span<float> gradient, float clip, double norm)
    {
        // NaN propagates through the division, as in Keras (max(NaN, c) is NaN there too).
        double factor = double.IsNaN(norm) ? double.NaN : clip / Math.Max(norm, clip);
        if (factor != 1.0)
        {
            TensorPrimitives.Multiply(gradient, (float)factor, gradient);
        }
    }

    private static void RequirePositive(float value, string name)
    {
        if (!(value > 0) || !float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "The clipping bound must be a finite number > 0.");
        }
    }
}
