namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// What Keras's ExponentialDecay and InverseTimeDecay share: an initial rate decayed by decay_rate as a function of
/// <c>p = step / decay_steps</c>, floored under <c>staircase</c>.
/// </summary>
public abstract class DecayRateSchedule : LearningRateSchedule
{
    private protected DecayRateSchedule(double initialLearningRate, double decaySteps, double decayRate, bool staircase, string why)
    {
        InitialLearningRate = Rate(initialLearningRate, "InitialRate");
        DecaySteps = Steps(decaySteps, "DecaySteps");
        DecayRate = Factor(decayRate, "DecayRate", why);
        Staircase = staircase;
    }

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

    /// <summary>The rate at <paramref name="p"/> = step / decay_steps (floored already under staircase).</summary>
    private protected abstract double Decay(double p);

    private protected override double Compute(double step)
    {
        double p = step / DecaySteps;
        return Decay(Staircase ? Math.Floor(p) : p);
    }
}
