using System.Globalization;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Serving;

namespace PSRnn.Workloads;

/// <summary>
/// <c>--onnxruntime W1_seed,...</c>: inference of each workload by PSRnn's engine (Trainer.Predict) and by ONNX Runtime
/// (the model exported and run by <see cref="OnnxRuntimePredictor"/> on its CPU provider, what Invoke-RnnPrediction
/// -Engine OnnxRuntime does), the same model, data and thread count, in back-to-back pairs (PSRnn, then ONNX Runtime, each
/// about --rep-seconds) in one process; reported as samples/s of each (bests) and the median ratio over the pairs. W5 is
/// one sample a call, as in the peer benchmark.
/// </summary>
internal static class OnnxRuntimeTiming
{
    public static void Run(IEnumerable<Workload> workloads, RunSettings settings, int passes)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (Workload w in workloads)
        {
            Sequential model = w.BuildModel(20261204);
            int batches = w.InferOnly ? 1 : Math.Max(1, Math.Min(settings.EpochBatches, (int)((64L << 20) / (w.InputFloatsPerSample * 4L * w.B))));
            (Tensor x, Tensor _) = w.MakeData(batches * w.B, 20261205);
            Dataset data = Dataset.Create(x, null, model);
            using OnnxRuntimePredictor ort = OnnxRuntimePredictor.Create(model, new OnnxRuntimeSettings { ThreadCount = settings.Threads });
            int threads = settings.Threads;
            float[] ours = Trainer.Predict(model, data, w.B, threads);
            float[] theirs = ort.Predict(data, w.B);
            double worst = 0;
            for (int i = 0; i < ours.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
            }

            int Psrnn()
            {
                Trainer.Predict(model, data, w.B, threads);
                return batches;
            }

            int Ort()
            {
                ort.Predict(data, w.B);
                return batches;
            }

            var ratios = new List<double>();
            double bestOurs = double.MaxValue, bestTheirs = double.MaxValue;
            PairedTiming.WarmUp(Psrnn, Ort, Timing.WarmUpSeconds);
            for (int p = 0; p < passes; p++)
            {
                int oursCalls = PairedTiming.Calibrate(Psrnn, settings.RepSeconds).Units, theirsCalls = PairedTiming.Calibrate(Ort, settings.RepSeconds).Units;
                ForeignCpu.WaitQuiet(settings.QuietWait);
                for (int r = 0; r < settings.Reps; r++)
                {
                    double a = PairedTiming.Time(Psrnn, oursCalls), b = PairedTiming.Time(Ort, theirsCalls);
                    ratios.Add(b / a);
                    bestOurs = Math.Min(bestOurs, a);
                    bestTheirs = Math.Min(bestTheirs, b);
                }
            }

            double median = ratios.Order().ElementAt(ratios.Count / 2);
            Console.WriteLine(string.Create(inv,
                $"{w.Name} T{threads}: PSRnn {w.B / bestOurs:F0} samples/s ({bestOurs * 1e3:F3} ms/batch), ONNX Runtime {w.B / bestTheirs:F0} samples/s " +
                $"({bestTheirs * 1e3:F3} ms/batch); ONNX Runtime's time / PSRnn's over {ratios.Count} pairs: median {median:F2}; max |Δ| {worst:E1}"));
        }
    }
}
