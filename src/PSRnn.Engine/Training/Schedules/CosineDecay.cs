namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's CosineDecay with its optional linear warm-up. Without a warm-up target:
/// <c>lr(step) = initial · ((1 − α) · ½(1 + cos(π · min(step, decay_steps) / decay_steps)) + α)</c>. With one, step is
/// capped at warmup_steps + decay_steps; while <c>step &lt; warmup_steps</c>,
/// <c>lr = (warmup_target − initial) · step / warmup_steps + initial</c>, then the cosine decay above from warmup_target
/// at step − warmup_steps.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule; Keras's arguments and defaults.</summary>
    /// <exception cref="Layers.ModelException">A negative or non-finite rate or warm-up target, decay steps ≤ 0, negative
    /// warm-up steps, or a negative α (the rate would end below 0).</exception>
    public CosineDecay(double initialLearningRate, double decaySteps, double alpha = 0.0, double? warmupTarget = null, double warmupSteps = 0)
    {
        InitialLearningRate = Rate(initialLearningRate, "InitialRate");
        DecaySteps = Steps(decaySteps, "DecaySteps");
        Alpha = Factor(alpha, "Alpha", "alpha, the fraction the rate decays to, must be a finite number ≥ 0 (a negative one ends the decay below 0)");
        WarmupTarget = warmupTarget is { } target ? Rate(target, "WarmupTarget") : null;
        WarmupSteps = Factor(warmupSteps, "WarmupSteps", "the warm-up steps must be a finite number ≥ 0");
    }

    /// <inheritdoc/>
    public override string KerasName => "CosineDecay";

    /// <summary>Keras's initial_learning_rate.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras's decay_steps.</summary>
    public double DecaySteps { get; }

    /// <summary>Keras's alpha: the final rate as a fraction of the rate the decay starts from.</summary>
    public double Alpha { get; }

    /// <summary>Keras's warmup_target, or null for no warm-up.</summary>
    public double? WarmupTarget { get; }

    /// <summary>Keras's warmup_steps.</summary>
    public double WarmupSteps { get; }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = DecaySteps,
        ["alpha"] = Alpha,
        ["name"] = KerasName,
        ["warmup_target"] = WarmupTarget,
        ["warmup_steps"] = WarmupSteps,
    };

    private protected override double Compute(double step)
    {
        if (WarmupTarget is not { } target)
        {
            return Decay(Math.Min(step, DecaySteps), InitialLearningRate);
        }

        step = Math.Min(step, DecaySteps + WarmupSteps);
        return step < WarmupSteps
            ? ((target - InitialLearningRate) * (step / WarmupSteps)) + InitialLearningRate
            : Decay(step - WarmupSteps, target);
    }

    private double Decay(double step, double from)
    {
        double cosine = 0.5 * (1.0 + Math.Cos(Math.PI * (step / DecaySteps)));
        return from * (((1 - Alpha) * cosine) + Alpha);
    }
}
