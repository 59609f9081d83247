namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's ExponentialDecay: <c>lr(step) = initial_learning_rate · decay_rate^(step / decay_steps)</c>, the exponent
/// floored with <c>staircase</c> (the rate drops every decay_steps steps).
/// </summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; Keras's arguments.</summary>
    /// <exception cref="Layers.ModelException">A negative or non-finite rate, decay steps ≤ 0, or a negative decay rate
    /// (its powers change sign or are NaN).</exception>
    public ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false)
    {
        InitialLearningRate = Rate(initialLearningRate, "InitialRate");
        DecaySteps = Steps(decaySteps, "DecaySteps");
        DecayRate = Factor(decayRate, "DecayRate", "the decay rate must be a finite number ≥ 0 (a negative one makes the rate negative or NaN)");
        Staircase = staircase;
    }

    /// <inheritdoc/>
    public override string KerasName => "ExponentialDecay";

    /// <summary>Keras's initial_learning_rate.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras's decay_steps.</summary>
    public double DecaySteps { get; }

    /// <summary>Keras's decay_rate.</summary>
    public double DecayRate { get; }

    /// <summary>Keras's staircase.</summary>
    public bool Staircase { get; }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["decay_rate"] = DecayRate,
        ["staircase"] = Staircase,
        ["name"] = KerasName,
    };

    private protected override double Compute(double step)
    {
        double p = step / DecaySteps;
        return InitialLearningRate * Math.Pow(DecayRate, Staircase ? Math.Floor(p) : p);
    }
}
