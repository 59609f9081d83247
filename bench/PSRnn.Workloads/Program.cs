using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using PSRnn.Engine.Tensors;

namespace PSRnn.Workloads;

/// <summary>
/// The workload runner: W1–W6 of ../shared/bench/WORKLOADS.md through PSRnn's public API, timed and reported as
/// torch_peer.py does (same JSON keys), so the two compare directly.
/// </summary>
/// <remarks>
/// <code>
/// dotnet run -c Release --project bench/PSRnn.Workloads -- [--workloads W2_seqmnist,W6_simple] [--threads 2] [--reps 7]
///     [--rep-seconds 1] [--quiet-wait 20] [--mode fit|loop] [--epoch-batches 8] [--label x] [--out psrnn.json] [--profile]
///     [--parts train,infer] [--precision float32|int8|bfloat16|float32,int8,bfloat16 (inference weights; several:
///     alternated rep by rep, one result per precision)]
///     [--cells lstm,gru,mingru,minlstm: each workload's shape with each of these recurrent layers [--rounds 3]]
/// dotnet run -c Release --project bench/PSRnn.Workloads -- --ragged W3_mfcc_lstm,W2_seqmnist [--passes 3] [--reps 5]
///     [--rep-seconds 1] [--quiet-wait 5] [--epoch-batches 4] [--side padded|ragged [--seconds 10]: one side alone, to profile]
/// dotnet run -c Release --project bench/PSRnn.Workloads -- --onnxruntime W1_seed,W5_latency [--passes 3] [--reps 5] [--rep-seconds 1]
///     [--threads 2] [--quiet-wait 5]: inference by PSRnn's engine against ONNX Runtime's CPU provider, alternating
/// dotnet run -c Release --project bench/PSRnn.Workloads -- --gemm default|32x512x128,... [--threads 2] [--reps 7]
/// dotnet run -c Release --project bench/PSRnn.Workloads -- --layers lstm,gru,mingru,minlstm [--threads 1] [--reps 7]
/// dotnet run -c Release --project bench/PSRnn.Workloads -- --stream 20000 [--passes 5] [--threads 1] [--quiet-wait 5] [--profile]
/// </code>
/// </remarks>
internal static class Program
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static int Main(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        bool profile = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--profile")
            {
                profile = true;
            }
            else if (a.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                options[a[2..]] = args[++i];
            }
            else
            {
                Console.Error.WriteLine($"Unknown argument '{a}'. See the remarks of Program in bench/PSRnn.Workloads.");
                return 2;
            }
        }

        string Get(string name, string fallback) => options.TryGetValue(name, out string? v) ? v : fallback;
        var inv = CultureInfo.InvariantCulture;
        var settings = new RunSettings(
            Threads: int.Parse(Get("threads", ComputeThreads.Default.ToString(inv)), inv),
            Reps: int.Parse(Get("reps", "7"), inv),
            RepSeconds: double.Parse(Get("rep-seconds", "1.0"), inv),
            QuietWait: double.Parse(Get("quiet-wait", "20"), inv),
            Mode: Enum.Parse<TrainMode>(Get("mode", "fit"), ignoreCase: true),
            EpochBatches: int.Parse(Get("epoch-batches", "8"), inv))
        {
            Train = Get("parts", "train,infer").Contains("train", StringComparison.Ordinal),
            Infer = Get("parts", "train,infer").Contains("infer", StringComparison.Ordinal),
            Precisions = Get("precision", "float32").Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => Enum.Parse<WeightPrecision>(p, ignoreCase: true)).ToArray(),
        };
        if (options.TryGetValue("gemm", out string? gemmShapes))
        {
            GemmTiming.Run(gemmShapes == "default" ? GemmTiming.DefaultShapes : gemmShapes, settings.Threads, settings.Reps * 6);
            return 0;
        }

        if (options.TryGetValue("layers", out string? layerCells))
        {
            LayerTiming.Run(layerCells, settings.Threads, settings.Reps * 10);
            return 0;
        }

        if (options.TryGetValue("stream", out string? streamSteps))
        {
            (profile ? (Action<int, int, int, double>)StreamTiming.Profile : StreamTiming.Run)(int.Parse(streamSteps, inv),
                int.Parse(Get("passes", "5"), inv), settings.Threads, double.Parse(Get("quiet-wait", "5"), inv));
            return 0;
        }

        if (options.TryGetValue("onnxruntime", out string? ortNames))
        {
            OnnxRuntimeTiming.Run(ortNames.Split(',').Select(n => Workload.All.First(w => w.Name == n)), settings, int.Parse(Get("passes", "3"), inv));
            return 0;
        }

        if (options.TryGetValue("ragged", out string? raggedNames))
        {
            RaggedTiming.Run(raggedNames.Split(',').Select(n => Workload.All.First(w => w.Name == n)), settings,
                int.Parse(Get("passes", "3"), inv), options.GetValueOrDefault("side"), double.Parse(Get("seconds", "10"), inv));
            return 0;
        }

        string label = Get("label", "");
        string[] names = Get("workloads", string.Join(',', Workload.All.Select(w => w.Name))).Split(',', StringSplitOptions.RemoveEmptyEntries);
        Workload[] selected = names.Select(n => Workload.All.Concat(Workload.Extra).FirstOrDefault(w => w.Name == n)
            ?? throw new ArgumentException($"Unknown workload '{n}'; known: {string.Join(", ", Workload.All.Select(w => w.Name))}.")).ToArray();
        if (options.TryGetValue("cells", out string? cells))
        {
            // Each workload's shape once per cell, in this one run (minGRU/minLSTM against LSTM/GRU on W2's shape).
            // --rounds R repeats the list, so that a shared machine's changing load falls on every cell alike.
            Workload[] once = [.. selected.SelectMany(w => cells.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w.WithCell))];
            selected = [.. Enumerable.Repeat(once, int.Parse(Get("rounds", "1"), inv)).SelectMany(w => w)];
        }


        var output = new Dictionary<string, object>
        {
            ["label"] = label,
            ["threads"] = settings.Threads,
            ["engine"] = "PSRnn",
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["simd"] = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? "Vector512"
                : Avx2.IsSupported && Fma.IsSupported ? "Vector256" : Vector128.IsHardwareAccelerated ? "Vector128" : "Scalar",
            ["processors"] = Environment.ProcessorCount,
            ["mode"] = settings.Mode.ToString().ToLowerInvariant(),
            ["epoch_batches"] = settings.EpochBatches,
            ["server_gc"] = System.Runtime.GCSettings.IsServerGC,
        };
        var results = new List<Dictionary<string, object>>();
        foreach (Workload w in selected)
        {
            var runner = new Runner(w, settings);
            if (profile)
            {
                IReadOnlyList<(string Part, double Ms)> parts = runner.Profile();
                double total = parts.Sum(p => p.Ms);
                Console.WriteLine(string.Create(inv, $"[{label} T={settings.Threads}] {w.Name} profile: {total:F3} ms/batch, {w.B / total * 1e3:F0} samples/s (layer-level loop)"));
                foreach ((string part, double ms) in parts)
                {
                    Console.WriteLine(string.Create(inv, $"    {part,-22} {ms,9:F3} ms  {100 * ms / total,5:F1}%"));
                }

                results.Add(new Dictionary<string, object>
                {
                    ["workload"] = w.Name,
                    ["profile_ms_per_batch"] = parts.ToDictionary(p => p.Part, p => p.Ms),
                });
                continue;
            }

            Dictionary<string, object> r = runner.Measure();
            results.Add(r);
            Console.WriteLine(Line(label, settings.Threads, r));
        }

        output["results"] = results;
        if (options.TryGetValue("out", out string? path))
        {
            File.WriteAllText(path, JsonSerializer.Serialize(output, Json));
        }

        return 0;
    }

    // The peer's one line a workload.
    private static string Line(string label, int threads, Dictionary<string, object> r)
    {
        var inv = CultureInfo.InvariantCulture;
        string msg = string.Create(inv, $"[{label} T={threads}] {r["workload"]}:");
        if (r.TryGetValue("train_samples_per_s", out object? train))
        {
            var s = (Stats)train;
            msg += string.Create(inv, $" train {s.Median:F0} sam/s (min {s.Min:F0} max {s.Max:F0}) {((Stats)r["train_gflops"]).Median:F1} GF/s" +
                $" foreign {((Stats)r["train_foreign_cores"]).Median:F2}, {(double)r["train_alloc_bytes_per_batch"]:F0} B/batch;");
        }

        if (r.TryGetValue("infer_samples_per_s", out object? infer))
        {
            var i = (Stats)infer;
            msg += string.Create(inv, $" infer {i.Median:F0} sam/s (min {i.Min:F0} max {i.Max:F0}) {((Stats)r["infer_gflops"]).Median:F1} GF/s" +
                $" {((Stats)r["infer_ms_per_call"]).Median:F3} ms/call; foreign cpu {((Stats)r["infer_foreign_cores"]).Median:F2}");
        }

        if (r.TryGetValue("precisions", out object? precisions))
        {
            foreach (string p in (string[])precisions)
            {
                var i = (Stats)r[$"infer_samples_per_s_{p}"];
                msg += string.Create(inv, $" infer[{p}] {i.Median:F0} sam/s (min {i.Min:F0} max {i.Max:F0}) " +
                    $"{((Stats)r[$"infer_ms_per_call_{p}"]).Median:F3} ms/call, foreign cpu {((Stats)r[$"infer_foreign_cores_{p}"]).Median:F2};");
            }
        }

        return msg;
    }
}
