namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's PolynomialDecay: <c>lr(step) = (initial − end) · (1 − step / decay_steps)^power + end</c>, with step capped at
/// decay_steps; under <c>cycle</c>, decay_steps becomes the first multiple of itself that is at least step
/// (<c>decay_steps · ceil(step / decay_steps)</c>, 1 multiple at step 0).
/// </summary>
public sealed class PolynomialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; Keras's arguments and defaults.</summary>
    /// <exception cref="Layers.ModelException">A negative or non-finite rate, decay steps ≤ 0, or a negative power
    /// (0 to a negative power is infinite at the end of the decay).</exception>
    public PolynomialDecay(double initialLearningRate, double decaySteps, double endLearningRate = 0.0001, double power = 1.0, bool cycle = false)
    {
        InitialLearningRate = Rate(initialLearningRate, "InitialRate");
        DecaySteps = Steps(decaySteps, "DecaySteps");
        EndLearningRate = Rate(endLearningRate, "EndRate");
        Power = Factor(power, "Power", "the power must be a finite number ≥ 0 (0 to a negative power is infinite, at the end of the decay)");
        Cycle = cycle;
    }

    /// <inheritdoc/>
    public override string KerasName => "PolynomialDecay";

    /// <summary>Keras's initial_learning_rate.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras's decay_steps.</summary>
    public double DecaySteps { get; }

    /// <summary>Keras's end_learning_rate.</summary>
    public double EndLearningRate { get; }

    /// <summary>Keras's power.</summary>
    public double Power { get; }

    /// <summary>Keras's cycle.</summary>
    public bool Cycle { get; }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["end_learning_rate"] = EndLearningRate,
        ["power"] = Power,
        ["cycle"] = Cycle,
        ["name"] = KerasName,
    };

    private protected override double Compute(double step)
    {
        double decaySteps = DecaySteps;
        if (Cycle)
        {
            decaySteps *= step == 0 ? 1 : Math.Ceiling(step / DecaySteps);
        }
        else
        {
            step = Math.Min(step, decaySteps);
        }

        double p = step / decaySteps;
        return ((InitialLearningRate - EndLearningRate) * Math.Pow(1 - p, Power)) + EndLearningRate;
    }
}
