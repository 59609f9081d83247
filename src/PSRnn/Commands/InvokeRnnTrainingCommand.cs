using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Trains a model on samples and targets, as Keras's model.fit.</para>
/// <para type="description">Runs -Epochs passes over -X and -Y in shuffled mini-batches of -BatchSize with the chosen
/// optimizer (Adam by default, Keras's defaults). The loss follows the last layer unless -Loss says otherwise: softmax
/// gives categorical cross-entropy (sparse when -Y holds class labels), sigmoid binary cross-entropy, anything else mean
/// squared error. Each epoch adds a record (loss, accuracy or MAE, validation loss and metrics, duration) to the model's
/// History. At a terminal a progress bar shows the epoch, batch, loss and time left; where no bar can show (output
/// redirected to a file or pipe, as in a CI log, or a host without a console) each epoch prints Keras's verbose=2 line
/// instead, "Epoch 3/10 - 2s - loss: 0.4321 - accuracy: 0.8750 - val_loss: ...", to the information stream (shown by
/// default like Write-Host; -InformationAction Ignore or 6>$null hide it, 6>&amp;1 or -InformationVariable capture it).
/// -Quiet shows neither; $ProgressPreference governs the bar. With -Verbose the line also goes to the verbose stream
/// when it is not printed (at a terminal, or with -Quiet), so it never prints twice. Ctrl+C stops at the next batch
/// and the model keeps the weights of the last completed epoch. Training again continues from the current weights and
/// optimizer state. The model is passed on down the pipeline. -CheckpointPath saves the last and the best epoch (by
/// validation loss, else loss) as training goes, with everything needed to resume; -ResumeFrom continues an interrupted
/// run from such a file and, with the same data, ends with exactly the weights the uninterrupted run would have.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Invoke-RnnTraining -X $xTrain -Y $yTrain -Epochs 10 -BatchSize 32 -ValidationData $xTest, $yTest
///   </code>
///   <para>Keras's model.fit(x, y, epochs=10, batch_size=32, validation_data=(x_test, y_test)).</para>
/// </example>
/// <example>
///   <code>
///     $model | Invoke-RnnTraining -X $x -Y $labels -Epochs 50 -ValidationSplit 0.1 -EarlyStoppingPatience 5 -RestoreBestWeights -Verbose
///   </code>
///   <para>Holds out the last 10% for validation and stops when the validation loss has not improved for 5 epochs.</para>
/// </example>
/// <example>
///   <code>
///     $model | Invoke-RnnTraining -X $x -Y $y -Epochs 50 -ValidationSplit 0.1 -CheckpointPath ./checkpoints/
///     Invoke-RnnTraining -X $x -Y $y -ResumeFrom ./checkpoints/sequential.last.safetensors -CheckpointPath ./checkpoints/
///   </code>
///   <para>Writes sequential.last.safetensors and sequential.best.safetensors after every epoch; after a crash or Ctrl+C,
///   the second line finishes the 50 epochs from the last checkpoint with the run's settings.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..1200 | ForEach-Object { [math]::Sin($_ * 1.7) })) -Shape 100, 6, 2
///     $y = [long[]] (0..99 | ForEach-Object { $x.GetValue($_, 0, 0) -gt 0 })
///     $model = New-RnnModel -InputShape 6, 2 -Seed 7 | Add-LstmLayer 8 | Add-DenseLayer 2 -Activation softmax
///     $model | Invoke-RnnTraining -X $x -Y $y -Epochs 5 -ValidationSplit 0.2 -Optimizer adam -LearningRate 0.01 | Out-Null
///     $model.History
///   </code>
///   <para>Runs as written: learns whether each sequence starts positive; the history prints a row per epoch.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "RnnTraining", DefaultParameterSetName = TrainSet)]
[OutputType(typeof(Sequential))]
public sealed class InvokeRnnTrainingCommand : PSCmdlet, IDisposable
{
    private const string TrainSet = "Train";
    private const string ResumeSet = "Resume";
    private readonly CancellationTokenSource _stop = new();
    private DateTime _lastProgress;
    private double _bestCheckpoint;
    private bool _epochLines;

    /// <summary>
    /// <para type="description">The model to train; it comes from the pipeline and is passed on. With -ResumeFrom it may be
    /// left out (the checkpoint's model is trained and passed on); if given, it must be the checkpoint's architecture and
    /// seed, and the checkpoint's state is put into it.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = TrainSet)]
    [Parameter(ValueFromPipeline = true, ParameterSetName = ResumeSet)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The training samples: (samples, time steps, features), or (samples, tokens) for Embedding models.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor X { get; set; } = null!;

    /// <summary>
    /// <para type="description">The targets: one-hot rows or values (samples, outputs), or class labels (samples).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor Y { get; set; } = null!;

    /// <summary>
    /// <para type="description">Passes over the data (default 1, as Keras).</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.Epochs)]
    public int Epochs { get; set; } = 1;

    /// <summary>
    /// <para type="description">Samples per gradient step (default 32).</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.BatchSize)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// <para type="description">The optimizer: adam (default), adamw, rmsprop, sgd, adagrad, adadelta, nadam or adamax, with
    /// Keras 3's defaults. Without it, a model
    /// trained before keeps its optimizer and state.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(OptimizerCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Optimizer { get; set; }

    /// <summary>
    /// <para type="description">The learning rate (Keras defaults: 0.001, SGD 0.01).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, 1e6)]
    public double? LearningRate { get; set; }

    /// <summary>
    /// <para type="description">SGD's momentum (Keras's SGD(momentum=...)), at least 0 and below 1: m = momentum·m − lr·g,
    /// w = w + m. For -Optimizer sgd only (without -Optimizer it applies to a model's kept SGD, or makes one).</para>
    /// </summary>
    [Parameter]
    public double? Momentum { get; set; }

    /// <summary>
    /// <para type="description">Nesterov momentum for SGD (Keras's nesterov=True): w = w + momentum·m − lr·g. Needs -Momentum.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Nesterov { get; set; }

    /// <summary>
    /// <para type="description">Keras 3's decoupled weight decay, for any optimizer: before each update every weight (biases
    /// too) is shrunk, w = w − w·WeightDecay·lr. AdamW has 0.004 unless this is given; the others none.</para>
    /// </summary>
    [Parameter]
    public double? WeightDecay { get; set; }

    /// <summary>
    /// <para type="description">The loss, by Keras name (categorical_crossentropy, sparse_categorical_crossentropy,
    /// binary_crossentropy, mse, mae); by default chosen from the last layer's activation.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(LossCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Loss { get; set; }

    /// <summary>
    /// <para type="description">The metrics to report each epoch, by Keras name (accuracy, categorical_accuracy,
    /// sparse_categorical_accuracy, binary_accuracy, mae), as compile(metrics=[...]); by default accuracy for
    /// classifiers and mae otherwise. They go into the History, training and validation.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(MetricCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Metric { get; set; }

    /// <summary>
    /// <para type="description">Validation samples and targets, as two values: -ValidationData $xTest, $yTest.</para>
    /// </summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public object[]? ValidationData { get; set; }

    /// <summary>
    /// <para type="description">The fraction of the samples, taken from the end before shuffling (as Keras), held out for validation.</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.ValidationSplit)]
    public double ValidationSplit { get; set; }

    /// <summary>
    /// <para type="description">Shuffles the samples before each epoch (default); -Shuffle:$false keeps their order.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Shuffle { get; set; } = true;

    /// <summary>
    /// <para type="description">Clips each weight's gradient to this L2 norm (Keras clipnorm).</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.ClipNorm)]
    public double? ClipNorm { get; set; }

    /// <summary>
    /// <para type="description">Scales all gradients together to at most this L2 norm (Keras global_clipnorm, PyTorch clip_grad_norm_).</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.GlobalClipNorm)]
    public double? GlobalClipNorm { get; set; }

    /// <summary>
    /// <para type="description">Clips each gradient value to [−ClipValue, ClipValue] (Keras clipvalue).</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.ClipValue)]
    public double? ClipValue { get; set; }

    /// <summary>
    /// <para type="description">Stops when the validation loss (or, without validation, the loss) has not improved for this many epochs.</para>
    /// </summary>
    [Parameter]
    [ValidateFitSetting(FitSetting.EarlyStoppingPatience)]
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// <para type="description">With -EarlyStoppingPatience, ends with the weights of the best epoch (Keras restore_best_weights).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter RestoreBestWeights { get; set; }

    /// <summary>
    /// <para type="description">Hidden: values no parameter takes, such as $false after a switch, so that the error says
    /// how to write them.</para>
    /// </summary>
    [Parameter(ValueFromRemainingArguments = true, DontShow = true)]
    public object[]? LeftoverArgument { get; set; }

    /// <summary>
    /// <para type="description">Truncated backpropagation through time: cuts each batch of sequences into windows of this
    /// many steps, run in order with the recurrent layers' states carried from window to window (zeros at each batch's
    /// start) and gradients stopped at the window boundaries, with an optimizer step per window (TBPTT with k1 = k2 = K).
    /// Per-step targets (models that return sequences) are trained on every window; last-step targets on the last window.
    /// Memory grows with K, not with the sequence length; validation runs windowed too. A value at least the sequence
    /// length is full BPTT. The model must be built for any length (-InputShape 0, F) and have no Bidirectional layer.</para>
    /// </summary>
    [Parameter]
    public int? TruncatedBptt { get; set; }

    /// <summary>
    /// <para type="description">Seeds this run's shuffles; by default they derive from the model's seed.</para>
    /// </summary>
    [Parameter]
    public ulong? Seed { get; set; }

    /// <summary>
    /// <para type="description">Saves checkpoints as training goes: a folder (existing, or ending in a separator), which gets
    /// &lt;model name&gt;.last.safetensors and &lt;model name&gt;.best.safetensors, or a file stem, which gets
    /// &lt;stem&gt;.last.safetensors and &lt;stem&gt;.best.safetensors. After every epoch the last file is replaced, and the
    /// best file when the epoch has the lowest validation loss (or loss) so far. Writes are atomic; each file holds the
    /// model, its optimizer state and the run's state, for -ResumeFrom or Import-RnnModel.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get; set; }

    /// <summary>
    /// <para type="description">Continues the run a checkpoint file (from -CheckpointPath) was taken from: the epochs done
    /// are skipped, and the weights, optimizer state, shuffle order and dropout generators are put back, so with the same
    /// -X and -Y the run ends exactly as if it had never stopped. Settings not given (-Epochs, -BatchSize, -Shuffle,
    /// -ValidationSplit, clipping, early stopping, -TruncatedBptt) are the run's.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ResumeSet)]
    [ValidateNotNullOrEmpty]
    public string? ResumeFrom { get; set; }

    /// <summary>
    /// <para type="description">The number of threads the engine's matrix products use (default: one per processor). Results are identical for a given count.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? ThreadCount { get; set; }

    /// <summary>
    /// <para type="description">Trains silently: no progress bar and no line per epoch (Keras's verbose=0). The History
    /// still records every epoch.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        LeftoverArguments.ThrowIfAny(this, LeftoverArgument);
        FitState? resume = ResumeFrom is null ? null : LoadCheckpoint(ResumeFrom);
        ModelData.RequireLayers(this, Model);
        Dataset train = ModelData.Create(this, Model, X, Y);
        Dataset? validation = null;
        if (ValidationData is not null)
        {
            Tensor vx = Transform(ValidationData[0], "the validation samples");
            Tensor vy = Transform(ValidationData[1], "the validation targets");
            validation = ModelData.Create(this, Model, vx, vy, "validation data");
        }
        else if (ValidationSplit > 0)
        {
            try
            {
                (train, validation) = train.SplitTail(ValidationSplit);
            }
            catch (ModelException e)
            {
                ThrowTerminatingError(Errors.FromModel(e, ValidationSplit));
            }
        }

        Loss loss;
        Optimizer optimizer;
        try
        {
            loss = Trainer.ResolveLoss(Model, Loss, train);
            // A resumed run keeps its loss unless told otherwise.
            loss = resume is not null && Loss is null && Model.Loss is { } runLoss ? runLoss : loss;
            optimizer = OptimizerChoice.Resolve(Model.Optimizer, Optimizer, (float?)LearningRate, (float?)Momentum, Nesterov, (float?)WeightDecay);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Loss));
            return;
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("OptimizerUnknown", ErrorCategory.InvalidArgument, Optimizer, Errors.Describe(e), e));
            return;
        }

        var options = new FitOptions
        {
            ThreadCount = ThreadCount,
            Metrics = Metric,
            Epochs = Epochs,
            BatchSize = BatchSize,
            Shuffle = Shuffle,
            ClipNorm = ClipNorm,
            GlobalClipNorm = GlobalClipNorm,
            ClipValue = ClipValue,
            TruncatedBptt = TruncatedBptt,
            EarlyStoppingPatience = EarlyStoppingPatience,
            RestoreBestWeights = RestoreBestWeights,
            ValidationSplit = ValidationData is null ? ValidationSplit : 0,
            Seed = Seed,
            Progress = Quiet ? null : ReportProgress,
            Cancellation = _stop.Token,
            EpochCompleted = EpochEnd(CheckpointPath is null ? null : Checkpointer(CheckpointPath, resume)),
            Resume = resume,
        };

        try
        {
            // Parameters and a checkpoint's settings have passed this rule already; Fit applies it too, raw.
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            ThrowTerminatingError(Errors.Create("FitSettingOutOfRange", ErrorCategory.InvalidArgument, e.ParamName, Errors.Describe(e), e));
            return;
        }

        // Keras's Progbar redraws its bar on a terminal only and prints a line an epoch elsewhere; PowerShell's bar
        // shows only on a console whose output is not redirected, in a host that has one.
        _epochLines = !Quiet && (Console.IsOutputRedirected || Host.UI?.RawUI is null);
        try
        {
            Trainer.Fit(Model, train, validation, loss, optimizer, options);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the trainer already put back the last completed epoch's weights; the pipeline is stopping.
            return;
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A checkpoint could not be written: training stopped there, with that epoch's weights.
            ThrowTerminatingError(Errors.WriteFailed("CheckpointWriteFailed", CheckpointPath,
                $"Cannot write a checkpoint to '{CheckpointPath}': {Errors.Describe(e)} Training stopped after epoch {Model.History.Count}.", e));
            return;
        }
        finally
        {
            MetricProperties.AddToHistory(Model);
            if (!Quiet)
            {
                WriteProgress(new ProgressRecord(1, "Training " + Model.Name, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        WriteObject(Model);
    }

    /// <inheritdoc />
    protected override void StopProcessing() => _stop.Cancel();

    /// <inheritdoc />
    public void Dispose() => _stop.Dispose();

    /// <summary>Reads a checkpoint, sets up the model from it, and takes the run's settings for parameters not given.</summary>
    private FitState LoadCheckpoint(string path)
    {
        string file = ResolveSingleFile(path);
        LoadedModel loaded;
        try
        {
            loaded = ModelFile.LoadWithState(file);
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, file));
            throw; // not reached
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.Create("ModelReadFailed", ErrorCategory.ReadError, file, $"Cannot read '{file}': {Errors.Describe(e)}", e));
            throw; // not reached
        }

        if (loaded.Checkpoint is not { } state || loaded.Model.Optimizer is null)
        {
            ThrowTerminatingError(Errors.Create("ResumeNotCheckpoint", ErrorCategory.InvalidArgument, file,
                $"'{file}' is a model file, not a training checkpoint; resume from a file written by -CheckpointPath " +
                "(or train the model from Import-RnnModel as usual)."));
            throw new InvalidOperationException(); // not reached
        }

        if (Model is null)
        {
            Model = loaded.Model;
        }
        else
        {
            try
            {
                ModelFile.RestoreInto(Model, loaded.Model);
            }
            catch (ModelException e)
            {
                ThrowTerminatingError(Errors.FromModel(e, Model));
            }
        }

        if (state.Settings is { } run)
        {
            var given = MyInvocation.BoundParameters;
            Epochs = given.ContainsKey(nameof(Epochs)) ? Epochs : run.Epochs;
            BatchSize = given.ContainsKey(nameof(BatchSize)) ? BatchSize : run.BatchSize;
            Shuffle = given.ContainsKey(nameof(Shuffle)) ? Shuffle : run.Shuffle;
            ValidationSplit = given.ContainsKey(nameof(ValidationSplit)) || given.ContainsKey(nameof(ValidationData)) ? ValidationSplit : run.ValidationSplit;
            ClipNorm = given.ContainsKey(nameof(ClipNorm)) ? ClipNorm : run.ClipNorm;
            GlobalClipNorm = given.ContainsKey(nameof(GlobalClipNorm)) ? GlobalClipNorm : run.GlobalClipNorm;
            ClipValue = given.ContainsKey(nameof(ClipValue)) ? ClipValue : run.ClipValue;
            TruncatedBptt = given.ContainsKey(nameof(TruncatedBptt)) ? TruncatedBptt : run.TruncatedBptt;
            EarlyStoppingPatience = given.ContainsKey(nameof(EarlyStoppingPatience)) ? EarlyStoppingPatience : run.EarlyStoppingPatience;
            RestoreBestWeights = given.ContainsKey(nameof(RestoreBestWeights)) ? RestoreBestWeights : run.RestoreBestWeights;
            Seed = given.ContainsKey(nameof(Seed)) ? Seed : run.Seed;
        }

        return state;
    }

    private string ResolveSingleFile(string path)
    {
        System.Collections.ObjectModel.Collection<string> files;
        ProviderInfo provider;
        try
        {
            files = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
        }
        catch (ItemNotFoundException)
        {
            ThrowTerminatingError(Errors.PathNotFound(path));
            throw; // not reached
        }

        if (provider.Name != "FileSystem" || files.Count != 1 || !File.Exists(files[0]))
        {
            ThrowTerminatingError(Errors.Create("ResumePathNotSingleFile", ErrorCategory.InvalidArgument, path,
                $"-ResumeFrom '{path}' must name one checkpoint file; it matches {files.Count} item(s)."));
        }

        return files[0];
    }

    /// <summary>The EpochCompleted callback: the epoch's line, then the checkpoints if any.</summary>
    private Action<EpochRecord, FitState> EpochEnd(Action<EpochRecord, FitState>? checkpointer) => (record, state) =>
    {
        // The epoch within this run, as Keras counts it (a resumed run goes on from its checkpoint's epochs).
        string line = EpochLine(record, state.EpochsDone, Epochs);
        if (_epochLines)
        {
            // PSHOST makes it show by default, as Write-Host does, while staying in the information stream.
            WriteInformation(line, ["PSHOST"]);
        }
        else
        {
            WriteVerbose(line);
        }

        checkpointer?.Invoke(record, state);
    };

    /// <summary>The EpochCompleted callback that writes the last and best checkpoints.</summary>
    private Action<EpochRecord, FitState> Checkpointer(string path, FitState? resume)
    {
        string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        bool folder = Directory.Exists(target) || path.EndsWith('/') || path.EndsWith(System.IO.Path.DirectorySeparatorChar);
        if (folder)
        {
            Directory.CreateDirectory(target);
        }

        string stem = folder ? System.IO.Path.Combine(target, Model.Name)
            : target.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? target[..^".safetensors".Length] : target;
        string? parent = System.IO.Path.GetDirectoryName(stem);
        if (parent is not null && !Directory.Exists(parent))
        {
            ThrowTerminatingError(Errors.Create("CheckpointFolderNotFound", ErrorCategory.ObjectNotFound, path,
                $"Cannot write checkpoints to '{path}': the folder '{parent}' does not exist."));
        }

        string last = stem + ".last.safetensors", best = stem + ".best.safetensors";

        // A resumed run's best so far is in the history of its epochs already done.
        _bestCheckpoint = Model.History.TakeLast(resume?.EpochsDone ?? 0).Select(r => r.ValidationLoss ?? r.Loss)
            .DefaultIfEmpty(double.PositiveInfinity).Min();
        return (record, state) =>
        {
            SafetensorsFile content = ModelFile.ToSafetensors(Model, includeOptimizerState: true, state);
            SafetensorsFile.Save(last, content, overwrite: true);
            double monitored = record.ValidationLoss ?? record.Loss;
            if (monitored < _bestCheckpoint)
            {
                _bestCheckpoint = monitored;
                SafetensorsFile.Save(best, content, overwrite: true);
            }

            WriteVerbose($"Epoch {record.Epoch}: checkpoint written to {last}{(monitored == _bestCheckpoint ? " and " + best : "")}.");
        };
    }

    private Tensor Transform(object value, string what)
    {
        try
        {
            return TensorArgument.Convert(value, null, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, value,
                $"Cannot read {what} of -ValidationData: {Errors.Describe(e)}", e));
            throw; // not reached
        }
    }

    private void ReportProgress(TrainingProgress p)
    {
        // Write-Progress costs a host round trip: a few updates a second are plenty.
        DateTime now = DateTime.UtcNow;
        if (now - _lastProgress < TimeSpan.FromMilliseconds(200) && (p.Batch != p.Batches || p.Window != p.Windows))
        {
            return;
        }

        _lastProgress = now;
        double batchesDone = p.Batch - 1 + (p.Window / (double)p.Windows);
        int percent = (int)(100.0 * (((p.Epoch - 1) * (double)p.Batches) + batchesDone) / (p.Epochs * (double)p.Batches));
        string window = p.Windows > 1 ? string.Create(CultureInfo.InvariantCulture, $", window {p.Window}/{p.Windows}") : string.Empty;
        string lossText = double.IsNaN(p.Loss) ? "-" : p.Loss.ToString("F4", CultureInfo.InvariantCulture);
        WriteProgress(new ProgressRecord(1, "Training " + Model.Name,
            string.Create(CultureInfo.InvariantCulture, $"Epoch {p.Epoch}/{p.Epochs}, batch {p.Batch}/{p.Batches}{window}, loss {lossText}"))
        {
            PercentComplete = Math.Clamp(percent, 0, 100),
            SecondsRemaining = (int)Math.Min(int.MaxValue, p.Remaining.TotalSeconds),
        });
    }

    /// <summary>Keras's verbose=2 line: "Epoch 3/10 - 2s - loss: 0.4321 - accuracy: 0.8750 - val_loss: … - val_accuracy: …".</summary>
    private static string EpochLine(EpochRecord r, int epoch, int epochs)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Epoch {epoch}/{epochs} - {KerasFormat.Duration(r.Duration)} - loss: {KerasFormat.Number(r.Loss)}");
        foreach (var (name, value) in r.Metrics)
        {
            text.Append(CultureInfo.InvariantCulture, $" - {name}: {KerasFormat.Number(value)}");
        }

        if (r.ValidationLoss is { } vl)
        {
            text.Append(CultureInfo.InvariantCulture, $" - val_loss: {KerasFormat.Number(vl)}");
            foreach (var (name, value) in r.ValidationMetrics!)
            {
                text.Append(CultureInfo.InvariantCulture, $" - val_{name}: {KerasFormat.Number(value)}");
            }
        }

        return text.ToString();
    }
}
