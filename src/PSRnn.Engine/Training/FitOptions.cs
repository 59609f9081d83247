using System.Globalization;

namespace PSRnn.Engine.Training;

/// <summary>Keras's fit() arguments, with Keras's defaults.</summary>
public sealed class FitOptions
{
    /// <summary>The most epochs a run may have (Invoke-RnnTraining's bound; a checkpoint's count of epochs done too).</summary>
    public const int MaxEpochs = 1_000_000;

    /// <summary>The largest validation split.</summary>
    public const double MaxValidationSplit = 0.99;

    /// <summary>Passes over the training data (Keras default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per gradient step (Keras default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the training samples before each epoch (Keras default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The fraction of samples, taken from the END of the data before any shuffling (as Keras), held out for validation.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Stop when the monitored loss (validation loss if any, else training loss) has not improved for this
    /// many epochs (Keras EarlyStopping patience); null never stops early.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>With early stopping, put back the weights of the best epoch (Keras restore_best_weights; default false).</summary>
    public bool RestoreBestWeights { get; init; }

    /// <summary>Keras clipnorm: each parameter's gradient is clipped to this L2 norm; null does not clip.</summary>
    public double? ClipNorm { get; init; }

    /// <summary>Keras global_clipnorm / PyTorch clip_grad_norm_: all gradients scaled together to this L2 norm.</summary>
    public double? GlobalClipNorm { get; init; }

    /// <summary>Keras clipvalue: each gradient element clipped to [−v, v].</summary>
    public double? ClipValue { get; init; }

    /// <summary>The metrics by Keras name, as compile(metrics=[...]) takes them (see <see cref="Training.Metrics.FromName"/>);
    /// null or empty reports the loss's default (<see cref="Trainer.DefaultMetrics"/>).</summary>
    public IReadOnlyList<string>? Metrics { get; init; }

    /// <summary>Metrics weighted by the sample (or class) weights, as Keras's compile(weighted_metrics=[...]): reported under
    /// their name, or <c>weighted_&lt;name&gt;</c> when an unweighted metric has it; null or empty: none.</summary>
    public IReadOnlyList<string>? WeightedMetrics { get; init; }

    /// <summary>
    /// Truncated back-propagation through time, TBPTT(k1 = k2 = K): each batch of sequences is cut into windows of this
    /// many steps, run in order with every recurrent layer's state carried from one window to the next (zeros at the
    /// start of each batch) and gradients stopped at the window boundaries, with an optimizer step per window. Per-step
    /// targets (return_sequences models) are trained on every window, last-step targets on the last window only (the
    /// earlier windows run forward to carry the state). Validation runs windowed the same way, with the state carried
    /// and no gradient. K at least the sequence length is one window: exactly full BPTT. Null: full BPTT.
    /// </summary>
    /// <remarks>Checked when Fit starts: at least 1 (<c>TruncatedBpttNotPositive</c>); no Bidirectional layer
    /// (<c>TruncatedBpttBidirectional</c>).</remarks>
    public int? TruncatedBptt { get; init; }

    /// <summary>Keras's ReduceLROnPlateau callback (see <see cref="Schedules.ReduceLROnPlateau"/>); null: none. Fit refuses
    /// it for an optimizer a schedule drives (<c>ReduceLROnPlateauWithSchedule</c>).</summary>
    public Schedules.ReduceLROnPlateau? ReduceLROnPlateau { get; init; }

    /// <summary>Seeds the shuffles of this run; null derives it from the model's seed and how many runs it has had.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Called on the training thread after every batch.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>
    /// Called on the training thread after every completed epoch, once its record is in the history, with the state a
    /// checkpoint needs (the model holds the rest: weights, optimizer, dropout generators). Writing files is the
    /// caller's business; an exception thrown here ends training with the weights of that epoch.
    /// </summary>
    public Action<EpochRecord, FitState>? EpochCompleted { get; init; }

    /// <summary>
    /// Asked after every batch (after <see cref="Progress"/>) and every completed epoch (after <see cref="EpochCompleted"/>):
    /// true ends the run there, as Keras's <c>model.stop_training = True</c> in a callback (no early-stopping restore).
    /// After a batch, the epoch ends early: its record has the figures of the batches done and the validation figures,
    /// and the model keeps its weights.
    /// </summary>
    public Func<bool>? StopRequested { get; init; }

    /// <summary>Fills <see cref="TrainingProgress.Metrics"/> (the epoch's metrics so far) in every report: a dictionary
    /// a batch, so only when asked.</summary>
    public bool ProgressMetrics { get; init; }

    /// <summary>
    /// Continues an interrupted run from a checkpoint's state instead of starting one: the epochs already done are
    /// skipped and the shuffle generator and early-stopping state are put back. The model must hold the checkpoint's
    /// weights, optimizer state and dropout generators (ModelFile.Load does that).
    /// </summary>
    public FitState? Resume { get; init; }

    /// <summary>Stops training at the next batch boundary; the model keeps the weights of the last completed epoch.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Threads the matrix products of this run may use (see <see cref="Tensors.ComputeThreads"/>); null uses the
    /// default, one per processor. Results do not depend on it, so a checkpoint does not record it.
    /// </summary>
    /// <remarks>Checked when Fit starts: at least 1.</remarks>
    public int? ThreadCount { get; init; }

    /// <summary>
    /// Why <paramref name="value"/> is not a valid <paramref name="setting"/> (such as "must be a whole number from 1 to
    /// 1,000,000"), or null when it is. The one rule behind Invoke-RnnTraining's parameter validation, the settings a
    /// checkpoint brings back (a file's values must pass exactly what a user's would), and <see cref="Validate"/>.
    /// </summary>
    public static string? Check(FitSetting setting, double value) => setting switch
    {
        FitSetting.Epochs => Whole(value, MaxEpochs),
        FitSetting.BatchSize or FitSetting.EarlyStoppingPatience => Whole(value, int.MaxValue),
        FitSetting.ValidationSplit => value is >= 0 and <= MaxValidationSplit ? null
            : string.Create(CultureInfo.InvariantCulture, $"must be a number from 0 to {MaxValidationSplit}"),
        FitSetting.TruncatedBptt => Whole(value, int.MaxValue),
        FitSetting.ClipNorm or FitSetting.GlobalClipNorm or FitSetting.ClipValue =>
            double.IsFinite(value) && value > 0 ? null : "must be a finite number greater than 0",
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "Not a training setting."),
    };

    /// <summary>The settings of <see cref="FitSetting"/> that this run sets (the optional ones only when given).</summary>
    internal IEnumerable<(FitSetting Setting, double Value)> Settings()
    {
        yield return (FitSetting.Epochs, Epochs);
        yield return (FitSetting.BatchSize, BatchSize);
        yield return (FitSetting.ValidationSplit, ValidationSplit);
        if (EarlyStoppingPatience is { } patience)
        {
            yield return (FitSetting.EarlyStoppingPatience, patience);
        }

        if (ClipNorm is { } norm)
        {
            yield return (FitSetting.ClipNorm, norm);
        }

        if (GlobalClipNorm is { } global)
        {
            yield return (FitSetting.GlobalClipNorm, global);
        }

        if (ClipValue is { } clip)
        {
            yield return (FitSetting.ClipValue, clip);
        }
    }

    /// <summary>Fails unless every setting passes <see cref="Check"/> and the thread count, if given, is at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; its name is the parameter name.</exception>
    public void Validate()
    {
        foreach ((FitSetting setting, double value) in Settings())
        {
            if (Check(setting, value) is { } problem)
            {
                throw new ArgumentOutOfRangeException(setting.ToString(), value,
                    string.Create(CultureInfo.InvariantCulture, $"{setting} is {value}; it {problem}."));
            }
        }

        if (ThreadCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ThreadCount), ThreadCount, "The thread count must be at least 1.");
        }
    }

    private static string? Whole(double value, int max) =>
        value >= 1 && value <= max && value == Math.Floor(value) ? null
            : string.Create(CultureInfo.InvariantCulture, $"must be a whole number from 1 to {max:N0}");

    /// <summary>A copy of the settings without callbacks, cancellation, resume state or thread count (what a checkpoint records).</summary>
    public FitOptions WithoutCallbacks() => new()
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        Shuffle = Shuffle,
        ValidationSplit = ValidationSplit,
        EarlyStoppingPatience = EarlyStoppingPatience,
        RestoreBestWeights = RestoreBestWeights,
        ClipNorm = ClipNorm,
        GlobalClipNorm = GlobalClipNorm,
        ClipValue = ClipValue,
        TruncatedBptt = TruncatedBptt,
        ReduceLROnPlateau = ReduceLROnPlateau,
        Seed = Seed,
    };
}
