namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's InverseTimeDecay: <c>lr(step) = initial_learning_rate / (1 + decay_rate · step / decay_steps)</c>, with
/// <c>floor(step / decay_steps)</c> under <c>staircase</c>.
/// </summary>
public sealed class InverseTimeDecay : DecayRateSchedule
{
    /// <summary>Creates the schedule; Keras's arguments.</summary>
    /// <exception cref="Layers.ModelException">A negative or non-finite rate, decay steps ≤ 0, or a negative decay rate
    /// (the denominator would reach 0 and below).</exception>
    public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false)
        : base(initialLearningRate, decaySteps, decayRate, staircase,
            "the decay rate must be a finite number ≥ 0 (a negative one divides by zero, then turns the rate negative)")
    {
    }

    /// <inheritdoc/>
    public override string KerasName => "InverseTimeDecay";

    private protected override double Decay(double p) => InitialLearningRate / (1 + (DecayRate * p));
}
