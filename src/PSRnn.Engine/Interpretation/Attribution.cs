using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Interpretation;

/// <summary>
/// Captum's input attributions for a model with one output vector per sample, f(x) = y[target] (a probability for a
/// softmax head, the value for a regression). Gradients come from the engine's backward pass
/// (<see cref="Sequential.BackwardToInput"/>), never from finite differences.
/// <para>Shapes: x, x′ and every attribution (N, T, F).</para>
/// <para>Saliency: |∂f/∂x| (∂f/∂x with abs off). GradientTimesInput: x ⊙ ∂f/∂x.
/// IntegratedGradients: (x − x′) ⊙ Σₖ wₖ ∂f/∂x|_{x′ + αₖ(x − x′)} with Captum's αₖ, wₖ (<see cref="IntegrationRule"/>);
/// completeness: Σ attributions ≈ f(x) − f(x′). Occlusion: windows [s·stride, s·stride + window) ∩ [0, T),
/// s = 0 … ⌈(T − window)/stride⌉, every feature of their steps set to x′; each element gets the mean of
/// f(x) − f(occluded) over the windows covering it (Captum's Occlusion, use_weights).</para>
/// <para>Masks: a Masking layer derives each row's mask from that row, so a zero baseline is padding, and the
/// interpolated rows are real wherever x is; masked steps of x get no gradient.</para>
/// </summary>
public static class Attribution
{
    /// <summary>Attributes every sample of <paramref name="data"/>.</summary>
    /// <exception cref="ModelException">A stable ID: <c>AttributionSequenceOutput</c>, <c>AttributionTargetOutOfRange</c>,
    /// <c>AttributionStepsInvalid</c>, <c>AttributionWindowInvalid</c>, <c>AttributionBaselineShapeMismatch</c>,
    /// <c>AttributionNeedsFeatureInput</c>, <c>InputGradientUnavailable</c>.</exception>
    public static AttributionResult Compute(Sequential model, Dataset data, AttributionOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        model.EnsureNotEmpty();
        if (!data.IsSequence || model.Layers[0] is Embedding)
        {
            throw new ModelException(options.Method == AttributionMethod.Occlusion ? "AttributionNeedsFeatureInput" : "InputGradientUnavailable",
                $"Model '{model.Name}' takes {(model.Layers[0] is Embedding ? "token ids into an Embedding" : "vectors")}: attributions need " +
                "feature sequences (samples, time steps, features), and token ids have no gradient.");
        }

        if (model.OutputShape.IsSequence)
        {
            throw new ModelException("AttributionSequenceOutput",
                $"Model '{model.Name}' returns an output per step; attributions need one output vector per sample (a last layer without -ReturnSequences).");
        }

        int n = data.Count, time = data.Time, features = data.Features, sample = time * features;
        int batchSize = Math.Max(1, options.BatchSize);
        var x = new Activations();
        int[] all = [.. Enumerable.Range(0, n)];
        data.Gather(all, x, null);
        float[] xs = x.Span.ToArray();
        float[] baseline = Baseline(options, n, sample);
        var rows = new Rows(model, sample, time, features);

        double[] outputs = rows.Outputs(xs, n, null, batchSize, out float[] probabilities);
        int width = model.OutputShape.Features;
        long[] targets = Targets(options.Targets, probabilities, n, width);
        for (int i = 0; i < n; i++)
        {
            outputs[i] = probabilities[(i * width) + targets[i]];
        }

        var values = new float[n * sample];
        double[]? baselineOutputs = null, delta = null;
        switch (options.Method)
        {
            case AttributionMethod.Saliency:
            case AttributionMethod.GradientTimesInput:
                rows.Gradients(n, targets, batchSize, (r, row) => xs.AsSpan(r * sample, sample).CopyTo(row),
                    (r, g) => g.CopyTo(values.AsSpan(r * sample, sample)));
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = options.Method == AttributionMethod.Saliency
                        ? (options.Absolute ? Math.Abs(values[i]) : values[i])
                        : xs[i] * values[i];
                }

                break;
            case AttributionMethod.IntegratedGradients:
                (double[] alphas, double[] weights) = IntegrationRule.Of(options.Integration, options.Steps);
                int m = alphas.Length;
                var sums = new double[n * sample];
                long[] pointTargets = [.. Enumerable.Range(0, n * m).Select(r => targets[r / m])];
                rows.Gradients(n * m, pointTargets, batchSize, (r, row) =>
                    {
                        int s = r / m;
                        float a = (float)alphas[r % m];
                        ReadOnlySpan<float> xi = xs.AsSpan(s * sample, sample), bi = baseline.AsSpan(s * sample, sample);
                        for (int j = 0; j < sample; j++)
                        {
                            row[j] = bi[j] + (a * (xi[j] - bi[j]));
                        }
                    },
                    (r, g) =>
                    {
                        double w = weights[r % m];
                        Span<double> into = sums.AsSpan((r / m) * sample, sample);
                        for (int j = 0; j < sample; j++)
                        {
                            into[j] += w * g[j];
                        }
                    });
                baselineOutputs = rows.Outputs(baseline, n, targets, batchSize, out _);
                delta = new double[n];
                for (int s = 0; s < n; s++)
                {
                    double total = 0;
                    for (int j = s * sample; j < (s + 1) * sample; j++)
                    {
                        double v = (xs[j] - baseline[j]) * sums[j];
                        values[j] = (float)v;
                        total += v;
                    }

                    delta[s] = total - (outputs[s] - baselineOutputs[s]);
                }

                break;
            case AttributionMethod.Occlusion:
                Occlude(rows, options, xs, baseline, n, time, features, targets, outputs, batchSize, values);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Method, "Unknown attribution method.");
        }

        model.ZeroGradients();
        return new AttributionResult(values, n, time, features, targets, outputs, baselineOutputs, delta);
    }

    private static void Occlude(Rows rows, AttributionOptions options, float[] xs, float[] baseline, int n, int time, int features,
        long[] targets, double[] outputs, int batchSize, float[] values)
    {
        int window = options.Window, stride = options.Stride, sample = time * features;
        if (window < 1 || window > time || stride < 1 || (stride > window && window < time))
        {
            throw new ModelException("AttributionWindowInvalid",
                $"Occlusion needs 1 ≤ -Window ≤ {time} (the steps of X) and 1 ≤ -Stride ≤ -Window; they are {window} and {stride}.");
        }

        int shifts = ((time - window + stride - 1) / stride) + 1;
        var occluded = new float[n * shifts * sample];
        long[] rowTargets = new long[n * shifts];
        for (int r = 0; r < n * shifts; r++)
        {
            int s = r / shifts, from = (r % shifts) * stride, to = Math.Min(from + window, time);
            Span<float> row = occluded.AsSpan(r * sample, sample);
            xs.AsSpan(s * sample, sample).CopyTo(row);
            baseline.AsSpan((s * sample) + (from * features), (to - from) * features).CopyTo(row[(from * features)..]);
            rowTargets[r] = targets[s];
        }

        double[] f = rows.Outputs(occluded, n * shifts, rowTargets, batchSize, out _);
        var counts = new int[time];
        for (int k = 0; k < shifts; k++)
        {
            for (int t = k * stride; t < Math.Min((k * stride) + window, time); t++)
            {
                counts[t]++;
            }
        }

        for (int r = 0; r < n * shifts; r++)
        {
            int s = r / shifts, from = (r % shifts) * stride, to = Math.Min(from + window, time);
            double diff = outputs[s] - f[r];
            for (int t = from; t < to; t++)
            {
                Span<float> step = values.AsSpan((s * sample) + (t * features), features);
                float add = (float)(diff / counts[t]);
                for (int j = 0; j < features; j++)
                {
                    step[j] += add;
                }
            }
        }
    }

    private static float[] Baseline(AttributionOptions options, int n, int sample)
    {
        if (options.Baseline is not { } given)
        {
            var filled = new float[n * sample];
            Array.Fill(filled, options.BaselineValue);
            return filled;
        }

        if (given.Length == n * sample)
        {
            return given;
        }

        if (given.Length != sample)
        {
            throw new ModelException("AttributionBaselineShapeMismatch",
                $"The baseline holds {given.Length} values; it must be shaped like X (N·T·F = {n * sample}) or like one sample (T·F = {sample}).");
        }

        var broadcast = new float[n * sample];
        for (int s = 0; s < n; s++)
        {
            given.CopyTo(broadcast, s * sample);
        }

        return broadcast;
    }

    private static long[] Targets(IReadOnlyList<long>? given, float[] probabilities, int n, int width)
    {
        if (given is null)
        {
            // Each sample's predicted class (argmax); a single output is the output itself.
            return width == 1 ? new long[n] : Trainer.ToClasses(probabilities, width);
        }

        if (given.Count != 1 && given.Count != n)
        {
            throw new ModelException("AttributionTargetCountMismatch", $"-Target holds {given.Count} values; give one, or one per sample ({n}).");
        }

        var targets = new long[n];
        for (int s = 0; s < n; s++)
        {
            long t = given.Count == 1 ? given[0] : given[s];
            if (t < 0 || t >= width)
            {
                throw new ModelException("AttributionTargetOutOfRange",
                    $"-Target {t} is not an output of the model: it has {width} output{(width == 1 ? "" : "s")} (0 to {width - 1}).");
            }

            targets[s] = t;
        }

        return targets;
    }
}
