using System.Collections.Specialized;
using PSRnn.Engine.Training;
using PSRnn.Engine.Training.Logs;

namespace PSRnn.Models;

/// <summary>
/// What an -OnEpochEnd callback receives as its first argument: the epoch's figures (validation included), Keras's
/// <c>logs</c>, and <see cref="StopTraining"/>, Keras's <c>model.stop_training</c>. A new object each epoch, so no
/// flag outlives its epoch; the History keeps the plain <see cref="Record"/>.
/// </summary>
public sealed class RnnEpochEnd
{
    internal RnnEpochEnd(EpochRecord record)
    {
        Record = record;
        Logs = new OrderedDictionary(StringComparer.Ordinal);
        foreach (var (name, value) in KerasLogs.Epoch(record))
        {
            Logs[name] = value;
        }
    }

    /// <summary>The epoch number, from 1, as in the History.</summary>
    public int Epoch => Record.Epoch;

    /// <summary>The epoch's mean training loss.</summary>
    public double Loss => Record.Loss;

    /// <summary>The training metrics by Keras name.</summary>
    public IReadOnlyDictionary<string, double> Metrics => Record.Metrics;

    /// <summary>The validation loss, or null without validation data.</summary>
    public double? ValidationLoss => Record.ValidationLoss;

    /// <summary>The validation metrics by Keras name, or null.</summary>
    public IReadOnlyDictionary<string, double>? ValidationMetrics => Record.ValidationMetrics;

    /// <summary>The learning rate the epoch ended with.</summary>
    public float LearningRate => Record.LearningRate;

    /// <summary>Wall time of the epoch, validation included.</summary>
    public TimeSpan Duration => Record.Duration;

    /// <summary>Keras's on_epoch_end logs: loss, the metrics, val_loss and val_…, learning_rate.</summary>
    public OrderedDictionary Logs { get; }

    /// <summary>The History's record of the epoch.</summary>
    public EpochRecord Record { get; }

    /// <summary>Set to $true to end training after this epoch (Keras's model.stop_training = True): the model keeps this
    /// epoch's weights.</summary>
    public bool StopTraining { get; set; }
}
