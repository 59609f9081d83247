namespace PSRnn.Engine.Training.Schedules;

/// <summary>Where <see cref="ReduceLROnPlateau"/> stands after an epoch: Keras's best, wait and cooldown_counter.</summary>
public sealed class PlateauState
{
    /// <summary>The best monitored value so far; null before the first epoch (Keras's None).</summary>
    public double? Best { get; set; }

    /// <summary>Epochs since the best one, outside cooldown.</summary>
    public int Wait { get; set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; set; }

    /// <summary>A copy (a checkpoint keeps one while the run goes on).</summary>
    public PlateauState Clone() => new() { Best = Best, Wait = Wait, CooldownCounter = CooldownCounter };
}
