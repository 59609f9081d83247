using System.Numerics.Tensors;

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
                for (int i = 0; i < grad.Length; i++)
                {
                    grad[i] *= 1f - (y[i] * y[i]);
                }

                break;
            case ActivationKind.Sigmoid:
                for (int i = 0; i < grad.Length; i++)
                {
                    grad[i] *= y[i] * (1f - y[i]);
                }

                break;
            case ActivationKind.Relu:
                for (int i = 0; i < grad.Length; i++)
                {
                    grad[i] = y[i] > 0f ? grad[i] : 0f;
                }

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
