namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's InverseTimeDecay: <c>lr(step) = initial_learning_rate / (1 + decay_rate · step / decay_steps)</c>, with
/// <c>floor(step / decay_steps)</c> under <c>staircase</c>.
/// </summary>
public sealed class InverseTimeDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; Keras's arguments.</summary>
    /// <exception cref="Layers.ModelException">A negative or non-finite rate, decay steps ≤ 0, or a negative decay rate
    /// (the denominator would reach 0 and below).</exception>
    public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false)
    {
        InitialLearningRate = Rate(initialLearningRate, "InitialRate");
        DecaySteps = Steps(decaySteps, "DecaySteps");
        DecayRate = Factor(decayRate, "DecayRate", "the decay rate must be a finite number ≥ 0 (a negative one divides by zero, then turns the rate negative)");
        Staircase = staircase;
    }

    /// <inheritdoc/>
    public override string KerasName => "InverseTimeDecay";

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
        return InitialLearningRate / (1 + (DecayRate * (Staircase ? Math.Floor(p) : p)));
    }
}
