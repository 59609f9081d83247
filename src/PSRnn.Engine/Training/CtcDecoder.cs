using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// Decodes per-step softmax outputs over C symbols (0 the blank, as <see cref="CtcLoss"/>) into label sequences: best
/// path (greedy) or CTC prefix beam search. Only a sample's real steps (its mask's) are read.
/// </summary>
public static class CtcDecoder
{
    /// <summary>Keras's <c>ctc_decode</c> beam width.</summary>
    public const int DefaultBeamWidth = 100;

    /// <summary>
    /// Decodes every sample of <paramref name="data"/> with <paramref name="model"/>, which must end in a per-step Dense
    /// layer with a softmax (DecodeNeedsPerStepSoftmax otherwise).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="data">The samples (targets, if any, are ignored).</param>
    /// <param name="decoding">Greedy or beam search.</param>
    /// <param name="beamWidth">Prefixes the beam search keeps at each step (1 or more).</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="threadCount">Threads the matrix products may use; null: one per processor.</param>
    /// <exception cref="ModelException">DecodeNeedsPerStepSoftmax.</exception>
    public static CtcHypothesis[] Decode(Sequential model, Dataset data, CtcDecoding decoding, int beamWidth = DefaultBeamWidth,
        int batchSize = 32, int? threadCount = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(beamWidth);
        model.EnsureNotEmpty();
        if (!model.OutputShape.IsSequence || model.Layers[^1] is not Dense { Activation: ActivationKind.Softmax } dense)
        {
            throw new ModelException("DecodeNeedsPerStepSoftmax",
                $"Decoding reads a softmax over the symbols at every step, but model '{model.Name}' ends in {model.Layers[^1].Name} with output "
                + $"{model.OutputShape}. Decode a CTC model: one ending in Add-DenseLayer <symbols + 1> -Activation softmax after a layer that returns sequences.");
        }

        using ComputeThreads.Scope threads = ComputeThreads.Use(threadCount);
        var results = new CtcHypothesis[data.Count];
        var reader = new StepReader();
        // Logits from the last layer (its softmax fused away) give exact log-probabilities; restored as it was found.
        bool wasFused = dense.FuseActivationIntoLoss;
        dense.FuseActivationIntoLoss = true;
        try
        {
            Trainer.ForwardInBatches(model, data, batchSize, (start, size, output) =>
            {
                for (int b = 0; b < size; b++)
                {
                    int steps = reader.Read(output, b, fromLogits: true);
                    results[start + b] = decoding == CtcDecoding.Beam
                        ? Beam(reader.LogProbabilities, steps, output.Features, beamWidth)
                        : Greedy(reader.LogProbabilities, steps, output.Features);
                }
            });
        }
        finally
        {
            dense.FuseActivationIntoLoss = wasFused;
        }

        return results;
    }

    /// <summary>
    /// Best-path decoding of <paramref name="steps"/> rows of log-probabilities (steps × classes): each step's most
    /// probable symbol (the first of equals, as NumPy's argmax), repeats collapsed, blanks dropped. Its log probability is
    /// the path's: Σ_t max_k log y_t(k).
    /// </summary>
    public static CtcHypothesis Greedy(ReadOnlySpan<double> logProbabilities, int steps, int classes)
    {
        var labels = new List<int>();
        double logP = 0;
        int previous = -1;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<double> row = logProbabilities.Slice(t * classes, classes);
            int best = 0;
            for (int k = 1; k < classes; k++)
            {
                best = row[k] > row[best] ? k : best;
            }

            logP += row[best];
            if (best != CtcLoss.Blank && best != previous)
            {
                labels.Add(best);
            }

            previous = best;
        }

        return new CtcHypothesis([.. labels], logP);
    }

    /// <summary>
    /// CTC prefix beam search (Hannun et al. 2014, without a language model) over <paramref name="steps"/> rows of
    /// log-probabilities: each prefix keeps log p_b (its alignments ending in a blank) and log p_nb (ending in its last
    /// label). A step extends prefix ℓ by the blank (p_b(ℓ) += p(ℓ)·y(blank)), by its own last label a (p_nb(ℓ) +=
    /// p_nb(ℓ)·y(a), and p_nb(ℓa) += p_b(ℓ)·y(a): a repeat needs a blank between), and by any other label c
    /// (p_nb(ℓc) += p(ℓ)·y(c)), with p = p_b + p_nb; then the <paramref name="beamWidth"/> most probable prefixes stay
    /// (ties: the shorter, then the smaller labels). The result is the most probable prefix at the end, with log p.
    /// With a beam at least as wide as the number of prefixes nothing is pruned and the result is the exact most probable
    /// label sequence.
    /// </summary>
    public static CtcHypothesis Beam(ReadOnlySpan<double> logProbabilities, int steps, int classes, int beamWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(beamWidth);
        var beams = new List<Prefix> { new([], 0, double.NegativeInfinity) };
        var next = new Dictionary<int[], Prefix>(LabelComparer.Instance);
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<double> y = logProbabilities.Slice(t * classes, classes);
            next.Clear();
            foreach (Prefix p in beams)
            {
                double total = CtcLoss.LogAdd(p.Blank, p.NonBlank);
                Entry(next, p.Labels).Blank = CtcLoss.LogAdd(Entry(next, p.Labels).Blank, total + y[CtcLoss.Blank]);
                int last = p.Labels.Length > 0 ? p.Labels[^1] : -1;
                for (int k = 1; k < classes; k++)
                {
                    if (double.IsNegativeInfinity(y[k]))
                    {
                        continue;
                    }

                    Prefix extended = Entry(next, [.. p.Labels, k]);
                    if (k == last)
                    {
                        Prefix same = Entry(next, p.Labels);
                        same.NonBlank = CtcLoss.LogAdd(same.NonBlank, p.NonBlank + y[k]);
                        extended.NonBlank = CtcLoss.LogAdd(extended.NonBlank, p.Blank + y[k]);
                    }
                    else
                    {
                        extended.NonBlank = CtcLoss.LogAdd(extended.NonBlank, total + y[k]);
                    }
                }
            }

            beams = [.. next.Values.OrderByDescending(p => p.Total).ThenBy(p => p.Labels, LabelComparer.Instance).Take(beamWidth)];
        }

        Prefix best = beams[0];
        return new CtcHypothesis(best.Labels, best.Total);
    }

    private static Prefix Entry(Dictionary<int[], Prefix> map, int[] labels)
    {
        if (!map.TryGetValue(labels, out Prefix? p))
        {
            p = new Prefix(labels, double.NegativeInfinity, double.NegativeInfinity);
            map[labels] = p;
        }

        return p;
    }

    /// <summary>A prefix of the beam: its labels and the log probabilities of its alignments ending in a blank or not.</summary>
    private sealed class Prefix(int[] labels, double blank, double nonBlank)
    {
        public int[] Labels { get; } = labels;

        public double Blank { get; set; } = blank;

        public double NonBlank { get; set; } = nonBlank;

        public double Total => CtcLoss.LogAdd(Blank, NonBlank);
    }

    /// <summary>Label sequences by value: equal when their labels are; ordered shorter first, then label by label.</summary>
    private sealed class LabelComparer : IEqualityComparer<int[]>, IComparer<int[]>
    {
        public static readonly LabelComparer Instance = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] obj)
        {
            var hash = new HashCode();
            foreach (int v in obj)
            {
                hash.Add(v);
            }

            return hash.ToHashCode();
        }

        public int Compare(int[]? x, int[]? y) =>
            x!.Length != y!.Length ? x.Length.CompareTo(y.Length) : x.AsSpan().SequenceCompareTo(y);
    }

    /// <summary>Reads one sample's real steps of a per-step output as log-probabilities (steps × classes, in order).</summary>
    internal sealed class StepReader
    {
        private double[] _logY = [];
        private int[] _steps = [];

        public ReadOnlySpan<double> LogProbabilities => _logY;

        /// <summary>Fills <see cref="LogProbabilities"/> with sample <paramref name="b"/>'s real steps; returns how many.</summary>
        public int Read(Activations output, int b, bool fromLogits)
        {
            int time = output.Time, classes = output.Features;
            if (_steps.Length < time)
            {
                _steps = new int[time];
            }

            if (_logY.Length < time * classes)
            {
                _logY = new double[time * classes];
            }

            int steps = SequenceLoss.RealSteps(output, b, _steps);
            ReadOnlySpan<float> y = output.Span;
            for (int t = 0; t < steps; t++)
            {
                CtcLoss.LogRow(y.Slice(((b * time) + _steps[t]) * classes, classes), fromLogits, _logY.AsSpan(t * classes, classes));
            }

            return steps;
        }
    }
}
