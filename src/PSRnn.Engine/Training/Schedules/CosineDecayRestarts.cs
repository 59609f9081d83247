namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's CosineDecayRestarts (SGDR, Loshchilov and Hutter): with f = step / first_decay_steps, restart i and the
/// fraction through it are <c>i = floor(f)</c>, <c>f − i</c> when t_mul = 1, else
/// <c>i = floor(log(1 − f(1 − t_mul)) / log t_mul)</c>, <c>(f − (1 − t_mul^i)/(1 − t_mul)) / t_mul^i</c>; then
/// <c>lr = initial · ((1 − α) · ½ m_mul^i (1 + cos(π · fraction)) + α)</c>.
/// </summary>
/// <remarks>With t_mul &lt; 1 the periods shrink geometrically and sum to first_decay_steps / (1 − t_mul) steps; Keras's
/// formula is NaN after that, and training stops there (<c>ScheduledLearningRateInvalid</c>).</remarks>
public sealed class CosineDecayRestarts : LearningRateSchedule
{
    /// <summary>Creates the schedule; Keras's arguments and defaults.</summary>
    /// <exception cref="Layers.ModelException">A negative or non-finite rate, first decay steps ≤ 0, t_mul ≤ 0, or a
    /// negative m_mul or α.</exception>
    public CosineDecayRestarts(double initialLearningRate, double firstDecaySteps, double tMul = 2.0, double mMul = 1.0, double alpha = 0.0)
    {
        InitialLearningRate = Rate(initialLearningRate, "InitialRate");
        FirstDecaySteps = Steps(firstDecaySteps, "FirstDecaySteps");
        TMul = double.IsFinite(tMul) && tMul > 0 ? tMul
            : throw Invalid("LearningRateScheduleInvalidFactor", "TMul", tMul, "t_mul, the growth of each period, must be a finite number greater than 0");
        MMul = Factor(mMul, "MMul", "m_mul, the scale of each restart's rate, must be a finite number ≥ 0");
        Alpha = Factor(alpha, "Alpha", "alpha, the fraction the rate decays to, must be a finite number ≥ 0 (a negative one ends each period below 0)");
    }

    /// <inheritdoc/>
    public override string KerasName => "CosineDecayRestarts";

    /// <summary>Keras's initial_learning_rate.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Keras's first_decay_steps.</summary>
    public double FirstDecaySteps { get; }

    /// <summary>Keras's t_mul: each period is this many times longer than the one before.</summary>
    public double TMul { get; }

    /// <summary>Keras's m_mul: each restart starts at this many times the rate the one before started at.</summary>
    public double MMul { get; }

    /// <summary>Keras's alpha.</summary>
    public double Alpha { get; }

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["first_decay_steps"] = FirstDecaySteps,
        ["t_mul"] = TMul,
        ["m_mul"] = MMul,
        ["alpha"] = Alpha,
        ["name"] = "SGDRDecay",
    };

    private protected override double Compute(double step)
    {
        double fraction = step / FirstDecaySteps;
        double restart;
        if (TMul == 1.0)
        {
            restart = Math.Floor(fraction);
            fraction -= restart;
        }
        else
        {
            restart = Math.Floor(Math.Log(1.0 - (fraction * (1.0 - TMul))) / Math.Log(TMul));
            double done = (1.0 - Math.Pow(TMul, restart)) / (1.0 - TMul);
            fraction = (fraction - done) / Math.Pow(TMul, restart);
        }

        double cosine = 0.5 * Math.Pow(MMul, restart) * (1.0 + Math.Cos(Math.PI * fraction));
        return InitialLearningRate * (((1 - Alpha) * cosine) + Alpha);
    }
}
