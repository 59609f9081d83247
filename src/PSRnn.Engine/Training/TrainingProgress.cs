namespace PSRnn.Engine.Training;

/// <summary>Where training stands after a batch, for progress reports.</summary>
/// <param name="Epoch">The epoch of this run, from 1.</param>
/// <param name="Epochs">Epochs in this run.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">The epoch's mean loss so far.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimated time left in the run.</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, TimeSpan Elapsed, TimeSpan Remaining);
