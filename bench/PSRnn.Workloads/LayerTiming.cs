using System.Diagnostics;
using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Workloads;

/// <summary>
/// <c>--layers</c>: one recurrent layer of each cell at W2's second layer (batch 32, 28 steps, 128 features in, 128
/// units, sequences out), forward for prediction and forward plus backward for training, each the best of many calls
/// with the cells interleaved, so that a shared machine's load falls on all of them alike and the best call is the one
/// it disturbed least.
/// </summary>
internal static class LayerTiming
{
    public static void Run(string cells, int threads, int reps)
    {
        const int batch = 32, time = 28, features = 128, units = 128;
        using ComputeThreads.Scope scope = ComputeThreads.Use(threads);
        string[] names = cells.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var layers = names.Select(n => Create(n, units)).ToArray();
        var x = new Activations(batch, time, features, true);
        var rng = new Rng(1);
        foreach (ref float v in x.Span)
        {
            v = (float)rng.Uniform(-1, 1);
        }

        var g = new Activations(batch, time, units, true);
        g.Span.Fill(0.01f);
        foreach (Layer layer in layers)
        {
            new Sequential(SampleShape.Sequence(time, features), "m", 1).Add(layer);
        }

        var infer = Enumerable.Repeat(double.MaxValue, layers.Length).ToArray();
        var train = Enumerable.Repeat(double.MaxValue, layers.Length).ToArray();
        for (int rep = -5; rep < reps; rep++)
        {
            for (int l = 0; l < layers.Length; l++)
            {
                long start = Stopwatch.GetTimestamp();
                layers[l].Forward(x, training: false);
                double predict = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                start = Stopwatch.GetTimestamp();
                layers[l].Forward(x, training: true);
                layers[l].Backward(g, computeInputGradient: true);
                double step = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (rep >= 0)
                {
                    infer[l] = Math.Min(infer[l], predict);
                    train[l] = Math.Min(train[l], step);
                }
            }
        }

        for (int l = 0; l < layers.Length; l++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{names[l],-8} T{threads} predict {infer[l],7:F3} ms  train (fwd+bwd) {train[l],7:F3} ms  ({batch}x{time}x{features} -> {units})"));
        }
    }

    private static Layer Create(string cell, int units) => cell switch
    {
        "lstm" => new Lstm(units, returnSequences: true),
        "gru" => new Gru(units, returnSequences: true),
        "rnn" => new SimpleRnn(units, returnSequences: true),
        "mingru" => new MinGru(units, returnSequences: true),
        "minlstm" => new MinLstm(units, returnSequences: true),
        _ => throw new ArgumentException($"Unknown cell '{cell}'; known: {string.Join(", ", Workload.Cells)}.", nameof(cell)),
    };
}
