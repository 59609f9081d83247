namespace PSRnn.Engine.Training;

/// <summary>
/// One row of categorical cross-entropy, shared by the dense and sparse losses. Targets are either a dense
/// row (<c>label &lt; 0</c>) or a class index (<c>label ≥ 0</c>, the row of targets is then ignored).
/// </summary>
internal static class CrossEntropyRows
{
    private const double Epsilon = 1e-7;

    private static double Target(ReadOnlySpan<float> y, int label, int j) =>
        label >= 0 ? (j == label ? 1.0 : 0.0) : y[j];

    /// <summary>
    /// −Σ y_j (x_j − lse(x)); writes (softmax_j Σy − y_j)·scale into <paramref name="gradient"/> when it is not
    /// empty. Stable: exponents are taken of x − max x.
    /// </summary>
    public static double FromLogits(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int label, double scale, Span<float> gradient)
    {
        (double max, double sumExp) = Exponents(x);
        double logSumExp = Math.Log(sumExp);
        double loss = 0;
        double targetSum = 0;
        for (int j = 0; j < x.Length; j++)
        {
            double t = Target(y, label, j);
            if (t != 0)
            {
                // −log softmax_j = lse − x_j, computed from the shifted logits.
                loss += t * (logSumExp - (x[j] - max));
                targetSum += t;
            }
        }

        if (!gradient.IsEmpty)
        {
            double invSum = 1.0 / sumExp;
            for (int j = 0; j < x.Length; j++)
            {
                double softmax = Math.Exp(x[j] - max) * invSum;
                gradient[j] = (float)((softmax * targetSum - Target(y, label, j)) * scale);
            }
        }

        return loss;
    }

    /// <summary>
    /// Keras's probability form: q = o / Σo, p = clip(q, ε, 1 − ε), loss −Σ y log p; the gradient
    /// (scale/S)(−y_k c_k / p_k + Σ_j y_j c_j q_j / p_j) goes through the renormalization and the clip.
    /// </summary>
    public static double FromProbabilities(ReadOnlySpan<float> o, ReadOnlySpan<float> y, int label, double scale, Span<float> gradient)
    {
        double sum = 0;
        for (int j = 0; j < o.Length; j++)
        {
            sum += o[j];
        }

        double loss = 0;
        double shared = 0;
        for (int j = 0; j < o.Length; j++)
        {
            double t = Target(y, label, j);
            if (t != 0)
            {
                double q = o[j] / sum;
                double p = ClipProbability(q, out bool inside);
                loss -= t * Math.Log(p);
                if (inside)
                {
                    shared += t * q / p;
                }
            }
        }

        if (!gradient.IsEmpty)
        {
            double factor = scale / sum;
            for (int j = 0; j < o.Length; j++)
            {
                double t = Target(y, label, j);
                double own = 0;
                if (t != 0)
                {
                    double p = ClipProbability(o[j] / sum, out bool inside);
                    own = inside ? t / p : 0;
                }

                gradient[j] = (float)((shared - own) * factor);
            }
        }

        return loss;
    }

    /// <summary>The largest logit m and Σ exp(x − m), from which log softmax is x − m − log Σ without overflow.</summary>
    public static (double Max, double SumExp) Exponents(ReadOnlySpan<float> x)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < x.Length; j++)
        {
            max = Math.Max(max, x[j]);
        }

        double sumExp = 0;
        for (int j = 0; j < x.Length; j++)
        {
            sumExp += Math.Exp(x[j] - max);
        }

        return (max, sumExp);
    }

    /// <summary>clip(p, ε, 1 − ε); <paramref name="inside"/> is whether the clip passes the gradient.</summary>
    public static double ClipProbability(double p, out bool inside)
    {
        const double high = 1.0 - Epsilon;
        inside = p >= Epsilon && p <= high;
        return p < Epsilon ? Epsilon : p > high ? high : p;
    }
}
