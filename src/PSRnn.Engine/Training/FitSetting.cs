namespace PSRnn.Engine.Training;

/// <summary>
/// The numeric settings of a training run that Invoke-RnnTraining takes as parameters (of these names) and a checkpoint
/// records; <see cref="FitOptions.Check"/> is the one range rule for both, and for <see cref="Trainer.Fit"/>.
/// </summary>
public enum FitSetting
{
    /// <summary>Passes over the data: a whole number from 1 to <see cref="FitOptions.MaxEpochs"/>.</summary>
    Epochs,

    /// <summary>Samples per step: a whole number from 1 to 2^31 − 1.</summary>
    BatchSize,

    /// <summary>The fraction held out for validation: from 0 to <see cref="FitOptions.MaxValidationSplit"/>.</summary>
    ValidationSplit,

    /// <summary>Early stopping's patience: a whole number from 1 to 2^31 − 1.</summary>
    EarlyStoppingPatience,

    /// <summary>Keras clipnorm: a finite number above 0.</summary>
    ClipNorm,

    /// <summary>Keras global_clipnorm: a finite number above 0.</summary>
    GlobalClipNorm,

    /// <summary>Keras clipvalue: a finite number above 0.</summary>
    ClipValue,

    /// <summary>Truncated BPTT's window in steps: a whole number from 1 to 2^31 − 1 (Fit reports one below 1 as
    /// <c>TruncatedBpttNotPositive</c>; a checkpoint's value passes this rule).</summary>
    TruncatedBptt,
}
