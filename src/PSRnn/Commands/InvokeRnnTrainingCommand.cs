using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
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
/// History; -Verbose prints them. Progress shows the epoch, batch, loss and time left. Ctrl+C stops at the next batch
/// and the model keeps the weights of the last completed epoch. Training again continues from the current weights and
/// optimizer state. The model is passed on down the pipeline.</para>
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
[Cmdlet(VerbsLifecycle.Invoke, "RnnTraining")]
[OutputType(typeof(Sequential))]
public sealed class InvokeRnnTrainingCommand : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private DateTime _lastProgress;

    /// <summary>
    /// <para type="description">The model to train; it comes from the pipeline and is passed on.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
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
    [ValidateRange(1, 1_000_000)]
    public int Epochs { get; set; } = 1;

    /// <summary>
    /// <para type="description">Samples per gradient step (default 32).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// <para type="description">The optimizer: adam (default), adamw, rmsprop or sgd, with Keras's defaults. Without it, a model
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
    /// <para type="description">The loss, by Keras name (categorical_crossentropy, sparse_categorical_crossentropy,
    /// binary_crossentropy, mse, mae); by default chosen from the last layer's activation.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(LossCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Loss { get; set; }

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
    [ValidateRange(0.0, 0.99)]
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
    [ValidateRange(0.0, double.MaxValue)]
    public double? ClipNorm { get; set; }

    /// <summary>
    /// <para type="description">Scales all gradients together to at most this L2 norm (Keras global_clipnorm, PyTorch clip_grad_norm_).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double? GlobalClipNorm { get; set; }

    /// <summary>
    /// <para type="description">Clips each gradient value to [−ClipValue, ClipValue] (Keras clipvalue).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double? ClipValue { get; set; }

    /// <summary>
    /// <para type="description">Stops when the validation loss (or, without validation, the loss) has not improved for this many epochs.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// <para type="description">With -EarlyStoppingPatience, ends with the weights of the best epoch (Keras restore_best_weights).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter RestoreBestWeights { get; set; }

    /// <summary>
    /// <para type="description">Seeds this run's shuffles; by default they derive from the model's seed.</para>
    /// </summary>
    [Parameter]
    public ulong? Seed { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
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
            optimizer = Optimizer is null && Model.Optimizer is { } kept ? kept : Optimizers.Create(Optimizer ?? "adam", (float?)LearningRate);
            if (LearningRate is { } rate)
            {
                optimizer.LearningRate = (float)rate;
            }
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Loss));
            return;
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("OptimizerUnknown", ErrorCategory.InvalidArgument, Optimizer, e.Message, e));
            return;
        }

        var options = new FitOptions
        {
            Epochs = Epochs,
            BatchSize = BatchSize,
            Shuffle = Shuffle,
            ClipNorm = ClipNorm,
            GlobalClipNorm = GlobalClipNorm,
            ClipValue = ClipValue,
            EarlyStoppingPatience = EarlyStoppingPatience,
            RestoreBestWeights = RestoreBestWeights,
            Seed = Seed,
            Progress = ReportProgress,
            Cancellation = _stop.Token,
        };

        IReadOnlyList<EpochRecord> records;
        try
        {
            records = Trainer.Fit(Model, train, validation, loss, optimizer, options);
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
        finally
        {
            WriteProgress(new ProgressRecord(1, "Training " + Model.Name, "Done") { RecordType = ProgressRecordType.Completed });
        }

        foreach (EpochRecord r in records)
        {
            WriteVerbose(Describe(r));
        }

        WriteObject(Model);
    }

    /// <inheritdoc />
    protected override void StopProcessing() => _stop.Cancel();

    /// <inheritdoc />
    public void Dispose() => _stop.Dispose();

    private Tensor Transform(object value, string what)
    {
        try
        {
            return TensorArgument.Convert(value, null, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, value,
                $"Cannot read {what} of -ValidationData: {e.Message}", e));
            throw; // not reached
        }
    }

    private void ReportProgress(TrainingProgress p)
    {
        // Write-Progress costs a host round trip: a few updates a second are plenty.
        DateTime now = DateTime.UtcNow;
        if (now - _lastProgress < TimeSpan.FromMilliseconds(200) && p.Batch != p.Batches)
        {
            return;
        }

        _lastProgress = now;
        int percent = (int)(100.0 * (((p.Epoch - 1) * (double)p.Batches) + p.Batch) / (p.Epochs * (double)p.Batches));
        WriteProgress(new ProgressRecord(1, "Training " + Model.Name,
            string.Create(CultureInfo.InvariantCulture, $"Epoch {p.Epoch}/{p.Epochs}, batch {p.Batch}/{p.Batches}, loss {p.Loss:F4}"))
        {
            PercentComplete = Math.Clamp(percent, 0, 100),
            SecondsRemaining = (int)Math.Min(int.MaxValue, p.Remaining.TotalSeconds),
        });
    }

    private static string Describe(EpochRecord r)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Epoch {r.Epoch}: loss {r.Loss:F4}");
        foreach (var (name, value) in r.Metrics)
        {
            text.Append(CultureInfo.InvariantCulture, $", {name} {value:F4}");
        }

        if (r.ValidationLoss is { } vl)
        {
            text.Append(CultureInfo.InvariantCulture, $", val_loss {vl:F4}");
            foreach (var (name, value) in r.ValidationMetrics!)
            {
                text.Append(CultureInfo.InvariantCulture, $", val_{name} {value:F4}");
            }
        }

        text.Append(CultureInfo.InvariantCulture, $" ({r.Duration.TotalSeconds:F1} s)");
        return text.ToString();
    }
}
