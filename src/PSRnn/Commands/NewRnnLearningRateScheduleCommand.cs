using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training.Schedules;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Creates a learning-rate schedule, as keras.optimizers.schedules, for Invoke-RnnTraining -LearningRateSchedule.</para>
/// <para type="description">Returns a schedule that gives the learning rate of every optimizer step with Keras's formula
/// for its kind, chosen by a switch: -Exponential (ExponentialDecay: InitialRate · DecayRate^(step / DecaySteps), the
/// exponent floored with -Staircase), -PiecewiseConstant (PiecewiseConstantDecay: Values[0] up to and including step
/// Boundaries[0], Values[i] up to Boundaries[i], the last value after), -Cosine (CosineDecay, from InitialRate, or after a
/// linear warm-up of -WarmupSteps steps from InitialRate to -WarmupTarget, down to Alpha times that rate over DecaySteps
/// steps), -CosineRestarts (CosineDecayRestarts: cosine periods of FirstDecaySteps steps, each TMul times longer and
/// starting MMul times higher than the last), -InverseTime (InverseTimeDecay: InitialRate / (1 + DecayRate · step /
/// DecaySteps), floored with -Staircase) and -Polynomial (PolynomialDecay: from InitialRate to EndRate over DecaySteps
/// steps as (1 − step/DecaySteps)^Power, restarting with -Cycle).</para>
/// <para type="description">Steps count the optimizer's updates from 0 (Keras's optimizer.iterations), one per batch,
/// and go on across training runs of the same model and through checkpoints. $schedule.RateAt(step) gives the rate of a
/// step and $schedule.RatesTo(n) the first n rates, to plot a schedule. Arguments that would make a rate negative or NaN
/// are refused here; a rate that overflows later (a DecayRate above 1) or ends (TMul below 1) stops training at that step
/// with the weights of the last completed epoch (ScheduledLearningRateInvalid).</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $schedule = New-RnnLearningRateSchedule -Exponential -InitialRate 0.1 -DecaySteps 10 -DecayRate 0.5 -Staircase
///     $schedule.RateAt(25)                           # 0.025: two drops of one half
///   </code>
///   <para>Runs as written: Keras's ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True).</para>
/// </example>
/// <example>
///   <code>
///     $schedule = New-RnnLearningRateSchedule -Cosine -InitialRate 0 -WarmupTarget 0.01 -WarmupSteps 100 -DecaySteps 1000
///     $model | Invoke-RnnTraining -X $x -Y $y -Epochs 20 -LearningRateSchedule $schedule
///   </code>
///   <para>A linear warm-up to 0.01 over 100 steps, then a cosine decay to 0 over 1000 steps.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "RnnLearningRateSchedule", DefaultParameterSetName = ExponentialSet)]
[OutputType(typeof(LearningRateSchedule))]
public sealed class NewRnnLearningRateScheduleCommand : PSCmdlet
{
    private const string ExponentialSet = "Exponential";
    private const string PiecewiseSet = "PiecewiseConstant";
    private const string CosineSet = "Cosine";
    private const string RestartsSet = "CosineRestarts";
    private const string InverseSet = "InverseTime";
    private const string PolynomialSet = "Polynomial";

    /// <summary>
    /// <para type="description">Keras's ExponentialDecay: InitialRate · DecayRate^(step / DecaySteps).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ExponentialSet)]
    public SwitchParameter Exponential { get; set; }

    /// <summary>
    /// <para type="description">Keras's PiecewiseConstantDecay: a constant rate between -Boundaries, from -Values.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = PiecewiseSet)]
    public SwitchParameter PiecewiseConstant { get; set; }

    /// <summary>
    /// <para type="description">Keras's CosineDecay, with an optional linear warm-up (-WarmupTarget, -WarmupSteps).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = CosineSet)]
    public SwitchParameter Cosine { get; set; }

    /// <summary>
    /// <para type="description">Keras's CosineDecayRestarts (SGDR): cosine periods with warm restarts.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = RestartsSet)]
    public SwitchParameter CosineRestarts { get; set; }

    /// <summary>
    /// <para type="description">Keras's InverseTimeDecay: InitialRate / (1 + DecayRate · step / DecaySteps).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = InverseSet)]
    public SwitchParameter InverseTime { get; set; }

    /// <summary>
    /// <para type="description">Keras's PolynomialDecay: from -InitialRate to -EndRate over -DecaySteps steps.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = PolynomialSet)]
    public SwitchParameter Polynomial { get; set; }

    /// <summary>
    /// <para type="description">The rate at step 0 (Keras's initial_learning_rate): a finite number ≥ 0.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ExponentialSet)]
    [Parameter(Mandatory = true, ParameterSetName = CosineSet)]
    [Parameter(Mandatory = true, ParameterSetName = RestartsSet)]
    [Parameter(Mandatory = true, ParameterSetName = InverseSet)]
    [Parameter(Mandatory = true, ParameterSetName = PolynomialSet)]
    public double InitialRate { get; set; }

    /// <summary>
    /// <para type="description">The steps of one decay (Keras's decay_steps): a number greater than 0.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ExponentialSet)]
    [Parameter(Mandatory = true, ParameterSetName = CosineSet)]
    [Parameter(Mandatory = true, ParameterSetName = InverseSet)]
    [Parameter(Mandatory = true, ParameterSetName = PolynomialSet)]
    public double DecaySteps { get; set; }

    /// <summary>
    /// <para type="description">Keras's decay_rate: the factor per DecaySteps steps (-Exponential), or the growth of the
    /// denominator (-InverseTime); a number ≥ 0.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = ExponentialSet)]
    [Parameter(Mandatory = true, ParameterSetName = InverseSet)]
    public double DecayRate { get; set; }

    /// <summary>
    /// <para type="description">Decays in whole steps of DecaySteps (Keras's staircase): the rate drops at each multiple.</para>
    /// </summary>
    [Parameter(ParameterSetName = ExponentialSet)]
    [Parameter(ParameterSetName = InverseSet)]
    public SwitchParameter Staircase { get; set; }

    /// <summary>
    /// <para type="description">The steps at which the rate changes (Keras's boundaries): strictly increasing.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = PiecewiseSet)]
    [ValidateNotNullOrEmpty]
    public long[] Boundaries { get; set; } = [];

    /// <summary>
    /// <para type="description">The rate before the first boundary, between each two, and after the last (Keras's
    /// values): one more than -Boundaries.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = PiecewiseSet)]
    [ValidateNotNullOrEmpty]
    public double[] Values { get; set; } = [];

    /// <summary>
    /// <para type="description">The rate the cosine ends at, as a fraction of the rate it starts from (Keras's alpha,
    /// default 0).</para>
    /// </summary>
    [Parameter(ParameterSetName = CosineSet)]
    [Parameter(ParameterSetName = RestartsSet)]
    public double Alpha { get; set; }

    /// <summary>
    /// <para type="description">With -Cosine, the rate a linear warm-up from -InitialRate reaches after -WarmupSteps
    /// steps, where the decay starts (Keras's warmup_target; default none: no warm-up).</para>
    /// </summary>
    [Parameter(ParameterSetName = CosineSet)]
    public double? WarmupTarget { get; set; }

    /// <summary>
    /// <para type="description">With -Cosine and -WarmupTarget, the steps of the warm-up (Keras's warmup_steps, default 0).</para>
    /// </summary>
    [Parameter(ParameterSetName = CosineSet)]
    public double WarmupSteps { get; set; }

    /// <summary>
    /// <para type="description">The steps of the first cosine period (Keras's first_decay_steps).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = RestartsSet)]
    public double FirstDecaySteps { get; set; }

    /// <summary>
    /// <para type="description">Each period is this many times longer than the last (Keras's t_mul, default 2).</para>
    /// </summary>
    [Parameter(ParameterSetName = RestartsSet)]
    public double TMul { get; set; } = 2.0;

    /// <summary>
    /// <para type="description">Each restart starts at this many times the rate the last one started at (Keras's m_mul,
    /// default 1).</para>
    /// </summary>
    [Parameter(ParameterSetName = RestartsSet)]
    public double MMul { get; set; } = 1.0;

    /// <summary>
    /// <para type="description">The rate at the end of the decay (Keras's end_learning_rate, default 0.0001).</para>
    /// </summary>
    [Parameter(ParameterSetName = PolynomialSet)]
    public double EndRate { get; set; } = 0.0001;

    /// <summary>
    /// <para type="description">The power of the polynomial (Keras's power, default 1: linear).</para>
    /// </summary>
    [Parameter(ParameterSetName = PolynomialSet)]
    public double Power { get; set; } = 1.0;

    /// <summary>
    /// <para type="description">Starts the decay again after DecaySteps steps, over a period that many steps longer
    /// (Keras's cycle), instead of staying at -EndRate.</para>
    /// </summary>
    [Parameter(ParameterSetName = PolynomialSet)]
    public SwitchParameter Cycle { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        LearningRateSchedule schedule;
        try
        {
            schedule = ParameterSetName switch
            {
                PiecewiseSet => new PiecewiseConstantDecay(Boundaries, Values),
                CosineSet => new CosineDecay(InitialRate, DecaySteps, Alpha, WarmupTarget, WarmupSteps),
                RestartsSet => new CosineDecayRestarts(InitialRate, FirstDecaySteps, TMul, MMul, Alpha),
                InverseSet => new InverseTimeDecay(InitialRate, DecaySteps, DecayRate, Staircase),
                PolynomialSet => new PolynomialDecay(InitialRate, DecaySteps, EndRate, Power, Cycle),
                _ => new ExponentialDecay(InitialRate, DecaySteps, DecayRate, Staircase),
            };
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, ParameterSetName));
            return;
        }

        WriteObject(schedule);
    }
}
