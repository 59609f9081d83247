using System.Diagnostics;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's fit, evaluate and predict for a <see cref="Sequential"/> model.
/// </summary>
/// <remarks>
/// Softmax or sigmoid on the last Dense layer is fused into a matching cross-entropy loss during fit and evaluate
/// (the loss takes logits: stable, and the gradient is simply p − y); predictions apply the activation as usual.
/// A linear last layer with a cross-entropy loss is read as logits, as PyTorch does.
/// Weights (and the optimizer's state) are snapshotted at each epoch boundary, so an interrupted run, or one whose loss
/// turns NaN, ends with the weights of the last completed, finite epoch.
/// </remarks>
public static class Trainer
{
    /// <summary>
    /// The loss to train with: the named one, or Keras's usual choice for the last layer's activation — softmax:
    /// categorical cross-entropy (sparse when the targets are class labels), sigmoid: binary cross-entropy, else MSE.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="lossName">The loss's Keras name; null or empty for the default.</param>
    /// <param name="data">The training data.</param>
    /// <param name="lossOptions">The named loss's options (see <see cref="Losses.FromName(string, IReadOnlyDictionary{string, object?}?)"/>).</param>
    /// <exception cref="ModelException">The named loss does not suit the targets, or its options are wrong.</exception>
    public static Loss ResolveLoss(Sequential model, string? lossName, Dataset data, IReadOnlyDictionary<string, object?>? lossOptions = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        model.EnsureNotEmpty();
        Loss loss;
        if (string.IsNullOrWhiteSpace(lossName) && lossOptions is { Count: > 0 })
        {
            throw new ModelException("LossOptionWithoutLoss",
                "Loss options were given without a loss; name the loss they are for (-Loss huber -LossOption @{ delta = 0.5 }).");
        }

        if (!string.IsNullOrWhiteSpace(lossName))
        {
            try
            {
                loss = Losses.FromName(lossName, lossOptions);
            }
            catch (ArgumentException e)
            {
                throw new ModelException("LossUnknown", e.Message, e);
            }

            // A sequence loss reads label sequences (CTC); it checks the model and the targets itself.
            if (loss is SequenceLoss sequence)
            {
                sequence.CheckData(model, data, "Y");
                return loss;
            }

            if (data.HasLabelSequences)
            {
                throw new ModelException("LossTargetMismatch",
                    $"The targets are label sequences, which only the ctc loss reads; {loss.KerasName} needs targets shaped like the output.");
            }

            // Keras users say categorical_crossentropy; integer labels then need the sparse form.
            if (data.SparseTargets && loss.KerasName == "categorical_crossentropy")
            {
                loss = Losses.FromName("sparse_categorical_crossentropy");
            }
            else if (!data.SparseTargets && loss.KerasName == "sparse_categorical_crossentropy")
            {
                throw new ModelException("LossTargetMismatch",
                    "sparse_categorical_crossentropy takes class labels (one integer per output row), but the targets are rows of values; use categorical_crossentropy.");
            }
            else if (data.SparseTargets && loss.KerasName != "sparse_categorical_crossentropy")
            {
                throw new ModelException("LossTargetMismatch",
                    $"{loss.KerasName} needs targets shaped like the output, but the targets are class labels; one-hot encode them (ConvertTo-RnnOneHot) or use a cross-entropy loss.");
            }

            // Before Fit touches the model: a loss that cannot read these targets fails here (poisson's counts, cosine's width).
            loss.CheckTargets(data.TargetValues, model.OutputShape.Features);
            return loss;
        }

        if (data.HasLabelSequences)
        {
            Loss ctc = Losses.FromName("ctc", lossOptions);
            ((SequenceLoss)ctc).CheckData(model, data, "Y");
            return ctc;
        }

        ActivationKind last = LastActivation(model);
        return last switch
        {
            ActivationKind.Softmax => Losses.FromName(data.SparseTargets ? "sparse_categorical_crossentropy" : "categorical_crossentropy"),
            ActivationKind.Sigmoid when !data.SparseTargets => Losses.FromName("binary_crossentropy"),
            _ when data.SparseTargets => Losses.FromName("sparse_categorical_crossentropy"),
            _ => Losses.FromName("mean_squared_error"),
        };
    }

    /// <summary>The metrics reported by default for a loss: accuracy of the matching kind for classification, MAE for regression.</summary>
    public static IReadOnlyList<Metric> DefaultMetrics(Loss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return loss.KerasName switch
        {
            "categorical_crossentropy" => [new CategoricalAccuracy("accuracy")],
            "sparse_categorical_crossentropy" => [new SparseCategoricalAccuracy("accuracy")],
            "binary_crossentropy" => [new BinaryAccuracy("accuracy")],
            // Row metrics do not read label sequences; evaluation adds the error rate (EvaluateFused).
            "ctc" => [],
            _ => [new MeanAbsoluteErrorMetric("mae")],
        };
    }

    /// <summary>
    /// The metrics named in <paramref name="names"/> (Keras's compile(metrics=[...]) names, fresh instances), or the
    /// loss's defaults when there are none.
    /// </summary>
    /// <exception cref="ModelException">A name is not a metric PSRnn knows (MetricUnknown), or the metric cannot read these
    /// targets: class labels for one that compares outputs, or rows for sparse_categorical_accuracy (MetricTargetMismatch).</exception>
    public static IReadOnlyList<Metric> ResolveMetrics(Sequential model, Loss loss, Dataset data, IReadOnlyList<string>? names)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (names is null || names.Count == 0)
        {
            return DefaultMetrics(loss);
        }

        if (loss is SequenceLoss)
        {
            throw new ModelException("CtcMetric", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The metrics {string.Join(", ", names)} compare rows, but {loss.KerasName} trains on label sequences. Leave -Metric and -WeightedMetric out: validation and Measure-RnnModel report the ErrorRate (edit distance of the greedy decoding)."));
        }

        List<Metric> metrics = [];
        foreach (string name in names)
        {
            Metric metric;
            try
            {
                metric = Metrics.FromName(name, model.OutputShape.Features, data.SparseTargets);
            }
            catch (ArgumentException e)
            {
                throw new ModelException("MetricUnknown", e.Message, e);
            }

            // Checked here, as the loss is, so that a metric that cannot read these targets fails before training.
            if (metric.TakesClassLabels != data.SparseTargets)
            {
                throw new ModelException("MetricTargetMismatch", metric.TakesClassLabels
                    ? $"The metric '{name}' ({metric.KerasName}) takes class labels (one integer per output row), but the targets are rows of values; use categorical_accuracy or accuracy."
                    : $"The metric '{name}' ({metric.KerasName}) compares the outputs with targets of their shape, but the targets are class labels; "
                        + "one-hot encode them (ConvertTo-RnnOneHot) or use accuracy.");
            }

            metrics.Add(metric);
        }

        return metrics;
    }

    /// <summary>Trains <paramref name="model"/> as Keras's fit does and returns this run's history records.</summary>
    /// <exception cref="ModelException">The loss became NaN or infinite (the weights of the last finite epoch are restored).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the weights of the last completed epoch are restored.</exception>
    public static IReadOnlyList<EpochRecord> Fit(Sequential model, Dataset train, Dataset? validation, Loss loss, Optimizer optimizer, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        model.EnsureNotEmpty();
        model.ThrowIfTraining();
        RequireTargets(train);
        if (validation is not null)
        {
            RequireTargets(validation);
        }

        // The same ranges as Invoke-RnnTraining's parameters and a checkpoint's settings, before any work.
        options.Validate();
        if (loss is SequenceLoss sequence)
        {
            sequence.CheckData(model, train, "Y");
            if (validation is not null)
            {
                sequence.CheckData(model, validation, "validation data");
            }

            if (options.TruncatedBptt is not null)
            {
                throw new ModelException("CtcTruncatedBptt",
                    $"{loss.KerasName} aligns each whole label sequence with its whole input, so it cannot train on windows of steps; train without -TruncatedBptt.");
            }
        }

        if (options.Resume is { } state && (state.EpochsDone is < 0 or > FitOptions.MaxEpochs || state.Wait < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), state.EpochsDone,
                $"A resumed run's epochs done must be from 0 to {FitOptions.MaxEpochs} and its early-stopping wait not negative.");
        }

        // Truncated BPTT: the workspaces hold a window of K steps, not the sequence.
        int windows = Windows(model, train, options.TruncatedBptt);
        int window = windows > 1 ? options.TruncatedBptt!.Value : train.Time;
        WorkspaceEstimate.Ensure(model, Math.Min(options.BatchSize, train.Count), window, training: true);
        int validationWindows = validation is null ? 1 : Windows(model, validation, options.TruncatedBptt);
        BatchWeights? weights = BatchWeights.For(train, options.WeightedMetrics);
        IReadOnlyList<Metric> metrics = WeightedMetric.Append(ResolveMetrics(model, loss, train, options.Metrics), model, loss, train, options.WeightedMetrics, weights);
        IReadOnlyList<Parameter> parameters = model.Parameters;
        FitState? resume = options.Resume;
        Rng shuffleRng;
        if (resume is null)
        {
            ulong stream = 1_000_000 + model.StreamsUsed;
            model.StreamsUsed++;
            shuffleRng = Rng.Fork(options.Seed ?? model.Seed, stream);
        }
        else
        {
            // A resumed run is the same run: its shuffle stream continues and no new stream is taken.
            shuffleRng = new Rng(resume.Shuffle);
        }

        if (resume is not null && resume.SampleWeightDigest != train.SampleWeightDigest)
        {
            throw new ModelException("ResumeSampleWeightMismatch", resume.SampleWeightDigest is null
                ? "The checkpoint's run had no sample or class weights, but this one has; resume with the same data and weights."
                : "The checkpoint's run was weighted (-SampleWeight or -ClassWeight), and these weights differ or are missing; resume with the same ones.");
        }

        // Keras's ReduceLROnPlateau starts afresh each run (on_train_begin); a resumed run continues the checkpoint's.
        Schedules.PlateauState? plateau = Schedules.PlateauRun.Begin(options, optimizer, resume);
        model.Loss = loss;
        model.Optimizer = optimizer;

        var order = new int[train.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (resume?.Order is { } savedOrder)
        {
            if (savedOrder.Count != order.Length)
            {
                throw new ModelException("ResumeDataMismatch",
                    $"The checkpoint's run had {savedOrder.Count} training samples; this one has {order.Length}. Resume with the same data.");
            }

            for (int i = 0; i < order.Length; i++)
            {
                order[i] = savedOrder[i];
            }
        }

        int batchSize = Math.Min(options.BatchSize, train.Count);
        int batches = (train.Count + batchSize - 1) / batchSize;
        var batch = new Activations();
        bool perStep = model.OutputShape.IsSequence;
        int perStepValues = train.TargetsPerSample / Math.Max(train.Time, 1);
        var targets = new float[batchSize * (windows > 1 && perStep ? window * perStepValues : train.TargetsPerSample)];
        IStatefulLayer[] recurrent = windows > 1 ? [.. model.Layers.OfType<IStatefulLayer>()] : [];
        RecurrentState[] fullStates = States(recurrent, batchSize);
        RecurrentState[]? restStates = null;
        var gradient = new Activations();
        var probabilities = new Activations();
        var masked = new MaskedRows();
        var records = new List<EpochRecord>();
        // The last completed epoch's weights and optimizer state, in buffers the model and optimizer keep (weakly) between runs:
        // a script that calls Fit an epoch at a time would otherwise put three copies of the parameters on the large-object
        // heap each call (measured: W2 with one-epoch calls of 8 batches, 3811 against 4148 samples/s in calls of 64).
        float[] lastGood = model.SnapshotWeights(model.TrainingSnapshot);
        model.TrainingSnapshot = lastGood;
        IReadOnlyList<OptimizerSlot> lastGoodState = optimizer.GetState(parameters, optimizer.TrainingSnapshot);
        optimizer.TrainingSnapshot = lastGoodState;
        long lastGoodIterations = optimizer.Iterations;
        float[]? best = resume?.BestWeights?.ToArray();
        double bestMonitored = resume?.BestMonitored ?? double.PositiveInfinity;
        int wait = resume?.Wait ?? 0;
        if (resume is not null && options.EarlyStoppingPatience is { } stoppedAt && wait >= stoppedAt)
        {
            // The checkpoint is of the epoch that stopped the run: finish it as the run did.
            if (options.RestoreBestWeights && best is not null)
            {
                model.RestoreWeights(best);
            }

            return records;
        }

        var clock = Stopwatch.StartNew();
        using ComputeThreads.Scope threads = ComputeThreads.Use(options.ThreadCount);
        bool fused = Fuse(model, loss, true);
        model.InTraining = true;
        try
        {
            for (int epoch = (resume?.EpochsDone ?? 0) + 1; epoch <= options.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                if (options.Shuffle)
                {
                    shuffleRng.Shuffle(order);
                }

                foreach (Metric m in metrics)
                {
                    m.Reset();
                }

                double lossSum = 0;
                long seen = 0;
                for (int b = 0; b < batches; b++)
                {
                    if (options.Cancellation.IsCancellationRequested)
                    {
                        Restore();
                        options.Cancellation.ThrowIfCancellationRequested();
                    }

                    int start = b * batchSize;
                    int size = Math.Min(batchSize, train.Count - start);
                    if (windows > 1)
                    {
                        RecurrentState[] states = size == batchSize ? fullStates : (restStates ??= States(recurrent, size));
                        foreach (RecurrentState st in states)
                        {
                            st.Reset();
                        }

                        Attach(recurrent, states);
                        try
                        {
                            for (int w = 0; w < windows; w++)
                            {
                                if (w > 0 && options.Cancellation.IsCancellationRequested)
                                {
                                    Restore();
                                    options.Cancellation.ThrowIfCancellationRequested();
                                }

                                int from = w * window, steps = Math.Min(window, train.Time - from);
                                bool trains = perStep || w == windows - 1;
                                train.GatherWindow(order.AsSpan(start, size), from, steps, batch, trains ? targets : null, perStep);
                                weights?.Gather(train, order.AsSpan(start, size), perStep ? from : 0, perStep ? steps : 1);
                                if (!trains)
                                {
                                    // Last-step targets: this window only carries the state to the next one.
                                    model.Forward(batch, training: true);
                                }
                                else
                                {
                                    model.ZeroGradients();
                                    Activations windowOutput = model.Forward(batch, training: true);
                                    gradient.ResizeLike(windowOutput);
                                    ReadOnlySpan<float> windowTargets = targets.AsSpan(0, size * (perStep ? steps * perStepValues : train.TargetsPerSample));
                                    double windowLoss = ComputeLoss(loss, windowOutput, windowTargets, gradient.Span, fused || IsLogits(model, loss), masked, weights);
                                    if (!double.IsFinite(windowLoss))
                                    {
                                        Restore();
                                        throw new ModelException("TrainingLossNotFinite",
                                            $"The loss became {windowLoss} in epoch {model.History.Count + 1}, batch {b + 1}, window {w + 1}; training stopped and the weights " +
                                            "of the last finite epoch were restored. Lower the learning rate, clip gradients (-ClipNorm), or scale the data.");
                                    }

                                    UpdateMetrics(metrics, model, windowOutput, probabilities, windowTargets, fused, masked);
                                    model.Backward(gradient);
                                    windowLoss += WeightPenalty.AddGradients(parameters);
                                    Clip(parameters, options);
                                    optimizer.Step(parameters);
                                    long counted = CountedRows(windowOutput, masked);
                                    lossSum += windowLoss * counted;
                                    seen += counted;
                                }

                                if (options.Progress is { } windowReport)
                                {
                                    double done = ((((epoch - 1) * (double)batches) + b) * windows) + w + 1;
                                    double total = (double)options.Epochs * batches * windows;
                                    TimeSpan elapsed = clock.Elapsed;
                                    using var unfused = new UnfusedScope(model, loss);
                                    windowReport(new TrainingProgress(epoch, options.Epochs, b + 1, batches, seen > 0 ? lossSum / seen : double.NaN, elapsed,
                                        TimeSpan.FromTicks((long)(elapsed.Ticks * ((total - done) / done))))
                                    { Window = w + 1, Windows = windows, Metrics = SoFar(metrics, options) });
                                }
                            }
                        }
                        finally
                        {
                            Detach(recurrent);
                        }

                        if (options.StopRequested?.Invoke() == true)
                        {
                            break;
                        }

                        continue;
                    }

                    train.Gather(order.AsSpan(start, size), batch, targets);
                    weights?.Gather(train, order.AsSpan(start, size), 0, train.RowsPerSample);
                    model.ZeroGradients();
                    Activations output = model.Forward(batch, training: true);
                    gradient.ResizeLike(output);
                    double batchLoss = ComputeLoss(loss, output, targets.AsSpan(0, size * train.TargetsPerSample), gradient.Span,
                        fused || IsLogits(model, loss), masked, weights);
                    if (!double.IsFinite(batchLoss))
                    {
                        Restore();
                        throw new ModelException("TrainingLossNotFinite",
                            $"The loss became {batchLoss} in epoch {model.History.Count + 1}, batch {b + 1}; training stopped and the weights of the last " +
                            "finite epoch were restored. Lower the learning rate, clip gradients (-ClipNorm), or scale the data.");
                    }

                    UpdateMetrics(metrics, model, output, probabilities, targets.AsSpan(0, size * train.TargetsPerSample), fused, masked);
                    model.Backward(gradient);
                    batchLoss += WeightPenalty.AddGradients(parameters);
                    Clip(parameters, options);
                    optimizer.Step(parameters);
                    lossSum += batchLoss * size;
                    seen += size;
                    if (options.Progress is { } report)
                    {
                        double done = ((epoch - 1) * (double)batches) + b + 1;
                        double total = (double)options.Epochs * batches;
                        TimeSpan elapsed = clock.Elapsed;
                        using var unfused = new UnfusedScope(model, loss);
                        report(new TrainingProgress(epoch, options.Epochs, b + 1, batches, lossSum / seen, elapsed,
                            TimeSpan.FromTicks((long)(elapsed.Ticks * ((total - done) / done))))
                        { Metrics = SoFar(metrics, options) });
                    }

                    // Keras's stop_training set in on_train_batch_end: the epoch ends here, its figures those of the
                    // batches done, validated and recorded as any epoch.
                    if (options.StopRequested?.Invoke() == true)
                    {
                        break;
                    }
                }

                double epochLoss = seen > 0 ? lossSum / seen : 0;
                var metricValues = metrics.ToDictionary(m => m.Name, m => m.Result);
                double? valLoss = null;
                IReadOnlyDictionary<string, double>? valMetrics = null;
                if (validation is not null)
                {
                    EvaluationResult v = validationWindows > 1
                        ? EvaluateWindowed(model, validation, loss, fused, batchSize, options.Metrics, options.TruncatedBptt!.Value, options.WeightedMetrics)
                        : EvaluateFused(model, validation, loss, fused, batchSize, options.Metrics, options.WeightedMetrics);
                    valLoss = v.Loss;
                    valMetrics = v.Metrics;
                }

                var record = new EpochRecord(model.History.Count + 1, epochLoss, metricValues, valLoss, valMetrics, epochClock.Elapsed, optimizer.LearningRate);
                model.AddHistory(record);
                records.Add(record);
                lastGood = model.SnapshotWeights(lastGood);
                lastGoodState = optimizer.GetState(parameters, lastGoodState);
                lastGoodIterations = optimizer.Iterations;

                bool stop = false;
                if (options.EarlyStoppingPatience is { } patience)
                {
                    double monitored = valLoss ?? epochLoss;
                    if (monitored < bestMonitored)
                    {
                        bestMonitored = monitored;
                        wait = 0;
                        if (options.RestoreBestWeights)
                        {
                            best = model.SnapshotWeights(best);
                        }
                    }
                    else
                    {
                        stop = ++wait >= patience;
                    }
                }

                options.ReduceLROnPlateau?.OnEpochEnd(plateau!, valLoss ?? epochLoss, optimizer);
                if (options.EpochCompleted is { } completed)
                {
                    using var unfused = new UnfusedScope(model, loss);
                    completed(record, new FitState
                    {
                        EpochsDone = epoch,
                        Shuffle = shuffleRng.GetState(),
                        Order = (int[])order.Clone(),
                        BestMonitored = bestMonitored,
                        Wait = wait,
                        BestWeights = best is null ? null : (float[])best.Clone(),
                        Plateau = plateau?.Clone(),
                        Settings = options.WithoutCallbacks(),
                        SampleWeightDigest = train.SampleWeightDigest,
                    });
                }

                if (stop)
                {
                    if (options.RestoreBestWeights && best is not null)
                    {
                        model.RestoreWeights(best);
                    }

                    break;
                }

                if (options.StopRequested?.Invoke() == true)
                {
                    break;
                }
            }
        }
        catch
        {
            // Whatever ends the run mid-epoch — cancellation, a NaN loss, or an exception from the progress callback
            // (PowerShell throws PipelineStoppedException from Write-Progress once Ctrl+C is pressed) — the model
            // keeps the weights and optimizer state of the last completed epoch.
            Restore();
            throw;
        }
        finally
        {
            model.InTraining = false;
            Fuse(model, loss, false);
        }

        return records;

        void Restore()
        {
            model.RestoreWeights(lastGood);
            optimizer.SetState(parameters, lastGoodState, lastGoodIterations);
        }
    }

    // A callback sees the model as a user does: the last layer's activation unfused, so that Invoke-RnnPrediction or
    // Measure-RnnModel inside it give probabilities (and Evaluate's own unfusing does not leak into the run).
    private readonly struct UnfusedScope : IDisposable
    {
        private readonly Sequential _model;
        private readonly Loss _loss;

        public UnfusedScope(Sequential model, Loss loss)
        {
            (_model, _loss) = (model, loss);
            Fuse(model, loss, false);
        }

        public void Dispose() => Fuse(_model, _loss, true);
    }

    // The running metrics a batch report carries, only when asked (a dictionary a batch).
    private static Dictionary<string, double>? SoFar(IReadOnlyList<Metric> metrics, FitOptions options) =>
        options.ProgressMetrics ? metrics.ToDictionary(m => m.Name, m => m.Result) : null;

    /// <summary>Keras's evaluate: the mean loss and the default metrics over <paramref name="data"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">Samples with targets.</param>
    /// <param name="loss">The loss to report.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="threadCount">Threads the matrix products may use (see <see cref="ComputeThreads"/>); null: one per processor.</param>
    /// <param name="metrics">Metric names as <see cref="FitOptions.Metrics"/>; null: the loss's defaults.</param>
    /// <param name="weightedMetrics">Metrics weighted by the data's sample weights, as <see cref="FitOptions.WeightedMetrics"/>.</param>
    /// <param name="precision">How the Dense and recurrent kernels are read (<see cref="InferencePrecision"/>); null: the
    /// calling thread's setting (float32 unless a scope is open).</param>
    public static EvaluationResult Evaluate(Sequential model, Dataset data, Loss loss, int batchSize = 32, int? threadCount = null,
        IReadOnlyList<string>? metrics = null, IReadOnlyList<string>? weightedMetrics = null,
        WeightPrecision? precision = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(loss);
        model.EnsureNotEmpty();
        RequireTargets(data);
        WorkspaceEstimate.Ensure(model, Math.Clamp(batchSize, 1, Math.Max(data.Count, 1)), data.Time, training: false);
        using ComputeThreads.Scope threads = ComputeThreads.Use(threadCount);
        using InferencePrecision.Scope weights = InferencePrecision.Use(precision);
        bool fused = Fuse(model, loss, true);
        try
        {
            return EvaluateFused(model, data, loss, fused, batchSize, metrics, weightedMetrics);
        }
        finally
        {
            Fuse(model, loss, false);
        }
    }

    /// <summary>Keras's predict: the model's outputs for every sample, flat (N × output values per sample).</summary>
    /// <param name="model">The model.</param>
    /// <param name="data">The samples (targets, if any, are ignored).</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <param name="threadCount">Threads the matrix products may use (see <see cref="ComputeThreads"/>); null: one per processor.</param>
    /// <param name="precision">
    /// How the Dense and recurrent kernels are read (<see cref="InferencePrecision"/>): float32 (the weights as they are),
    /// or int8 or bfloat16 copies made once and kept until the weights change; null: the calling thread's setting (float32
    /// unless a scope is open).
    /// </param>
    public static float[] Predict(Sequential model, Dataset data, int batchSize = 32, int? threadCount = null,
        WeightPrecision? precision = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        model.EnsureNotEmpty();
        using ComputeThreads.Scope threads = ComputeThreads.Use(threadCount);
        using InferencePrecision.Scope weights = InferencePrecision.Use(precision);
        float[]? result = null;
        ForwardInBatches(model, data, batchSize, (start, size, output) =>
        {
            int perSample = output.Length / size;
            result ??= new float[(long)perSample * data.Count];
            output.Span.CopyTo(result.AsSpan(start * perSample, size * perSample));
        });
        return result!;
    }

    /// <summary>
    /// Runs the samples of <paramref name="data"/> through <paramref name="model"/> in order, <paramref name="batchSize"/> at
    /// a time (inference), and hands each batch's output to <paramref name="each"/> with its first sample and size; the
    /// output lives in the model's buffers until the next batch.
    /// </summary>
    internal static void ForwardInBatches(Sequential model, Dataset data, int batchSize, Action<int, int, Activations> each)
    {
        batchSize = Math.Clamp(batchSize, 1, data.Count);
        WorkspaceEstimate.Ensure(model, batchSize, data.Time, training: false);
        var batch = new Activations();
        var indices = new int[batchSize];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < size; i++)
            {
                indices[i] = start + i;
            }

            data.Gather(indices.AsSpan(0, size), batch, null);
            each(start, size, model.Forward(batch, training: false));
        }
    }

    /// <summary>
    /// Class indices from outputs of <paramref name="width"/> values per row: the first maximum (NumPy's argmax), or for a
    /// single output 1 when it exceeds 0.5.
    /// </summary>
    public static long[] ToClasses(ReadOnlySpan<float> outputs, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var classes = new long[outputs.Length / width];
        for (int r = 0; r < classes.Length; r++)
        {
            ReadOnlySpan<float> row = outputs.Slice(r * width, width);
            classes[r] = width == 1 ? (row[0] > 0.5f ? 1 : 0) : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
        }

        return classes;
    }

    private static EvaluationResult EvaluateFused(Sequential model, Dataset data, Loss loss, bool fused, int batchSize,
        IReadOnlyList<string>? metricNames, IReadOnlyList<string>? weightedNames)
    {
        BatchWeights? weights = BatchWeights.For(data, weightedNames);
        IReadOnlyList<Metric> metrics = WeightedMetric.Append(ResolveMetrics(model, loss, data, metricNames), model, loss, data, weightedNames, weights);
        foreach (Metric m in metrics)
        {
            m.Reset();
        }

        CtcErrorRate? errorRate = null;
        if (loss is SequenceLoss sequence)
        {
            sequence.CheckData(model, data, "Y");
            errorRate = new CtcErrorRate();
        }

        batchSize = Math.Clamp(batchSize, 1, data.Count);
        WorkspaceEstimate.Ensure(model, batchSize, data.Time, training: false);
        var batch = new Activations();
        var targets = new float[batchSize * data.TargetsPerSample];
        var probabilities = new Activations();
        var masked = new MaskedRows();
        var indices = new int[batchSize];
        double sum = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < size; i++)
            {
                indices[i] = start + i;
            }

            data.Gather(indices.AsSpan(0, size), batch, targets);
            weights?.Gather(data, indices.AsSpan(0, size), 0, data.RowsPerSample);
            Activations output = model.Forward(batch, training: false);
            ReadOnlySpan<float> t = targets.AsSpan(0, size * data.TargetsPerSample);
            sum += ComputeLoss(loss, output, t, Span<float>.Empty, fused || IsLogits(model, loss), masked, weights) * size;
            UpdateMetrics(metrics, model, output, probabilities, t, fused, masked);
            errorRate?.Update(output, t, fused || IsLogits(model, loss));
        }

        Dictionary<string, double> values = metrics.ToDictionary(m => m.Name, m => m.Result);
        if (errorRate is not null)
        {
            values[CtcErrorRate.Name] = errorRate.Result;
        }

        return new EvaluationResult((sum / data.Count) + WeightPenalty.Of(model.Parameters), values, data.Count);
    }

    // Validation under truncated BPTT: each batch run window by window with the states carried (no gradient), so the
    // workspaces hold K steps; the loss is the mean over the rows that count (real steps of per-step outputs, or the
    // samples), as the full sequences give it up to rounding.
    private static EvaluationResult EvaluateWindowed(Sequential model, Dataset data, Loss loss, bool fused, int batchSize,
        IReadOnlyList<string>? metricNames, int window, IReadOnlyList<string>? weightedNames)
    {
        BatchWeights? weights = BatchWeights.For(data, weightedNames);
        IReadOnlyList<Metric> metrics = WeightedMetric.Append(ResolveMetrics(model, loss, data, metricNames), model, loss, data, weightedNames, weights);
        foreach (Metric m in metrics)
        {
            m.Reset();
        }

        batchSize = Math.Clamp(batchSize, 1, data.Count);
        WorkspaceEstimate.Ensure(model, batchSize, window, training: false);
        int windows = (int)((data.Time + (long)window - 1) / window);
        bool perStep = model.OutputShape.IsSequence;
        int perStepValues = data.TargetsPerSample / Math.Max(data.Time, 1);
        var batch = new Activations();
        var targets = new float[batchSize * (perStep ? window * perStepValues : data.TargetsPerSample)];
        var probabilities = new Activations();
        var masked = new MaskedRows();
        var indices = new int[batchSize];
        IStatefulLayer[] recurrent = [.. model.Layers.OfType<IStatefulLayer>()];
        RecurrentState[] fullStates = States(recurrent, batchSize);
        RecurrentState[]? restStates = null;
        double sum = 0;
        long counted = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < size; i++)
            {
                indices[i] = start + i;
            }

            RecurrentState[] states = size == batchSize ? fullStates : (restStates ??= States(recurrent, size));
            foreach (RecurrentState st in states)
            {
                st.Reset();
            }

            Attach(recurrent, states);
            try
            {
                for (int w = 0; w < windows; w++)
                {
                    int from = w * window, steps = Math.Min(window, data.Time - from);
                    bool counts = perStep || w == windows - 1;
                    data.GatherWindow(indices.AsSpan(0, size), from, steps, batch, counts ? targets : null, perStep);
                    weights?.Gather(data, indices.AsSpan(0, size), perStep ? from : 0, perStep ? steps : 1);
                    Activations output = model.Forward(batch, training: false);
                    if (!counts)
                    {
                        continue;
                    }

                    ReadOnlySpan<float> t = targets.AsSpan(0, size * (perStep ? steps * perStepValues : data.TargetsPerSample));
                    double value = ComputeLoss(loss, output, t, Span<float>.Empty, fused || IsLogits(model, loss), masked, weights);
                    long rows = CountedRows(output, masked);
                    sum += value * rows;
                    counted += rows;
                    UpdateMetrics(metrics, model, output, probabilities, t, fused, masked);
                }
            }
            finally
            {
                Detach(recurrent);
            }
        }

        return new EvaluationResult((counted > 0 ? sum / counted : 0) + WeightPenalty.Of(model.Parameters),
            metrics.ToDictionary(m => m.Name, m => m.Result), data.Count);
    }

    // How many windows of K steps a batch of data's sequences is cut into (1: full BPTT), after checking K and the model.
    private static int Windows(Sequential model, Dataset data, int? truncatedBptt)
    {
        if (truncatedBptt is not { } k)
        {
            return 1;
        }

        if (k < 1)
        {
            throw new ModelException("TruncatedBpttNotPositive", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"-TruncatedBptt is {k}; it is the window length in steps and must be at least 1 (a value at least the sequence length is full BPTT)."));
        }

        if (model.Layers.FirstOrDefault(l => l is Bidirectional) is { } bi)
        {
            throw new ModelException("TruncatedBpttBidirectional",
                $"Model '{model.Name}' has the Bidirectional layer '{bi.Name}', whose backward half reads each sequence from its end: a window " +
                "cannot see the future steps it needs. Train it without -TruncatedBptt (full BPTT), or use forward layers only.");
        }

        if (!data.IsSequence || k >= data.Time)
        {
            return 1;
        }

        if (model.Layers.FirstOrDefault(l => l.ReadsAcrossSteps) is { } across)
        {
            throw new ModelException("TruncatedBpttAcrossSteps",
                $"Layer '{across.Name}' ({across.KerasClassName}) reads across the steps of a sequence, not only through a state: trained on windows " +
                "it would see each window's steps alone. Train it without -TruncatedBptt (full BPTT).");
        }

        if (model.Layers.OfType<IStatefulLayer>().FirstOrDefault(r => r.StateVectors is null) is { } other)
        {
            throw new ModelException("TruncatedBpttUnsupportedLayer", $"Layer '{other.Name}' ({other.KerasClassName}) cannot carry a state between windows.");
        }

        if (model.InputShape.Time is { } fixedTime)
        {
            throw new ModelException("TruncatedBpttFixedTime", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Model '{model.Name}' was built for exactly {fixedTime} steps, so it cannot run windows of {k}. Build it for any length " +
                $"(New-RnnModel -InputShape 0, {model.InputShape.Features}) to train with -TruncatedBptt {k}."));
        }

        return (int)((data.Time + (long)k - 1) / k);
    }

    private static RecurrentState[] States(IStatefulLayer[] recurrent, int batch) =>
        [.. recurrent.Select(r => new RecurrentState(batch, r.Units, r.StateVectors!.Value, r.StateWidth))];

    private static void Attach(IStatefulLayer[] recurrent, RecurrentState[] states)
    {
        for (int i = 0; i < recurrent.Length; i++)
        {
            recurrent[i].State = states[i];
        }
    }

    private static void Detach(IStatefulLayer[] recurrent)
    {
        foreach (IStatefulLayer r in recurrent)
        {
            r.State = null;
        }
    }

    // The rows a window's loss is the mean over: the real steps of a masked per-step output, else every output row.
    private static long CountedRows(Activations output, MaskedRows masked) =>
        output.IsSequence && output.Mask is { AllReal: false } mask && mask.Batch == output.Batch && mask.Time == output.Time
            ? masked.Count : output.Rows;

    // The batch loss (and its gradient when one is asked for); with a sequence mask on the output, over the real steps
    // only (masked rows get a zero gradient; a batch of padding alone has loss 0).
    // With sample weights, Keras's weighted sum over the rows (WeightedLoss), and the weights the weighted metrics read.
    internal static double ComputeLoss(Loss loss, Activations output, ReadOnlySpan<float> targets, Span<float> gradient,
        bool fromLogits, MaskedRows masked, BatchWeights? weights = null)
    {
        if (loss is SequenceLoss sequence)
        {
            // Whole sequences: the loss reads the mask's real steps and the packed label sequences itself.
            return sequence.ComputeBatch(output, targets, gradient, fromLogits);
        }

        if (!masked.Gather(output, targets))
        {
            weights?.UseAll();
            return weights is { WeighsLoss: true }
                ? WeightedLoss.Compute(loss, output.Span, targets, weights.Active, output.Rows, output.Features, gradient, fromLogits)
                : loss.Compute(output.Span, targets, output.Rows, output.Features, gradient, fromLogits);
        }

        weights?.UseMasked(masked);
        Span<float> compactGradient = gradient.IsEmpty ? Span<float>.Empty : masked.Gradient;
        double value = masked.Count == 0 ? 0
            : weights is { WeighsLoss: true }
                ? WeightedLoss.Compute(loss, masked.Outputs, masked.Targets, weights.Active, masked.Count, output.Features, compactGradient, fromLogits)
                : loss.Compute(masked.Outputs, masked.Targets, masked.Count, output.Features, compactGradient, fromLogits);
        if (!gradient.IsEmpty)
        {
            if (masked.Count == 0)
            {
                gradient.Clear();
            }
            else
            {
                masked.ScatterGradient(gradient);
            }
        }

        return value;
    }

    // Metrics over the rows ComputeLoss used last (the real steps of a masked output).
    private static void UpdateMetrics(IReadOnlyList<Metric> metrics, Sequential model, Activations output, Activations probabilities,
        ReadOnlySpan<float> targets, bool fused, MaskedRows masked)
    {
        if (metrics.Count == 0)
        {
            return;
        }

        bool useMasked = output.IsSequence && output.Mask is { AllReal: false };
        ReadOnlySpan<float> values = useMasked ? masked.Outputs : output.Span;
        int rows = useMasked ? masked.Count : output.Rows;
        if (useMasked)
        {
            targets = masked.Targets;
        }

        if (rows == 0)
        {
            return;
        }

        if (fused)
        {
            // The last layer handed over logits: metrics read probabilities.
            probabilities.Resize(rows, 1, output.Features, false);
            ActivationFunctions.Forward(LastActivation(model), values, probabilities.Span, output.Features);
            values = probabilities.Span;
        }

        for (int i = 0; i < metrics.Count; i++)
        {
            metrics[i].Update(values, targets, rows, output.Features);
        }
    }

    private static void Clip(IReadOnlyList<Parameter> parameters, FitOptions options)
    {
        if (options.ClipValue is { } value)
        {
            GradientClipping.ClipByValue(parameters, (float)value);
        }

        if (options.ClipNorm is { } norm)
        {
            GradientClipping.ClipByNorm(parameters, (float)norm);
        }

        if (options.GlobalClipNorm is { } global)
        {
            GradientClipping.ClipByGlobalNorm(parameters, (float)global);
        }
    }

    /// <summary>Sets or clears the fusion of the last Dense layer's activation into the loss; returns whether it applies.</summary>
    private static bool Fuse(Sequential model, Loss loss, bool on)
    {
        if (model.Layers[^1] is not Dense dense)
        {
            return false;
        }

        bool applies = loss.FusedActivation is { } fusedKind &&
            ((fusedKind == OutputActivation.Softmax && dense.Activation == ActivationKind.Softmax) ||
             (fusedKind == OutputActivation.Sigmoid && dense.Activation == ActivationKind.Sigmoid));
        dense.FuseActivationIntoLoss = on && applies;
        return applies;
    }

    // A cross-entropy on a linear output reads it as logits (PyTorch's convention).
    private static bool IsLogits(Sequential model, Loss loss) =>
        loss.FusedActivation is not null && LastActivation(model) == ActivationKind.Linear;

    private static ActivationKind LastActivation(Sequential model) =>
        model.Layers[^1] is Dense dense ? dense.Activation : ActivationKind.Linear;

    private static void RequireTargets(Dataset data)
    {
        if (!data.HasTargets)
        {
            throw new ModelException("TargetsMissing", "Training and evaluation need targets (-Y).");
        }
    }
}
