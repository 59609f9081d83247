using System.Collections.Specialized;
using PSRnn.Engine.Training;

namespace PSRnn.Models;

/// <summary>
/// What an -OnBatchEnd callback receives as its first argument after each training batch: where the run stands and the
/// epoch's figures so far, as Keras's on_train_batch_end(batch, logs).
/// </summary>
public sealed class RnnBatchEnd
{
    internal RnnBatchEnd(int epoch, TrainingProgress progress)
    {
        Epoch = epoch;
        Batch = progress.Batch;
        Batches = progress.Batches;
        Loss = progress.Loss;
        Metrics = progress.Metrics ?? new Dictionary<string, double>();
        Logs = new OrderedDictionary(StringComparer.Ordinal) { ["loss"] = Loss };
        foreach (var (name, value) in Metrics)
        {
            Logs[name] = value;
        }
    }

    /// <summary>The epoch being trained, from 1, numbered as the History.</summary>
    public int Epoch { get; }

    /// <summary>The batch just trained, from 1 (Keras's batch argument is this − 1).</summary>
    public int Batch { get; }

    /// <summary>Batches per epoch.</summary>
    public int Batches { get; }

    /// <summary>The epoch's mean loss so far.</summary>
    public double Loss { get; }

    /// <summary>The epoch's training metrics so far, by Keras name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Keras's on_train_batch_end logs: loss and the metrics so far.</summary>
    public OrderedDictionary Logs { get; }

    /// <summary>Set to $true to end training after this batch (Keras's model.stop_training in on_train_batch_end): the
    /// epoch ends early, is validated and recorded with the figures of its batches so far, and -OnEpochEnd runs for it.</summary>
    public bool StopTraining { get; set; }
}
