using System.Diagnostics;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Workloads;

/// <summary>How a training step is driven.</summary>
internal enum TrainMode
{
    /// <summary>Trainer.Fit, one epoch per call over a synthetic training set: what a user of Invoke-RnnTraining gets,
    /// shuffling, gathering, metrics and the per-epoch weight snapshots included.</summary>
    Fit,

    /// <summary>The loop inside Fit, driven layer by layer on one fixed batch (gather, zero, forward, loss, backward,
    /// Adam): the steady per-batch cost, the same work as the peer's train_step.</summary>
    Loop,
}

/// <summary>The settings of one run of the runner.</summary>
internal sealed record RunSettings(int Threads, int Reps, double RepSeconds, double QuietWait, TrainMode Mode, int EpochBatches,
    bool Train = true, bool Infer = true)
{
    /// <summary>The weight precisions inference is timed at: one (keys as the peer's), or several alternated rep by rep.</summary>
    public WeightPrecision[] Precisions { get; init; } = [WeightPrecision.Float32];
}

/// <summary>Runs one workload: training (unless inference only) and inference, timed as torch_peer.py times them.</summary>
internal sealed class Runner(Workload w, RunSettings settings)
{
    // Input held per synthetic dataset at most (the W1 samples are 88 KB each).
    private const long MaxDatasetBytes = 128L << 20;

    private const ulong Seed = 20261127;

    /// <summary>Measures the workload and returns its result record (the peer's keys).</summary>
    public Dictionary<string, object> Measure()
    {
        var r = new Dictionary<string, object>
        {
            ["workload"] = w.Name,
            ["batch"] = w.B,
            ["fwd_flops_per_batch"] = w.ForwardFlopsPerBatch,
        };

        // Whole batches only, as many as the memory cap allows (at least one).
        int capBatches = (int)Math.Max(1, MaxDatasetBytes / (w.InputFloatsPerSample * 4 * w.B));
        int epochBatches = Math.Clamp(settings.EpochBatches, 1, capBatches);
        if (!w.InferOnly && settings.Train)
        {
            Sequential model = w.BuildModel(Seed);
            (Tensor x, Tensor y) = w.MakeData(epochBatches * w.B, Seed + 1);
            Dataset data = Dataset.Create(x, y, model);
            Func<int> unit = settings.Mode == TrainMode.Fit ? FitUnit(model, data) : new LoopTrainer(model, data, w.B, settings.Threads).Step;
            var (perBatch, foreign, units, alloc, gen2) = Timing.Run(unit, settings.Reps, settings.RepSeconds, settings.QuietWait, warmUp: 2);
            r["train_samples_per_s"] = Stats.Of(perBatch.Select(t => w.B / t));
            r["train_gflops"] = Stats.Of(perBatch.Select(t => 3 * w.ForwardFlopsPerBatch / t / 1e9));
            r["train_foreign_cores"] = Stats.Of(foreign);
            r["train_iters_per_rep"] = units * (settings.Mode == TrainMode.Fit ? epochBatches : 1);
            r["train_alloc_bytes_per_batch"] = alloc;
            r["train_gen2_collections"] = gen2;
        }

        if (settings.Infer)
        {
            // Inference: Trainer.Predict over whole batches (W5: one sample a call, as one prediction in a script).
            Sequential model = w.BuildModel(Seed);
            int inferBatches = w.InferOnly ? 1 : epochBatches;
            (Tensor x, Tensor y) = w.MakeData(inferBatches * w.B, Seed + 2);
            Dataset data = Dataset.Create(x, y, model);
            int threads = settings.Threads;
            if (settings.Precisions.Length > 1)
            {
                MeasureAlternating(r, model, data, inferBatches);
                return r;
            }

            WeightPrecision precision = settings.Precisions[0];
            int Unit()
            {
                Trainer.Predict(model, data, w.B, threads, precision);
                return inferBatches;
            }

            var (perBatch, foreign, units, alloc, gen2) = Timing.Run(Unit, settings.Reps, settings.RepSeconds, settings.QuietWait, warmUp: 3);
            r["infer_samples_per_s"] = Stats.Of(perBatch.Select(t => w.B / t));
            r["infer_ms_per_call"] = Stats.Of(perBatch.Select(t => t * 1e3));
            r["infer_gflops"] = Stats.Of(perBatch.Select(t => w.ForwardFlopsPerBatch / t / 1e9));
            r["infer_foreign_cores"] = Stats.Of(foreign);
            r["infer_iters_per_rep"] = units * inferBatches;
            r["infer_alloc_bytes_per_batch"] = alloc;
            r["infer_gen2_collections"] = gen2;
        }

        return r;
    }

    // Inference at each precision in turn, one repetition each per round, so a change in the machine's load falls on all
    // of them alike: keys infer_ms_per_call_int8 and so on. The quantized copies are made in the first round's warm-up.
    private void MeasureAlternating(Dictionary<string, object> r, Sequential model, Dataset data, int inferBatches)
    {
        var times = settings.Precisions.ToDictionary(p => p, _ => new List<double>());
        var foreign = settings.Precisions.ToDictionary(p => p, _ => new List<double>());
        for (int round = 0; round < settings.Reps; round++)
        {
            foreach (WeightPrecision precision in settings.Precisions)
            {
                int Unit()
                {
                    Trainer.Predict(model, data, w.B, settings.Threads, precision);
                    return inferBatches;
                }

                var (perBatch, busy, _, _, _) = Timing.Run(Unit, 1, settings.RepSeconds, settings.QuietWait, warmUp: round == 0 ? 3 : 1);
                times[precision].AddRange(perBatch);
                foreign[precision].AddRange(busy);
            }
        }

        r["precisions"] = settings.Precisions.Select(p => p.ToString().ToLowerInvariant()).ToArray();
        foreach (WeightPrecision precision in settings.Precisions)
        {
            string key = precision.ToString().ToLowerInvariant();
            r[$"infer_samples_per_s_{key}"] = Stats.Of(times[precision].Select(t => w.B / t));
            r[$"infer_ms_per_call_{key}"] = Stats.Of(times[precision].Select(t => t * 1e3));
            r[$"infer_foreign_cores_{key}"] = Stats.Of(foreign[precision]);
        }
    }

    /// <summary>Per layer and phase, the mean milliseconds per batch of the layer-level loop, over about
    /// <see cref="RunSettings.RepSeconds"/> × <see cref="RunSettings.Reps"/> of training.</summary>
    public IReadOnlyList<(string Part, double Ms)> Profile()
    {
        Sequential model = w.BuildModel(Seed);
        (Tensor x, Tensor y) = w.MakeData(w.B, Seed + 1);
        Dataset data = Dataset.Create(x, y, model);
        var loop = new LoopTrainer(model, data, w.B, settings.Threads) { Profiling = true };
        for (int i = 0; i < 3; i++)
        {
            loop.Step();
        }

        loop.ResetProfile();
        long t0 = Stopwatch.GetTimestamp();
        int n = 0;
        while (Stopwatch.GetElapsedTime(t0).TotalSeconds < settings.RepSeconds * settings.Reps)
        {
            loop.Step();
            n++;
        }

        return loop.Parts.Select(p => (p.Name, Stopwatch.GetElapsedTime(0, p.Ticks).TotalMilliseconds / n)).ToArray();
    }

    private Func<int> FitUnit(Sequential model, Dataset data)
    {
        Loss loss = Trainer.ResolveLoss(model, "sparse_categorical_crossentropy", data);
        var adam = new Adam(0.001f);
        var options = new FitOptions { Epochs = 1, BatchSize = w.B, ThreadCount = settings.Threads, Seed = Seed };
        int batches = data.Count / w.B;
        return () =>
        {
            Trainer.Fit(model, data, null, loss, adam, options);
            return batches;
        };
    }

    /// <summary>
    /// The body of Trainer.Fit's batch loop through public members, on one fixed batch: gather, zero the gradients,
    /// forward (training), fused softmax cross-entropy, backward, Adam. Metrics, shuffling and snapshots are left out.
    /// With <see cref="Profiling"/> each phase and each layer's forward and backward is timed.
    /// </summary>
    private sealed class LoopTrainer
    {
        private readonly Sequential _model;
        private readonly Dataset _data;
        private readonly Loss _loss;
        private readonly Adam _adam = new(0.001f);
        private readonly IReadOnlyList<Parameter> _parameters;
        private readonly int[] _indices;
        private readonly float[] _targets;
        private readonly Activations _batch = new();
        private readonly Activations _gradient = new();
        private readonly int _threads;

        public LoopTrainer(Sequential model, Dataset data, int batch, int threads)
        {
            _model = model;
            _data = data;
            _loss = Trainer.ResolveLoss(model, "sparse_categorical_crossentropy", data);
            _parameters = model.Parameters;
            _indices = Enumerable.Range(0, batch).ToArray();
            _targets = new float[batch * data.TargetsPerSample];
            _threads = threads;

            // As Fit does for a softmax Dense under a cross-entropy loss: the layer hands logits to the loss.
            ((Dense)model.Layers[^1]).FuseActivationIntoLoss = true;
            var names = new List<string> { "gather", "zero_grad" };
            names.AddRange(model.Layers.Select(l => $"fwd {l.Name}"));
            names.Add("loss");
            names.AddRange(model.Layers.Reverse().Select(l => $"bwd {l.Name}"));
            names.Add("adam");
            Parts = names.Select(n => new Part(n)).ToArray();
        }

        public bool Profiling { get; init; }

        public Part[] Parts { get; }

        public void ResetProfile()
        {
            foreach (Part p in Parts)
            {
                p.Ticks = 0;
            }
        }

        public int Step()
        {
            // What Fit does with FitOptions.ThreadCount: the products of this step use that many threads.
            using ComputeThreads.Scope threads = ComputeThreads.Use(_threads);
            int part = 0;
            long t = Stopwatch.GetTimestamp();
            _data.Gather(_indices, _batch, _targets);
            Mark(ref part, ref t);
            _model.ZeroGradients();
            Mark(ref part, ref t);
            Activations x = _batch;
            IReadOnlyList<Layer> layers = _model.Layers;
            for (int l = 0; l < layers.Count; l++)
            {
                x = layers[l].Forward(x, training: true);
                Mark(ref part, ref t);
            }

            _gradient.ResizeLike(x);
            _loss.Compute(x.Span, _targets, x.Rows, x.Features, _gradient.Span, fromLogits: true);
            Mark(ref part, ref t);
            Activations? g = _gradient;
            for (int l = layers.Count - 1; l >= 0; l--)
            {
                g = layers[l].Backward(g!, computeInputGradient: l > 0);
                Mark(ref part, ref t);
            }

            _adam.Step(_parameters);
            Mark(ref part, ref t);
            return 1;
        }

        private void Mark(ref int part, ref long t)
        {
            if (!Profiling)
            {
                return;
            }

            long now = Stopwatch.GetTimestamp();
            Parts[part++].Ticks += now - t;
            t = now;
        }
    }

    /// <summary>A timed phase of the loop.</summary>
    private sealed class Part(string name)
    {
        public string Name { get; } = name;

        public long Ticks { get; set; }
    }
}
