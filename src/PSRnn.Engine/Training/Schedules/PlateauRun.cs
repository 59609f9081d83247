using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training.Schedules;

/// <summary>How a training run starts its <see cref="ReduceLROnPlateau"/>: the trainer's one call, kept out of its loop.</summary>
internal static class PlateauRun
{
    /// <summary>The run's plateau state: the checkpoint's on resume, else fresh; null without the callback.</summary>
    /// <exception cref="ModelException">A schedule drives the optimizer (<c>ReduceLROnPlateauWithSchedule</c>).</exception>
    public static PlateauState? Begin(FitOptions options, Optimizer optimizer, FitState? resume)
    {
        if (options.ReduceLROnPlateau is null)
        {
            return null;
        }

        if (optimizer.Schedule is { } schedule)
        {
            throw new ModelException("ReduceLROnPlateauWithSchedule",
                $"ReduceLROnPlateau sets the optimizer's learning rate, but the schedule {schedule} drives it (Keras refuses this too). " +
                "Use one or the other: drop -LearningRateSchedule, or -ReduceLROnPlateau (to drop a schedule the model's optimizer keeps, give -LearningRate or -Optimizer).");
        }

        return resume?.Plateau?.Clone() ?? new PlateauState();
    }
}
