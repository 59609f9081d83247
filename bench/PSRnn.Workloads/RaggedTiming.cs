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
/// measured in back-to-back pairs (padded, then ragged, each about --rep-seconds) in one process, so the host's spells of
/// noise hit both sides of a pair alike; the median over every pair of every pass is the figure.
/// </summary>
internal static class RaggedTiming
{
    public static void Run(IEnumerable<Workload> workloads, RunSettings settings, int passes, string? side = null, double sideSeconds = 10)
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
            if (side is not null)
            {
                // One side alone for a while (--side padded|ragged --seconds S): for a profiler, not a figure.
                Func<int> unit = side == "ragged" ? masked : side == "padded" ? plain
                    : throw new ArgumentException($"--side is padded or ragged, not '{side}'.");
                unit();
                long begin = System.Diagnostics.Stopwatch.GetTimestamp();
                int done = 0;
                while (System.Diagnostics.Stopwatch.GetElapsedTime(begin).TotalSeconds < sideSeconds)
                {
                    done += unit();
                }

                Console.WriteLine(string.Create(inv, $"{w.Name} {side}: {System.Diagnostics.Stopwatch.GetElapsedTime(begin).TotalSeconds * 1e3 / done:F3} ms/batch over {done} batches"));
                continue;
            }

            // Both sides warmed by time before the first pass (Timing.WarmUpSeconds each, alternating): until tier-1
            // code is in, the first pass's pairs timed partly tier-0 code, more of it on whichever side tiered later.
            PairedTiming.WarmUp(plain, masked, Timing.WarmUpSeconds);
            var ratios = new List<double>();
            double plainBest = double.MaxValue, maskedBest = double.MaxValue;
            for (int p = 0; p < passes; p++)
            {
                // Each pass: the two sides calibrated, then rep pairs back to back (padded, ragged), the ratio of each
                // pair kept. The host's noise here comes in spells of seconds; a pair a fraction of a second long sees
                // one spell on both sides, where a pass of one side, then the other, sees two.
                (int plainUnits, double _) = PairedTiming.Calibrate(plain, settings.RepSeconds);
                (int maskedUnits, double _) = PairedTiming.Calibrate(masked, settings.RepSeconds);
                ForeignCpu.WaitQuiet(settings.QuietWait);
                for (int r = 0; r < settings.Reps; r++)
                {
                    double a = PairedTiming.Time(plain, plainUnits), m = PairedTiming.Time(masked, maskedUnits);
                    ratios.Add(m / a);
                    plainBest = Math.Min(plainBest, a);
                    maskedBest = Math.Min(maskedBest, m);
                }
            }

            Console.WriteLine(string.Create(inv,
                $"{w.Name}: real steps {(double)steps / ((long)count * w.T):P1} of the padded; padded {plainBest * 1e3:F2} ms/batch, " +
                $"ragged {maskedBest * 1e3:F2} ms/batch (bests); ragged/padded of {ratios.Count} back-to-back pairs: median " +
                $"{Quantile(ratios, 0.5):F3}, quartiles {Quantile(ratios, 0.25):F3}–{Quantile(ratios, 0.75):F3}, range {ratios.Min():F3}–{ratios.Max():F3}"));
        }
    }

    private static double Quantile(List<double> values, double q)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[(int)Math.Round(q * (sorted.Length - 1))];
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
