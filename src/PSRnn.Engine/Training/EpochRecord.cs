namespace PSRnn.Engine.Training;

/// <summary>One epoch of Keras's History: the mean training loss and metrics over the epoch's batches, and the
/// validation loss and metrics at its end.</summary>
public sealed class EpochRecord
{
    /// <summary>Creates a record.</summary>
    public EpochRecord(int epoch, double loss, IReadOnlyDictionary<string, double> metrics, double? validationLoss,
        IReadOnlyDictionary<string, double>? validationMetrics, TimeSpan duration, float learningRate)
    {
        Epoch = epoch;
        Loss = loss;
        Metrics = metrics;
        ValidationLoss = validationLoss;
        ValidationMetrics = validationMetrics;
        Duration = duration;
        LearningRate = learningRate;
    }

    /// <summary>The epoch number, from 1, counted over every training run of the model.</summary>
    public int Epoch { get; }

    /// <summary>The mean training loss over the epoch (weighted by batch size, as Keras).</summary>
    public double Loss { get; }

    /// <summary>Training metrics by Keras name (<c>accuracy</c>, <c>mae</c>, …).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>The validation loss, or null without validation data.</summary>
    public double? ValidationLoss { get; }

    /// <summary>Validation metrics by Keras name, or null without validation data.</summary>
    public IReadOnlyDictionary<string, double>? ValidationMetrics { get; }

    /// <summary>Wall time of the epoch, validation included.</summary>
    public TimeSpan Duration { get; }

    /// <summary>
    /// The optimizer's learning rate when the epoch ended, as Keras logs <c>learning_rate</c>: the rate of the next step
    /// (a schedule's rate at the optimizer's iterations then), before ReduceLROnPlateau's reduction at that epoch's end.
    /// </summary>
    public float LearningRate { get; }
}
