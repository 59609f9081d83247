namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's ExponentialDecay: <c>lr(step) = initial_learning_rate · decay_rate^(step / decay_steps)</c>, the exponent
/// floored with <c>staircase</c> (the rate drops every decay_steps steps).
/// </summary>
public sealed class ExponentialDecay : DecayRateSchedule
{
    /// <summary>Creates the schedule; Keras's arguments.</summary>
    /// <exception cref="Layers.ModelException">A negative or non-finite rate, decay steps ≤ 0, or a negative decay rate
    /// (its powers change sign or are NaN).</exception>
    public ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false)
        : base(initialLearningRate, decaySteps, decayRate, staircase,
            "the decay rate must be a finite number ≥ 0 (a negative one makes the rate negative or NaN)")
    {
    }

    /// <inheritdoc/>
    public override string KerasName => "ExponentialDecay";

    private protected override double Decay(double p) => InitialLearningRate * Math.Pow(DecayRate, p);
}
