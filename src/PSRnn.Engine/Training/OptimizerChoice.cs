using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// The optimizer a training run uses, from what the user asked (Keras's <c>compile(optimizer=SGD(momentum=…,
/// nesterov=…, weight_decay=…))</c>) and what the model kept from an earlier run.
/// </summary>
public static class OptimizerChoice
{
    /// <summary>
    /// The kept optimizer when no name is given and nothing asked conflicts with it (its state carries on), else a
    /// fresh one of the named kind (Adam by default, SGD when only SGD settings are asked of a kept SGD); then the
    /// learning rate and weight decay, when given, are set on it.
    /// </summary>
    /// <param name="kept">The model's optimizer from an earlier run or checkpoint, or null.</param>
    /// <param name="name">The optimizer's Keras name, or null.</param>
    /// <param name="learningRate">The learning rate, or null for the kept one or Keras's default.</param>
    /// <param name="momentum">SGD's momentum in [0, 1), or null.</param>
    /// <param name="nesterov">SGD's Nesterov momentum (needs a momentum above 0).</param>
    /// <param name="weightDecay">Keras's decoupled weight decay (≥ 0), or null to keep the optimizer's.</param>
    /// <exception cref="ModelException">A setting out of range or for another optimizer (stable IDs
    /// <c>MomentumOutOfRange</c>, <c>WeightDecayOutOfRange</c>, <c>MomentumNeedsSgd</c>, <c>NesterovNeedsMomentum</c>).</exception>
    /// <exception cref="ArgumentException">The name is not a known optimizer.</exception>
    public static Optimizer Resolve(Optimizer? kept, string? name, float? learningRate, float? momentum, bool nesterov, float? weightDecay)
    {
        if (momentum is float mu && !(mu >= 0 && mu < 1))
        {
            throw new ModelException("MomentumOutOfRange",
                $"The momentum {mu} is out of range: SGD's momentum must be at least 0 and below 1 (0.9 is usual).");
        }

        if (weightDecay is float wd && !(wd >= 0 && float.IsFinite(wd)))
        {
            throw new ModelException("WeightDecayOutOfRange",
                $"The weight decay {wd} is out of range: it must be a finite number ≥ 0 (Keras's AdamW uses 0.004).");
        }

        bool sgdSettings = momentum is not null || nesterov;
        if (nesterov && !(momentum > 0))
        {
            // Keras accepts nesterov=True with momentum 0 and ignores it; a switch that does nothing is a mistake here.
            throw new ModelException("NesterovNeedsMomentum",
                "-Nesterov changes SGD's momentum update, so it needs a momentum: add -Momentum 0.9 (or another value above 0).");
        }

        Optimizer optimizer;
        if (name is null && kept is not null && (!sgdSettings || kept is Sgd s && s.Momentum == momentum && s.Nesterov == nesterov))
        {
            optimizer = kept;
        }
        else
        {
            string kind = name ?? (sgdSettings && kept is Sgd ? "sgd" : "adam");
            optimizer = Optimizers.Create(kind, learningRate);
            if (sgdSettings)
            {
                optimizer = optimizer is Sgd ? new Sgd(optimizer.LearningRate, momentum ?? 0f, nesterov, optimizer.WeightDecay)
                    : throw new ModelException("MomentumNeedsSgd",
                        $"-Momentum and -Nesterov are settings of SGD, not of {optimizer.KerasName}: add -Optimizer sgd, or leave them out.");
            }
        }

        if (learningRate is float rate)
        {
            // An explicit rate replaces the schedule a kept optimizer has (a scheduled rate cannot be set).
            optimizer.Schedule = null;
            optimizer.LearningRate = rate;
        }

        if (weightDecay is not null)
        {
            optimizer.WeightDecay = weightDecay;
        }

        return optimizer;
    }

    /// <summary>
    /// The optimizer of a resumed run: the checkpoint's, whose slots, step count, schedule position and rate are the run's
    /// (as Keras's BackupAndRestore restores the optimizer's variables over what compile built), so the original command
    /// line resumes exactly. Settings given again must describe that optimizer. A learning rate given again leaves the
    /// checkpoint's rate (which a plateau may have reduced from it) in place, as Keras's restore does; the caller says so
    /// when the two differ.
    /// </summary>
    /// <param name="kept">The checkpoint's optimizer.</param>
    /// <param name="name">The optimizer's Keras name, or null.</param>
    /// <param name="momentum">SGD's momentum, or null.</param>
    /// <param name="nesterov">Whether -Nesterov was given.</param>
    /// <param name="weightDecay">The weight decay, or null.</param>
    /// <param name="schedule">The learning-rate schedule, or null.</param>
    /// <param name="learningRate">The learning rate, or null.</param>
    /// <exception cref="ModelException">A setting that is not the checkpoint optimizer's (<c>ResumeOptimizerMismatch</c>).</exception>
    public static Optimizer ForResume(Optimizer kept, string? name, float? momentum, bool nesterov, float? weightDecay,
        Schedules.LearningRateSchedule? schedule, float? learningRate)
    {
        ArgumentNullException.ThrowIfNull(kept);
        string? problem = null;
        if (name is not null && !string.Equals(name.Trim(), kept.KerasName, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"-Optimizer {name}";
        }
        else if (momentum is float mu && (kept is not Sgd sgd || sgd.Momentum != mu))
        {
            problem = $"-Momentum {mu}";
        }
        else if (nesterov && kept is not Sgd { Nesterov: true })
        {
            problem = "-Nesterov";
        }
        else if (weightDecay is float wd && kept.WeightDecay != wd)
        {
            problem = $"-WeightDecay {wd}";
        }
        else if (schedule is not null && kept.Schedule?.ToString() != schedule.ToString())
        {
            problem = $"-LearningRateSchedule {schedule}";
        }
        else if (learningRate is not null && kept.Schedule is not null)
        {
            problem = "-LearningRate (the checkpoint's rate follows a schedule)";
        }

        return problem is null ? kept : throw new ModelException("ResumeOptimizerMismatch",
            $"The checkpoint's run trained with {kept}; {problem} describes another optimizer, whose state the checkpoint does not hold. "
            + "Resume with the run's own settings (or none: the checkpoint's are used), or start a new run without -ResumeFrom.");
    }
}
