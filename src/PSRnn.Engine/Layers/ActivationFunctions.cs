using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Forward and backward of each <see cref="ActivationKind"/> over a (rows, width) block; softmax works per row.
/// Backward uses the output y where the derivative is a function of it (tanh: 1 − y², sigmoid: y(1 − y)), and the
/// pre-activation x only where it must (swish, softplus).
/// </summary>
public static class ActivationFunctions
{
    private const float SeluAlpha = 1.67326324f;
    private const float SeluScale = 1.05070098f;

    /// <summary>Parses a Keras activation name (<c>tanh</c>, <c>softmax</c>, <c>silu</c>, …), case-insensitively.</summary>
    public static bool TryParse(string name, out ActivationKind kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        if (key is "silu")
        {
            kind = ActivationKind.Swish;
            return true;
        }

        if (key is "none")
        {
            kind = ActivationKind.Linear;
            return true;
        }

        return Enum.TryParse(key, ignoreCase: true, out kind) && Enum.IsDefined(kind);
    }

    /// <summary>The Keras name: <c>tanh</c>, <c>hard_sigmoid</c>, ….</summary>
    public static string KerasName(this ActivationKind kind) => kind switch
    {
        ActivationKind.HardSigmoid => "hard_sigmoid",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>y = f(x) for a (rows, width) block; <paramref name="x"/> and <paramref name="y"/> may be the same span.</summary>
    public static void Forward(ActivationKind kind, ReadOnlySpan<float> x, Span<float> y, int width)
    {
        switch (kind)
        {
            case ActivationKind.Linear:
                x.CopyTo(y);
                break;
            case ActivationKind.Tanh:
                TensorPrimitives.Tanh(x, y);
                break;
            case ActivationKind.Sigmoid:
                TensorPrimitives.Sigmoid(x, y);
                break;
            case ActivationKind.Relu:
                TensorPrimitives.Max(x, 0f, y);
                break;
            case ActivationKind.Softmax:
                for (int r = 0; r + width <= x.Length; r += width)
                {
                    TensorPrimitives.SoftMax(x.Slice(r, width), y.Slice(r, width));
                }

                break;
            case ActivationKind.Swish:
                for (int i = 0; i < x.Length; i++)
                {
                    float v = x[i];
                    y[i] = v / (1f + MathF.Exp(-v));
                }

                break;
            default:
                for (int i = 0; i < x.Length; i++)
                {
                    y[i] = Scalar(kind, x[i]);
                }

                break;
        }
    }

    /// <summary>
    /// dx = dy ⊙ f′ for a (rows, width) block, in place on <paramref name="grad"/> (which holds dy on entry);
    /// softmax uses its Jacobian per row: dx = y ⊙ (dy − Σ dy·y).
    /// </summary>
    public static void Backward(ActivationKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> grad, int width)
    {
        switch (kind)
        {
            case ActivationKind.Linear:
                break;
            case ActivationKind.Tanh:
            case ActivationKind.Sigmoid:
            case ActivationKind.Relu:
                OfOutput(kind, y, grad);
                break;
            case ActivationKind.Softmax:
                for (int r = 0; r + width <= grad.Length; r += width)
                {
                    Span<float> g = grad.Slice(r, width);
                    ReadOnlySpan<float> p = y.Slice(r, width);
                    float dot = TensorPrimitives.Dot(g, p);
                    for (int j = 0; j < width; j++)
                    {
                        g[j] = p[j] * (g[j] - dot);
                    }
                }

                break;
            default:
                for (int i = 0; i < grad.Length; i++)
                {
                    grad[i] *= Derivative(kind, x[i], y[i]);
                }

                break;
        }
    }

    // The derivatives that are functions of y, a vector at a time (SimpleRNN's step backward runs one per row), one
    // operator struct each: every product and difference rounded as the scalar form rounds it (no fused multiply-add),
    // so the bits do not depend on the width.
    private static void OfOutput(ActivationKind kind, ReadOnlySpan<float> y, Span<float> grad)
    {
        switch (kind)
        {
            case ActivationKind.Tanh: OfOutput<TanhDerivative>(y, grad); break;
            case ActivationKind.Sigmoid: OfOutput<SigmoidDerivative>(y, grad); break;
            default: OfOutput<ReluDerivative>(y, grad); break;
        }
    }

    private static void OfOutput<TOp>(ReadOnlySpan<float> y, Span<float> grad)
        where TOp : struct, IOutputDerivative
    {
        int n = grad.Length, i = 0;
        y = y[..n];
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float gr = ref MemoryMarshal.GetReference(grad);
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<float>.Count <= n; i += Vector<float>.Count)
            {
                TOp.Apply(Vector.LoadUnsafe(ref gr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref gr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            grad[i] = TOp.Apply(grad[i], y[i]);
        }
    }

    private interface IOutputDerivative
    {
        static abstract float Apply(float grad, float y);

        static abstract Vector<float> Apply(Vector<float> grad, Vector<float> y);
    }

    // dy·(1 − y²)
    private readonly struct TanhDerivative : IOutputDerivative
    {
        public static float Apply(float grad, float y) => grad * (1f - (y * y));

        public static Vector<float> Apply(Vector<float> grad, Vector<float> y) => grad * (Vector<float>.One - (y * y));
    }

    // dy·y(1 − y)
    private readonly struct SigmoidDerivative : IOutputDerivative
    {
        public static float Apply(float grad, float y) => grad * (y * (1f - y));

        public static Vector<float> Apply(Vector<float> grad, Vector<float> y) => grad * (y * (Vector<float>.One - y));
    }

    // dy where y > 0 (NaN gives 0, as the comparison fails)
    private readonly struct ReluDerivative : IOutputDerivative
    {
        public static float Apply(float grad, float y) => y > 0f ? grad : 0f;

        public static Vector<float> Apply(Vector<float> grad, Vector<float> y) =>
            Vector.ConditionalSelect(Vector.GreaterThan(y, Vector<float>.Zero), grad, Vector<float>.Zero);
    }

    private static float Scalar(ActivationKind kind, float x) => kind switch
    {
        ActivationKind.Elu => x > 0 ? x : MathF.Exp(x) - 1f,
        ActivationKind.Selu => SeluScale * (x > 0 ? x : SeluAlpha * (MathF.Exp(x) - 1f)),
        // log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|).
        ActivationKind.Softplus => MathF.Max(x, 0f) + (float)Math.Log(1 + Math.Exp(-Math.Abs(x))),
        ActivationKind.Softsign => x / (1f + MathF.Abs(x)),
        ActivationKind.HardSigmoid => MathF.Min(MathF.Max(x + 3f, 0f), 6f) / 6f,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static float Derivative(ActivationKind kind, float x, float y) => kind switch
    {
        ActivationKind.Elu => x > 0 ? 1f : y + 1f,
        ActivationKind.Selu => x > 0 ? SeluScale : y + (SeluScale * SeluAlpha),
        ActivationKind.Softplus => 1f / (1f + MathF.Exp(-x)),
        ActivationKind.Softsign => 1f / ((1f + MathF.Abs(x)) * (1f + MathF.Abs(x))),
        ActivationKind.Swish => Swish(x, y),
        ActivationKind.HardSigmoid => x > -3f && x < 3f ? 1f / 6f : 0f,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static float Swish(float x, float y)
    {
        float s = 1f / (1f + MathF.Exp(-x));
        return s + (y * (1f - s));
    }
}
