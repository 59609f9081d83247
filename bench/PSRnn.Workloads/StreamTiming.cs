using System.Diagnostics;
using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Workloads;

/// <summary>
/// Issue 14's latency figure: the W5 model (LSTM(128) → Dense(10, softmax), 40 features, batch 1) built for any number
/// of steps and stepped one step a call through an <see cref="RnnStream"/>. Each call is timed alone
/// (Stopwatch timestamps around <see cref="RnnStream.Predict"/>, which copies the chunk in, runs the layers and returns
/// the output buffer); after a warm-up, the median over <c>steps</c> calls is one pass; several passes, each after
/// waiting for the machine to be quiet. Allocated bytes per call: GC.GetAllocatedBytesForCurrentThread over the
/// measured calls, divided by their count (every call after the first).
/// </summary>
internal static class StreamTiming
{
    /// <summary>
    /// Where a step's time goes: the same W5 model's layers called directly, each timed alone, per call — the LSTM's
    /// Forward (with a carried state, as the stream sets it), the Dense's Forward (with softmax) — against the whole
    /// <see cref="RnnStream.Predict"/> call, whose remainder is the stream's own work (checks, the chunk copy, setting
    /// and clearing the states, the mask propagation). Medians over <paramref name="steps"/> calls, alternating.
    /// </summary>
    public static void Profile(int steps, int passes, int threads, double quietWait)
    {
        var inv = CultureInfo.InvariantCulture;
        using ComputeThreads.Scope scope = ComputeThreads.Use(threads);
        var model = new Sequential(SampleShape.Sequence(null, 40), "W5_stream", 1);
        var lstm = new Lstm(128);
        var dense = new Dense(10, ActivationKind.Softmax);
        model.Add(lstm);
        model.Add(dense);
        var stream = new RnnStream(model, 1);
        var state = new RecurrentState(1, 128, 2);
        var input = new Activations(1, 1, 40, true);
        var rng = new Rng(3);
        var x = new float[40 * 64];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.Uniform(-2, 2);
        }

        double tick = 1e9 / Stopwatch.Frequency;
        var whole = new double[steps];
        var lstmTimes = new double[steps];
        var denseTimes = new double[steps];
        var copyTimes = new double[steps];
        float sink = 0;
        for (int p = 0; p < passes; p++)
        {
            if (quietWait > 0)
            {
                ForeignCpu.WaitQuiet(quietWait);
            }

            for (int i = -2000; i < steps; i++)
            {
                ReadOnlySpan<float> chunk = x.AsSpan((Math.Abs(i) % 64) * 40, 40);
                long t0 = Stopwatch.GetTimestamp();
                Activations y = stream.Predict(chunk, 1);
                long t1 = Stopwatch.GetTimestamp();
                sink += y.Span[0];

                long c0 = Stopwatch.GetTimestamp();
                input.Resize(1, 1, 40, true);
                chunk.CopyTo(input.Span);
                long c1 = Stopwatch.GetTimestamp();
                lstm.State = state;
                long l0 = Stopwatch.GetTimestamp();
                Activations h = lstm.Forward(input, false);
                long l1 = Stopwatch.GetTimestamp();
                lstm.State = null;
                long d0 = Stopwatch.GetTimestamp();
                Activations z = dense.Forward(h, false);
                long d1 = Stopwatch.GetTimestamp();
                sink += z.Span[0];
                if (i >= 0)
                {
                    whole[i] = (t1 - t0) * tick;
                    copyTimes[i] = (c1 - c0) * tick;
                    lstmTimes[i] = (l1 - l0) * tick;
                    denseTimes[i] = (d1 - d0) * tick;
                }
            }

            static double Median(double[] v) => v.Order().ElementAt(v.Length / 2);

            // The products and the softmax alone, at the step's shapes (the same weights).
            float[] h128 = [.. state.H];
            var z512 = new float[512];
            var z10 = new float[10];
            var p10 = new float[10];
            (string Name, Action Work)[] parts =
            [
                ("x·W 1×512×40", () => Gemm.Multiply(false, false, 1, 512, 40, 1f, x.AsSpan(0, 40), lstm.Parameters[0].Value, 1f, z512)),
                ("h·U 1×512×128", () => Gemm.Multiply(false, false, 1, 512, 128, 1f, h128, lstm.Parameters[1].Value, 1f, z512)),
                ("dense 1×10×128", () => Gemm.Multiply(false, false, 1, 10, 128, 1f, h128, dense.Parameters[0].Value, 1f, z10)),
                ("softmax(10)", () => ActivationFunctions.Forward(ActivationKind.Softmax, z10, p10, 10)),
            ];
            var partTimes = new double[steps];
            var report = new List<string>();
            foreach ((string name, Action work) in parts)
            {
                for (int i = -2000; i < steps; i++)
                {
                    long a0 = Stopwatch.GetTimestamp();
                    work();
                    long a1 = Stopwatch.GetTimestamp();
                    if (i >= 0)
                    {
                        partTimes[i] = (a1 - a0) * tick;
                    }
                }

                report.Add(string.Create(inv, $"{name} {Median(partTimes):F0} ns"));
            }

            Array.Clear(z512);
            Console.WriteLine("  parts: " + string.Join(", ", report) + $" (a timestamp pair alone: {TimerCost(tick):F0} ns)");
            double all = Median(whole), l = Median(lstmTimes), d = Median(denseTimes), c = Median(copyTimes);
            Console.WriteLine(string.Create(inv,
                $"  pass {p + 1}: Predict {all:F0} ns; LSTM.Forward {l:F0} ns, Dense.Forward {d:F0} ns, input resize+copy {c:F0} ns; " +
                $"stream's own remainder ≈ {all - l - d:F0} ns (medians){(sink == 12345.678f ? "!" : "")}"));
        }
    }

    private static double TimerCost(double tick)
    {
        var t = new double[10001];
        for (int i = 0; i < t.Length; i++)
        {
            long a = Stopwatch.GetTimestamp();
            long b = Stopwatch.GetTimestamp();
            t[i] = (b - a) * tick;
        }

        Array.Sort(t);
        return t[t.Length / 2];
    }

    public static void Run(int steps, int passes, int threads, double quietWait)
    {
        var inv = CultureInfo.InvariantCulture;
        using ComputeThreads.Scope scope = ComputeThreads.Use(threads);
        const int features = 40, units = 128, classes = 10;
        var model = new Sequential(SampleShape.Sequence(null, features), "W5_stream", 1);
        model.Add(new Lstm(units));
        model.Add(new Dense(classes, ActivationKind.Softmax));
        var stream = new RnnStream(model, 1);

        var rng = new Rng(20261202);
        const int distinct = 1024;
        var inputs = new float[distinct * features];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)rng.Uniform(-2, 2);
        }

        var times = new double[steps];
        double tick = 1e9 / Stopwatch.Frequency;
        float sink = 0;
        var medians = new List<double>();
        var means = new List<double>();
        var p90s = new List<double>();
        var allocs = new List<double>();
        var foreigns = new List<double>();
        for (int p = 0; p < passes; p++)
        {
            if (quietWait > 0)
            {
                ForeignCpu.WaitQuiet(quietWait);
            }

            // Warm-up: tiering (the JIT installs tier-1 code only after its ~100 ms back-off, so warm by time as well as
            // by count), the workspaces sized by the first call, caches.
            long warmUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * (p == 0 ? 2 : 1) / 2);
            for (int i = 0; i < Math.Max(2000, steps / 5) || Stopwatch.GetTimestamp() < warmUntil; i++)
            {
                sink += stream.Predict(inputs.AsSpan((i % distinct) * features, features), 1).Span[0];
            }

            var foreign = new ForeignCpu();
            foreign.Start();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < steps; i++)
            {
                ReadOnlySpan<float> x = inputs.AsSpan((i % distinct) * features, features);
                long t0 = Stopwatch.GetTimestamp();
                Activations y = stream.Predict(x, 1);
                long t1 = Stopwatch.GetTimestamp();
                sink += y.Span[0];
                times[i] = (t1 - t0) * tick;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            foreigns.Add(foreign.Stop());
            double[] sorted = [.. times.Order()];
            medians.Add(sorted[steps / 2]);
            p90s.Add(sorted[(int)(steps * 0.9)]);
            means.Add(times.Average());
            allocs.Add((double)allocated / steps);
            stream.Reset();
            Console.WriteLine(string.Create(inv,
                $"  pass {p + 1}: median {sorted[steps / 2]:F0} ns/step, mean {times.Average():F0}, p90 {sorted[(int)(steps * 0.9)]:F0}, " +
                $"min {sorted[0]:F0}; {(double)allocated / steps:F2} B allocated per call; foreign cpu {foreigns[^1]:F2}"));
        }

        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        Console.WriteLine(string.Create(inv,
            $"[T={threads}] W5 stream (LSTM({units}) → Dense({classes}), batch 1, one step a call, {steps} calls × {passes} passes): " +
            $"median of the pass medians {Median(medians) / 1e3:F3} µs/step (pass medians {string.Join(" ", medians.Select(m => (m / 1e3).ToString("F3", inv)))}), " +
            $"mean {Median(means) / 1e3:F3}, p90 {Median(p90s) / 1e3:F3}; {Median(allocs):F2} B/call; foreign cpu {Median(foreigns):F2}{(sink == 12345.678f ? "!" : "")}"));
    }
}
