using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Engine.Training.Schedules;
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
/// <example>
///   <code>
///     $model | Invoke-RnnTraining -X $x -Y $y -Epochs 50 -ValidationSplit 0.1 -LogPath ./run.csv -TensorBoardPath ./tb -OnEpochEnd {
///         param($record, $model)
///         if ($record.ValAccuracy -ge 0.99) { $record.StopTraining = $true }
///     }
///   </code>
///   <para>Keras's callbacks=[CSVLogger('run.csv'), TensorBoard('./tb'), a callback that sets model.stop_training]: logs
///   every epoch to a CSV file and TensorBoard event files, and stops once the validation accuracy reaches 0.99.</para>
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
    private ReduceLROnPlateau? _runPlateau;
    private TrainingCallbacks? _callbacks;

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
    /// <para type="description">The targets: one-hot rows or values (samples, outputs), or class labels (samples). For
    /// -Loss ctc, label sequences: an array of label arrays, one per sample, of any lengths (@(@(3, 1, 4), @(1), @())),
    /// or a (samples, labels) tensor padded with 0 after each sequence, or with -TargetLengths.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [TargetTransformation]
    [ValidateNotNull]
    public Tensor Y { get; set; } = null!;

    /// <summary>
    /// <para type="description">For -Loss ctc with a padded -Y: each sample's number of labels (PyTorch's target_lengths);
    /// the values after them in its row are ignored. Without it, a row ends at its last non-zero value. Implies -Loss ctc.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public int[]? TargetLengths { get; set; }

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
    /// binary_crossentropy, mse, mae, huber, log_cosh, kl_divergence or kld, poisson, cosine_similarity,
    /// categorical_focal_crossentropy, binary_focal_crossentropy, ctc); by default chosen from the last layer's activation,
    /// or ctc for jagged targets, -TargetLengths, or a model trained with ctc.
    /// Cross-entropies (focal ones too) fuse with a softmax or sigmoid last layer and read a linear one as logits, as
    /// Keras's from_logits=True. ctc (connectionist temporal classification, blank = symbol 0) needs a per-step softmax
    /// output and label sequences as -Y.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(LossCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Loss { get; set; }

    /// <summary>
    /// <para type="description">The loss's parameters, by Keras's argument names, as a hashtable: huber's delta (default
    /// 1.0); categorical_focal_crossentropy's alpha (0.25) and gamma (2.0); binary_focal_crossentropy's
    /// apply_class_balancing ($false), alpha (0.25) and gamma (2.0); ctc's reduction ('sum_over_batch_size', Keras's mean of
    /// the samples' losses, by default; or 'mean', PyTorch's, each divided by its target length first) and zero_infinity
    /// ($false: a target too long for its input is an error; $true counts it 0). For example -Loss huber -LossOption @{ delta = 0.5 },
    /// as keras.losses.Huber(delta=0.5). They are saved with the model and its checkpoints.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public System.Collections.Hashtable? LossOption { get; set; }

    /// <summary>
    /// <para type="description">The metrics to report each epoch, by Keras name (accuracy, categorical_accuracy,
    /// sparse_categorical_accuracy, binary_accuracy, mae, precision, recall, auc, pr_auc,
    /// top_k_categorical_accuracy, sparse_top_k_categorical_accuracy), as compile(metrics=[...]); by default accuracy for
    /// classifiers and mae otherwise. They go into the History, training and validation.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(MetricCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Metric { get; set; }

    /// <summary>
    /// <para type="description">Validation samples and targets, as two values: -ValidationData $xTest, $yTest; a third value
    /// weighs the validation samples as -SampleWeight does (Keras's (x, y, sample_weight) tuple).</para>
    /// </summary>
    [Parameter]
    [ValidateCount(2, 3)]
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
    /// -ValidationSplit, clipping, early stopping, -TruncatedBptt) are the run's. The optimizer is the checkpoint's, as
    /// Keras's BackupAndRestore restores it: -Optimizer, -LearningRateSchedule, -Momentum, -Nesterov and -WeightDecay may
    /// be given again but must be the run's (else ResumeOptimizerMismatch), and -LearningRate given again leaves the
    /// checkpoint's rate in place (with a warning when they differ).</para>
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
    /// <para type="description">Drives the learning rate per optimizer step with a schedule from
    /// New-RnnLearningRateSchedule (Keras's learning_rate=schedule). The step is the optimizer's count of updates, so it goes
    /// on across runs of the same model and through checkpoints; the schedule is saved with the model. Not with
    /// -LearningRate (the schedule has its own initial rate) nor -ReduceLROnPlateau (Keras refuses both too). A model
    /// trained with a schedule keeps it for later runs until -LearningRate or -Optimizer replaces it.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public LearningRateSchedule? LearningRateSchedule { get; set; }

    /// <summary>
    /// <para type="description">Keras's ReduceLROnPlateau: multiplies the learning rate by -ReduceLRFactor when the
    /// validation loss (or the loss, without validation data) has not improved by -ReduceLRMinDelta for -ReduceLRPatience
    /// epochs, never below -ReduceLRMinRate, then waits -ReduceLRCooldown epochs before counting again. Its state starts
    /// afresh each run, as Keras's, and is carried through checkpoints. Each epoch's LearningRate is the rate before its
    /// reduction, as Keras logs it.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter ReduceLROnPlateau { get; set; }

    /// <summary>
    /// <para type="description">With -ReduceLROnPlateau, the factor of each reduction (Keras's factor, default 0.1): greater
    /// than 0 and less than 1.</para>
    /// </summary>
    [Parameter]
    public double ReduceLRFactor { get; set; } = 0.1;

    /// <summary>
    /// <para type="description">With -ReduceLROnPlateau, the epochs without improvement before a reduction (Keras's
    /// patience, default 10).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ReduceLRPatience { get; set; } = 10;

    /// <summary>
    /// <para type="description">With -ReduceLROnPlateau, the least decrease of the monitored loss that counts as an
    /// improvement (Keras's min_delta, default 0.0001).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double ReduceLRMinDelta { get; set; } = 1e-4;

    /// <summary>
    /// <para type="description">With -ReduceLROnPlateau, the epochs after a reduction before epochs without improvement
    /// count again (Keras's cooldown, default 0).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int ReduceLRCooldown { get; set; }

    /// <summary>
    /// <para type="description">With -ReduceLROnPlateau, the rate it never goes below (Keras's min_lr, default 0).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double ReduceLRMinRate { get; set; }

    /// <summary>
    /// <para type="description">Trains silently: no progress bar and no line per epoch (Keras's verbose=0). The History
    /// still records every epoch.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>
    /// <para type="description">Weighs each sample's loss (Keras's sample_weight): a weight per sample (N), or per step (N, T)
    /// for per-step targets of models that return sequences. The batch loss is the sum of weight × loss over the batch's
    /// samples (or real steps) divided by their number, as Keras's; weight 0 leaves a sample out. Weights must be finite and
    /// not negative. With -ValidationSplit the held-out samples keep their weights for the validation loss. Metrics stay
    /// unweighted unless -WeightedMetric names them. A resumed run must be given the same weights.</para>
    /// </summary>
    [Parameter]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor? SampleWeight { get; set; }

    /// <summary>
    /// <para type="description">Weighs each training sample by its class (Keras's class_weight): a hashtable of class index
    /// to weight, such as @{0 = 2.0; 1 = 1.0} (classes left out weigh 1), or 'balanced', scikit-learn's
    /// compute_class_weight: samples / (classes × samples of the class), counted over the training samples after any
    /// -ValidationSplit. The class is the label, the one-hot row's largest entry, or the 0/1 target of a single sigmoid
    /// output. Validation is not class-weighted, as in Keras. Not with -SampleWeight, nor with per-step targets.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? ClassWeight { get; set; }

    /// <summary>
    /// <para type="description">Metrics reported weighted by -SampleWeight or -ClassWeight (Keras's weighted_metrics), by the
    /// names -Metric takes: under their name, or weighted_&lt;name&gt; when -Metric (or the default metric) has it already,
    /// as Keras names them; for validation, with val_ before. Mean metrics (accuracies, mae, top-k) average each row's value
    /// with its weight; precision, recall, auc and pr_auc add the weights into their confusion counts, as Keras.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(MetricCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? WeightedMetric { get; set; }

    /// <summary>
    /// <para type="description">Runs after every epoch, once its figures (validation included) are known and its log
    /// lines, logs and checkpoints are written, as Keras's on_epoch_end: { param($record, $model) … }. $record has the
    /// epoch's Epoch, Loss, metrics (Accuracy, ValLoss, ValAccuracy, … as History rows), LearningRate, Duration, Keras's
    /// Logs dictionary, and StopTraining: set $record.StopTraining = $true to end training after this epoch (Keras's
    /// model.stop_training), with its weights. It runs in the caller's scope on the pipeline thread, so Write-Host,
    /// Export-RnnModel, Invoke-RnnPrediction and the script's variables work inside; its output is discarded (as
    /// Measure-Command's). An error it throws stops training with the weights of the last completed epoch and is
    /// reported as the script's own error. It may read, save, evaluate and predict with the model, not train it again
    /// or add layers (ModelInTraining).</para>
    /// </summary>
    [Parameter]
    [CallbackTransformation]
    public ScriptBlock? OnEpochEnd { get; set; }

    /// <summary>
    /// <para type="description">Runs after every training batch, as Keras's on_train_batch_end: { param($progress, $model) … }.
    /// $progress has Epoch, Batch (from 1; Keras's batch index is Batch − 1), Batches, and the epoch's running Loss and
    /// Metrics (Keras's batch logs, also as its Logs dictionary), and StopTraining: $true ends the epoch there (validated
    /// and recorded with the batches done, -OnEpochEnd run for it) and the training, as Keras's stop_training set in
    /// on_train_batch_end. With -TruncatedBptt it runs once a batch, after its last window. Otherwise as -OnEpochEnd.</para>
    /// </summary>
    [Parameter]
    [CallbackTransformation]
    public ScriptBlock? OnBatchEnd { get; set; }

    /// <summary>
    /// <para type="description">Writes Keras's CSVLogger file: a header "epoch," and the sorted log names (accuracy,
    /// learning_rate, loss, val_accuracy, val_learning_rate, val_loss, … — without validation data the val_ columns say
    /// NA, as Keras writes them), then a row an epoch with the epoch counted from 0 within the run as Keras does; numbers
    /// as Python prints them (round-trip precision, invariant culture), lines ending CRLF. A new run replaces the file
    /// (Keras's append=False); with -ResumeFrom the rows of the epochs done are kept and the run appends without a second
    /// header. Each row is flushed to disk as its epoch ends, so a crash keeps every finished epoch. The folder must
    /// exist.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    /// <summary>
    /// <para type="description">Writes TensorBoard event files, as Keras's TensorBoard callback: in &lt;folder&gt;/train
    /// epoch_loss, epoch_&lt;metric&gt; and epoch_learning_rate, and in &lt;folder&gt;/validation epoch_loss and
    /// epoch_&lt;metric&gt; of the validation figures (and evaluation_&lt;name&gt;_vs_iterations by optimizer step), at
    /// step = the epoch from 0. The folder is made if missing; each run writes new files (events.out.tfevents.…),
    /// flushed every epoch. View them with: tensorboard --logdir &lt;folder&gt;.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TensorBoardPath { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        LeftoverArguments.ThrowIfAny(this, LeftoverArgument);
        Sequential? given = Model;
        if (given?.InTraining == true)
        {
            ThrowTerminatingError(Errors.Create("ModelInTraining", ErrorCategory.InvalidOperation, given,
                $"Model '{given.Name}' is being trained; it cannot be trained again until that run ends (a -OnEpochEnd or " +
                "-OnBatchEnd callback may read, save, evaluate and predict with it)."));
        }

        FitState? resume = ResumeFrom is null ? null : LoadCheckpoint(ResumeFrom);
        ModelData.RequireLayers(this, Model);
        bool ctc = CtcTargets.Wanted(Loss, Model.Loss, Y, TargetLengths);
        if (TargetLengths is not null && !ctc)
        {
            ThrowTerminatingError(Errors.Create("TargetLengthsWithoutCtc", ErrorCategory.InvalidArgument, TargetLengths,
                $"-TargetLengths gives the lengths of label sequences, which only -Loss ctc reads; -Loss is {Loss}."));
        }

        Dataset train = ctc ? CtcTargets.Create(this, Model, X, Y, TargetLengths) : ModelData.Create(this, Model, X, Y);
        if (ctc && (SampleWeight is not null || ClassWeight is not null || ValidationData is { Length: > 2 }))
        {
            ThrowTerminatingError(Errors.Create("CtcSampleWeight", ErrorCategory.InvalidArgument, SampleWeight ?? ClassWeight,
                "ctc does not take sample or class weights (-SampleWeight, -ClassWeight, validation weights); train without them."));
        }

        if (SampleWeight is not null)
        {
            if (ClassWeight is not null)
            {
                ThrowTerminatingError(Errors.Create("ClassWeightWithSampleWeight", ErrorCategory.InvalidArgument, ClassWeight,
                    "Give -ClassWeight or -SampleWeight, not both (Keras: \"You cannot `class_weight` and `sample_weight` at the same time.\"); "
                    + "multiply the class weights into the sample weights instead."));
            }

            train = WeightArguments.WithSampleWeights(this, train, SampleWeight, "-SampleWeight");
        }

        Dataset? validation = null;
        if (ValidationData is not null)
        {
            Tensor vx = Transform(ValidationData[0], "the validation samples");
            Tensor vy = Transform(ValidationData[1], "the validation targets", targets: true);
            validation = ctc ? CtcTargets.Create(this, Model, vx, vy, null, "validation data") : ModelData.Create(this, Model, vx, vy, "validation data");
            validation = ValidationData.Length > 2
                ? WeightArguments.WithSampleWeights(this, validation, ValidationData[2], "the validation weights") : validation;
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

        // After the split: Keras weighs (and counts 'balanced' over) the samples fit trains on.
        train = ClassWeight is null ? train : WeightArguments.WithClassWeights(this, Model, train, ClassWeight);

        Loss loss;
        Optimizer optimizer;
        ReduceLROnPlateau? plateau = null;
        try
        {
            plateau = ScheduleArguments.Plateau(this, MyInvocation.BoundParameters, _runPlateau);
            (string? lossName, IReadOnlyDictionary<string, object?>? lossOptions) = CtcTargets.Loss(Loss, LossOption, Model.Loss, ctc);
            loss = Trainer.ResolveLoss(Model, lossName, train, lossOptions);
            // A resumed run keeps its loss unless told otherwise.
            loss = resume is not null && Loss is null && Model.Loss is { } runLoss ? runLoss : loss;
            if (resume is not null && Model.Optimizer is { } run)
            {
                // The checkpoint's optimizer carries the run's state: the original command line resumes exactly.
                optimizer = OptimizerChoice.ForResume(run, Optimizer, (float?)Momentum, Nesterov, (float?)WeightDecay, LearningRateSchedule,
                    (float?)LearningRate);
                if (LearningRate is { } asked && (float)asked != optimizer.LearningRate)
                {
                    WriteWarning(string.Create(CultureInfo.InvariantCulture,
                        $"The checkpoint's learning rate {optimizer.LearningRate} continues, as Keras's BackupAndRestore restores it; -LearningRate {asked} is not applied to a resumed run."));
                }
            }
            else
            {
                optimizer = OptimizerChoice.Resolve(Model.Optimizer, Optimizer, (float?)LearningRate, (float?)Momentum, Nesterov, (float?)WeightDecay);
                optimizer.Schedule = LearningRateSchedule ?? optimizer.Schedule;
            }
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
            WeightedMetrics = WeightedMetric,
            Epochs = Epochs,
            BatchSize = BatchSize,
            Shuffle = Shuffle,
            ClipNorm = ClipNorm,
            GlobalClipNorm = GlobalClipNorm,
            ClipValue = ClipValue,
            TruncatedBptt = TruncatedBptt,
            ReduceLROnPlateau = plateau,
            EarlyStoppingPatience = EarlyStoppingPatience,
            RestoreBestWeights = RestoreBestWeights,
            ValidationSplit = ValidationData is null ? ValidationSplit : 0,
            Seed = Seed,
            Progress = Quiet && OnBatchEnd is null ? null : BatchEnd,
            ProgressMetrics = OnBatchEnd is not null,
            Cancellation = _stop.Token,
            EpochCompleted = EpochEnd(CheckpointPath is null ? null : Checkpointer(CheckpointPath, resume)),
            StopRequested = () => _callbacks?.StopRequested == true,
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
        _callbacks = TrainingCallbacks.Open(this, Model, OnEpochEnd, OnBatchEnd, LogPath, TensorBoardPath, resume?.EpochsDone ?? 0);
        try
        {
            Trainer.Fit(Model, train, validation, loss, optimizer, options);
        }
        catch (RuntimeException e) when (_callbacks.Raised(e))
        {
            // A callback's own error goes on as the script raised it (its message, ID and position: ThrowTerminatingError
            // would restamp them as this cmdlet's); the trainer has put back the last completed epoch's weights.
            throw;
        }
        catch (TrainingLogException e)
        {
            ThrowTerminatingError(e.ErrorRecord);
            return;
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
            _callbacks.Dispose();
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
    public void Dispose()
    {
        _stop.Dispose();
        _callbacks?.Dispose();
    }

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
            _runPlateau = run.ReduceLROnPlateau;
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

        // Logs before the checkpoint: a resumed run drops CSV rows past its checkpoint, so a crash between the two loses nothing.
        _callbacks?.Log(record, state);
        checkpointer?.Invoke(record, state);
        _callbacks?.EpochEnd(record);
    };

    /// <summary>The Progress callback: the progress bar unless -Quiet, then -OnBatchEnd.</summary>
    private void BatchEnd(TrainingProgress p)
    {
        if (!Quiet)
        {
            ReportProgress(p);
        }

        _callbacks?.BatchEnd(p);
    }

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

    private Tensor Transform(object value, string what, bool targets = false) => TensorArgument.ConvertValidation(this, value, what, targets);

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
