using System.Buffers;
using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;

namespace PSRnn.Engine.Training;

/// <summary>
/// Connectionist temporal classification (Graves et al. 2006): the negative log-likelihood of each sample's label
/// sequence summed over every alignment of it to the sample's real steps, for per-step softmax outputs over C symbols
/// of which index 0 is the blank (PyTorch's default blank; Keras 3's mask_index 0).
/// </summary>
/// <remarks>
/// <para>Shapes: outputs and gradient (N, T, C); sample b has T_b real steps (its mask's, in order, or all T) and a label
/// sequence l of length L_b (possibly empty), labels 1 … C − 1.</para>
/// <para>Forward, per sample, in log space with float64 sums (lse = log Σ exp): the extended sequence l' of S = 2L + 1
/// symbols puts a blank before, between and after the labels;
/// <c>α₀(0) = log y₀(blank)</c>, <c>α₀(1) = log y₀(l'₁)</c>,
/// <c>α_t(s) = lse(α_{t−1}(s), α_{t−1}(s−1), [α_{t−1}(s−2) if l'_s ≠ blank and l'_s ≠ l'_{s−2}]) + log y_t(l'_s)</c>,
/// <c>log P(l | x) = lse(α_{T−1}(S−1), α_{T−1}(S−2))</c>, and the sample's loss is −log P. With logits z,
/// <c>log y_t(k) = z_tk − lse_j z_tj</c>; with probabilities, log y.</para>
/// <para>Backward: <c>β_{T−1}(S−1) = β_{T−1}(S−2) = 0</c>,
/// <c>β_t(s) = lse over s' ∈ {s, s+1, s+2 (same rule)} of β_{t+1}(s') + log y_{t+1}(l'_{s'})</c>; the occupancy
/// <c>γ_t(k) = Σ_{s: l'_s = k} exp(α_t(s) + β_t(s) − log P)</c> (Σ_k γ_t(k) = 1) gives
/// <c>∂(−log P)/∂z_tk = y_tk − γ_t(k)</c> (fused with the softmax) and <c>∂(−log P)/∂y_tk = −γ_t(k) / y_tk</c>
/// (probabilities; 0 where y is 0), each times the reduction's weight of the sample; padding steps get 0.</para>
/// <para>Reduction (<see cref="CtcReduction"/>): Keras's mean over the batch (default) or PyTorch's 'mean', each loss
/// divided by max(L_b, 1) first. A label sequence needs L + (adjacent repeats) steps; a sample with fewer has
/// P = 0: an error naming it (CtcTargetTooLong), or with <see cref="ZeroInfinity"/> (PyTorch's zero_infinity) a loss
/// and gradient of 0 — never NaN or infinity. An empty target is allowed: −log of the all-blank path.</para>
/// </remarks>
public sealed class CtcLoss : SequenceLoss
{
    /// <summary>The blank's symbol index.</summary>
    public const int Blank = 0;

    /// <summary>A CTC loss with the given reduction and handling of impossible alignments.</summary>
    public CtcLoss(CtcReduction reduction = CtcReduction.SumOverBatchSize, bool zeroInfinity = false)
    {
        Reduction = reduction;
        ZeroInfinity = zeroInfinity;
        Config = new Dictionary<string, object>
        {
            ["reduction"] = ReductionName(reduction),
            ["zero_infinity"] = zeroInfinity,
        };
    }

    /// <inheritdoc/>
    public override string KerasName => "ctc";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => OutputActivation.Softmax;

    /// <summary>How the batch's losses are reduced.</summary>
    public CtcReduction Reduction { get; }

    /// <summary>Whether a sample that cannot align counts 0 (PyTorch's zero_infinity) instead of being an error.</summary>
    public bool ZeroInfinity { get; }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object> Config { get; }

    /// <summary>The LossOption value of a reduction: <c>sum_over_batch_size</c> or <c>mean</c>.</summary>
    public static string ReductionName(CtcReduction reduction) =>
        reduction == CtcReduction.Mean ? "mean" : "sum_over_batch_size";

    /// <summary>The fewest steps that can emit <paramref name="labels"/>: one a label, and a blank between repeats.</summary>
    public static int RequiredSteps(ReadOnlySpan<int> labels)
    {
        int steps = labels.Length;
        for (int i = 1; i < labels.Length; i++)
        {
            steps += labels[i] == labels[i - 1] ? 1 : 0;
        }

        return steps;
    }

    /// <inheritdoc/>
    internal override void CheckData(Sequential model, Dataset data, string name)
    {
        if (!model.OutputShape.IsSequence || model.Layers[^1] is not Dense { Activation: ActivationKind.Softmax })
        {
            throw new ModelException("CtcNeedsPerStepSoftmax",
                $"CTC needs a model that gives a softmax over the symbols at every step, but model '{model.Name}' ends in {model.Layers[^1].Name} "
                + $"with output {model.OutputShape}. End it with a recurrent layer returning sequences (-ReturnSequences) and Add-DenseLayer <symbols + 1> -Activation softmax.");
        }

        if (!data.HasLabelSequences)
        {
            throw new ModelException("LossTargetMismatch",
                "ctc takes label sequences as targets (one array of labels per sample, or a zero-padded (samples, labels) tensor); these targets are rows of values or class labels.");
        }

        if (data.HasSampleWeights)
        {
            throw new ModelException("CtcSampleWeight",
                "ctc does not take sample or class weights (-SampleWeight, -ClassWeight, validation weights); train without them.");
        }

        if (ZeroInfinity)
        {
            return;
        }

        int[] real = data.RealSteps(model);
        int[] labels = new int[Math.Max(data.TargetsPerSample - 1, 0)];
        ReadOnlySpan<float> packed = data.TargetValues;
        int width = data.TargetsPerSample;
        for (int i = 0; i < data.Count; i++)
        {
            int n = LabelSequences.Unpack(packed.Slice(i * width, width), labels);
            int needed = RequiredSteps(labels.AsSpan(0, n));
            if (needed > real[i])
            {
                throw TooLong(name, i, n, needed, real[i]);
            }
        }
    }

    /// <inheritdoc/>
    private protected override double ComputeSequences(ReadOnlySpan<float> outputs, int batch, int time, int classes,
        ReadOnlySpan<int> steps, ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targets, ReadOnlySpan<int> targetLengths,
        Span<float> gradient, bool fromLogits)
    {
        bool wantGradient = !gradient.IsEmpty;
        if (wantGradient)
        {
            gradient.Clear();
        }

        int maxLabels = 0;
        for (int b = 0; b < batch; b++)
        {
            maxLabels = Math.Max(maxLabels, targetLengths[b]);
        }

        int states = (2 * maxLabels) + 1;
        double[] logY = ArrayPool<double>.Shared.Rent(Math.Max(time * classes, 1));
        double[] gamma = ArrayPool<double>.Shared.Rent(Math.Max(time * classes, 1));
        double[] alpha = ArrayPool<double>.Shared.Rent(Math.Max(time * states, 1));
        double[] beta = ArrayPool<double>.Shared.Rent(Math.Max(time * states, 1));
        try
        {
            double total = 0;
            int offset = 0;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<int> labels = targets.Slice(offset, targetLengths[b]);
                offset += labels.Length;
                int steps_b = inputLengths[b];
                double weight = Reduction == CtcReduction.Mean ? 1.0 / (batch * (double)Math.Max(labels.Length, 1)) : 1.0 / batch;
                if (RequiredSteps(labels) > steps_b)
                {
                    if (!ZeroInfinity)
                    {
                        throw TooLong("the targets", b, labels.Length, RequiredSteps(labels), steps_b);
                    }

                    continue;
                }

                ReadOnlySpan<int> rows = steps.Slice(b * time, steps_b);
                LogProbabilities(outputs, b, time, classes, rows, fromLogits, logY);
                double nll = -ForwardBackward(logY, steps_b, classes, labels, alpha, beta, wantGradient ? gamma : null);
                if (!double.IsFinite(nll))
                {
                    // Possible only from probabilities holding zeros: PyTorch's zero_infinity, or an infinite loss to report.
                    if (ZeroInfinity)
                    {
                        continue;
                    }

                    total = double.PositiveInfinity;
                    continue;
                }

                total += nll * weight;
                if (wantGradient)
                {
                    WriteGradient(outputs, gradient, b, time, classes, rows, fromLogits, logY, gamma, weight);
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(logY);
            ArrayPool<double>.Shared.Return(gamma);
            ArrayPool<double>.Shared.Return(alpha);
            ArrayPool<double>.Shared.Return(beta);
        }
    }

    private static ModelException TooLong(string name, int sample, int labels, int needed, int steps)
    {
        string what = string.Create(CultureInfo.InvariantCulture,
            $"{name}: sample {sample} has {labels} labels, which need at least {needed} steps (one a label and a blank between repeats), but its input has {steps} real steps");
        return new("CtcTargetTooLong", what + ", so no alignment exists. Shorten its target, give it more steps, "
            + "or train with -LossOption @{ zero_infinity = $true } to count such samples as 0 (PyTorch's zero_infinity).");
    }

    // log y_t(k) in double for the sample's real steps, compacted.
    private static void LogProbabilities(ReadOnlySpan<float> outputs, int b, int time, int classes, ReadOnlySpan<int> rows,
        bool fromLogits, double[] logY)
    {
        for (int t = 0; t < rows.Length; t++)
        {
            LogRow(outputs.Slice(((b * time) + rows[t]) * classes, classes), fromLogits, logY.AsSpan(t * classes, classes));
        }
    }

    /// <summary>log y of one step in double: from logits by a stable log-softmax (z − max − log Σ exp(z − max)), else log p
    /// (−∞ for 0).</summary>
    internal static void LogRow(ReadOnlySpan<float> row, bool fromLogits, Span<double> dest)
    {
        if (fromLogits)
        {
            (double max, double sumExp) = CrossEntropyRows.Exponents(row);
            double lse = max + Math.Log(sumExp);
            for (int k = 0; k < row.Length; k++)
            {
                dest[k] = row[k] - lse;
            }

            return;
        }

        for (int k = 0; k < row.Length; k++)
        {
            dest[k] = row[k] > 0 ? Math.Log(row[k]) : double.NegativeInfinity;
        }
    }

    /// <summary>
    /// log P(labels | y) by the forward recursion over <paramref name="steps"/> rows of <paramref name="logY"/>; when
    /// <paramref name="gamma"/> is given, the backward recursion too and the occupancy γ_t(k) (steps × classes).
    /// </summary>
    internal static double ForwardBackward(ReadOnlySpan<double> logY, int steps, int classes, ReadOnlySpan<int> labels,
        Span<double> alpha, Span<double> beta, Span<double> gamma)
    {
        int s = (2 * labels.Length) + 1;
        if (steps == 0)
        {
            // No steps: only the empty sequence has an alignment (the empty one), with probability 1.
            return labels.IsEmpty ? 0 : double.NegativeInfinity;
        }

        alpha[..(steps * s)].Fill(double.NegativeInfinity);
        alpha[0] = logY[Blank];
        if (s > 1)
        {
            alpha[1] = logY[labels[0]];
        }

        for (int t = 1; t < steps; t++)
        {
            ReadOnlySpan<double> previous = alpha.Slice((t - 1) * s, s);
            Span<double> current = alpha.Slice(t * s, s);
            ReadOnlySpan<double> y = logY.Slice(t * classes, classes);
            for (int i = 0; i < s; i++)
            {
                double a = previous[i];
                if (i > 0)
                {
                    a = LogAdd(a, previous[i - 1]);
                }

                if (CanSkip(labels, i))
                {
                    a = LogAdd(a, previous[i - 2]);
                }

                current[i] = a + y[Symbol(labels, i)];
            }
        }

        ReadOnlySpan<double> last = alpha.Slice((steps - 1) * s, s);
        double logP = s > 1 ? LogAdd(last[s - 1], last[s - 2]) : last[0];
        if (gamma.IsEmpty || double.IsNegativeInfinity(logP))
        {
            return logP;
        }

        beta[..(steps * s)].Fill(double.NegativeInfinity);
        beta[((steps - 1) * s) + s - 1] = 0;
        if (s > 1)
        {
            beta[((steps - 1) * s) + s - 2] = 0;
        }

        for (int t = steps - 2; t >= 0; t--)
        {
            ReadOnlySpan<double> next = beta.Slice((t + 1) * s, s);
            Span<double> current = beta.Slice(t * s, s);
            ReadOnlySpan<double> y = logY.Slice((t + 1) * classes, classes);
            for (int i = 0; i < s; i++)
            {
                double v = next[i] + y[Symbol(labels, i)];
                if (i + 1 < s)
                {
                    v = LogAdd(v, next[i + 1] + y[Symbol(labels, i + 1)]);
                }

                if (i + 2 < s && CanSkip(labels, i + 2))
                {
                    v = LogAdd(v, next[i + 2] + y[Symbol(labels, i + 2)]);
                }

                current[i] = v;
            }
        }

        gamma[..(steps * classes)].Clear();
        for (int t = 0; t < steps; t++)
        {
            Span<double> g = gamma.Slice(t * classes, classes);
            for (int i = 0; i < s; i++)
            {
                double v = alpha[(t * s) + i] + beta[(t * s) + i];
                if (!double.IsNegativeInfinity(v))
                {
                    g[Symbol(labels, i)] += Math.Exp(v - logP);
                }
            }
        }

        return logP;
    }

    private static void WriteGradient(ReadOnlySpan<float> outputs, Span<float> gradient, int b, int time, int classes,
        ReadOnlySpan<int> rows, bool fromLogits, double[] logY, double[] gamma, double weight)
    {
        for (int t = 0; t < rows.Length; t++)
        {
            int at = ((b * time) + rows[t]) * classes;
            Span<float> g = gradient.Slice(at, classes);
            for (int k = 0; k < classes; k++)
            {
                double occupancy = gamma[(t * classes) + k];
                g[k] = fromLogits
                    ? (float)((Math.Exp(logY[(t * classes) + k]) - occupancy) * weight)
                    : outputs[at + k] > 0 ? (float)(-occupancy / outputs[at + k] * weight) : 0f;
            }
        }
    }

    // l'_i: the blank at even positions, the labels between.
    private static int Symbol(ReadOnlySpan<int> labels, int i) => (i & 1) == 0 ? Blank : labels[i >> 1];

    // A path may jump from l'_{i−2} to l'_i over a blank only between two different labels.
    private static bool CanSkip(ReadOnlySpan<int> labels, int i) => (i & 1) == 1 && i >= 3 && labels[i >> 1] != labels[(i >> 1) - 1];

    /// <summary>log(exp a + exp b) without overflow; −∞ is the log of 0.</summary>
    internal static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        return a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }
}
