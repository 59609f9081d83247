namespace PSRnn.Engine.Training;

/// <summary>Where training stands after a batch, for progress reports.</summary>
/// <param name="Epoch">The epoch of this run, from 1.</param>
/// <param name="Epochs">Epochs in this run.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">The epoch's mean loss so far.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimated time left in the run.</param>
/// <remarks>With truncated BPTT a report comes after every window: <see cref="Window"/> of <see cref="Windows"/> in the
/// batch being trained (the batch counts as done at its last window).</remarks>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, TimeSpan Elapsed, TimeSpan Remaining)
{
    /// <summary>Windows done in the current batch (truncated BPTT); 1 without it.</summary>
    public int Window { get; init; } = 1;

    /// <summary>Windows per batch (truncated BPTT); 1 without it.</summary>
    public int Windows { get; init; } = 1;

    /// <summary>The epoch's training metrics so far by Keras name (Keras's on_train_batch_end logs), when
    /// <see cref="FitOptions.ProgressMetrics"/> asks for them; else null.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }
}
