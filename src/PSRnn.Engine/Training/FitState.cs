using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// Where a training run stands after a completed epoch — what, besides the model's weights, optimizer and dropout
/// generators, a run needs to continue exactly as if it had never stopped. <see cref="Trainer.Fit"/> hands one to
/// <see cref="FitOptions.EpochCompleted"/> after every epoch, and takes one back as <see cref="FitOptions.Resume"/>.
/// </summary>
public sealed class FitState
{
    /// <summary>The epochs of this run completed so far (the next epoch is this + 1).</summary>
    public int EpochsDone { get; init; }

    /// <summary>The shuffle generator's state after the last completed epoch.</summary>
    public RngState Shuffle { get; init; }

    /// <summary>
    /// The sample order after the last completed epoch's shuffle: each epoch shuffles the previous order in place, so
    /// the order is state too.
    /// </summary>
    public IReadOnlyList<int>? Order { get; init; }

    /// <summary>Early stopping: the best monitored loss so far (infinity before any).</summary>
    public double BestMonitored { get; init; } = double.PositiveInfinity;

    /// <summary>Early stopping: epochs since the best one.</summary>
    public int Wait { get; init; }

    /// <summary>With RestoreBestWeights: the best epoch's weights (as <see cref="Models.Sequential.SnapshotWeights"/>), else null.</summary>
    public IReadOnlyList<float>? BestWeights { get; init; }

    /// <summary>The training data's <see cref="Dataset.SampleWeightDigest"/> (null: unweighted): a resumed run must have the same weights.</summary>
    public string? SampleWeightDigest { get; init; }
    /// <summary>ReduceLROnPlateau's state after the last completed epoch (the rate it set is the optimizer's), or null.</summary>
    public Schedules.PlateauState? Plateau { get; init; }

    /// <summary>The run's settings (callbacks and cancellation left out), so a resumed run can use the same ones.</summary>
    public FitOptions? Settings { get; init; }
}
