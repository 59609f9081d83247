using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Workloads;

/// <summary>
/// The ragged-batch figure of issue 13: the same workload trained (Trainer.Fit) on batches whose lengths spread
/// uniformly over [T/4, T] — a Masking layer first, padding after the data — against the same batches padded to T and
/// fed whole (no mask: what a framework without packed sequences costs). Reported as the ratio of the per-batch times,
/// measured in alternating passes in one process, so drift and noise hit both alike.
/// </summary>
internal static class RaggedTiming
{
    public static void Run(IEnumerable<Workload> workloads, RunSettings settings, int passes)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (Workload w in workloads)
        {
            if (w.Emb > 0 || w.InferOnly)
            {
                Console.WriteLine($"{w.Name}: skipped (token input or inference only)");
                continue;
            }

            int batches = Math.Max(1, settings.EpochBatches);
            (Tensor x, Tensor y) = w.MakeData(batches * w.B, 20261201);
            float[] ragged = (float[])x.Data;
            float[] padded = (float[])ragged.Clone();
            var rng = new Rng(7);
            long steps = 0;
            int count = batches * w.B;
            for (int b = 0; b < count; b++)
            {
                // Real steps first, zeros after: what Masking(0) masks.
                int length = (w.T / 4) + rng.NextInt(w.T - (w.T / 4) + 1);
                steps += length;
                Array.Clear(ragged, ((b * w.T) + length) * w.I, (w.T - length) * w.I);
            }

            Sequential plainModel = w.BuildModel(1);
            Sequential maskedModel = Masked(w);
            Func<int> plain = Fit(plainModel, new Tensor(padded, count, w.T, w.I), y, w, settings);
            Func<int> masked = Fit(maskedModel, new Tensor(ragged, count, w.T, w.I), y, w, settings);
            var ratios = new List<double>();
            double plainBest = double.MaxValue, maskedBest = double.MaxValue;
            for (int p = 0; p < passes; p++)
            {
                double a = Timing.Run(plain, settings.Reps, settings.RepSeconds, settings.QuietWait, warmUp: 1).PerItem.Order().ElementAt(settings.Reps / 2);
                double m = Timing.Run(masked, settings.Reps, settings.RepSeconds, settings.QuietWait, warmUp: 1).PerItem.Order().ElementAt(settings.Reps / 2);
                ratios.Add(m / a);
                plainBest = Math.Min(plainBest, a);
                maskedBest = Math.Min(maskedBest, m);
            }

            Console.WriteLine(string.Create(inv,
                $"{w.Name}: real steps {(double)steps / ((long)count * w.T):P1} of the padded; padded {plainBest * 1e3:F2} ms/batch, " +
                $"ragged {maskedBest * 1e3:F2} ms/batch; ragged/padded {string.Join(" ", ratios.Select(r => r.ToString("F3", inv)))} " +
                $"(median {ratios.Order().ElementAt(ratios.Count / 2):F3})"));
        }
    }

    private static Sequential Masked(Workload w)
    {
        var model = new Sequential(SampleShape.Sequence(w.T, w.I), w.Name + "_masked", 1);
        model.Add(new Masking(0f));
        Sequential plain = w.BuildModel(1);
        foreach (Layer layer in plain.Layers.ToArray())
        {
            model.Add(layer switch
            {
                Lstm l => new Lstm(l.Units, l.ReturnSequences),
                Gru g => new Gru(g.Units, g.ReturnSequences),
                SimpleRnn s => new SimpleRnn(s.Units, s.ReturnSequences),
                Dense d => new Dense(d.Units, d.Activation),
                _ => throw new NotSupportedException(layer.KerasClassName),
            });
        }

        return model;
    }

    private static Func<int> Fit(Sequential model, Tensor x, Tensor y, Workload w, RunSettings settings)
    {
        Dataset data = Dataset.Create(x, y, model);
        Loss loss = Trainer.ResolveLoss(model, "sparse_categorical_crossentropy", data);
        var adam = new Adam(0.001f);
        var options = new FitOptions { Epochs = 1, BatchSize = w.B, ThreadCount = settings.Threads, Seed = 3 };
        int batches = data.Count / w.B;
        return () =>
        {
            Trainer.Fit(model, data, null, loss, adam, options);
            return batches;
        };
    }
}
