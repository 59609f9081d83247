using System.Globalization;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's <c>keras.optimizers.schedules.LearningRateSchedule</c>: the learning rate as a function of the optimizer's
/// step count. An optimizer whose <see cref="Optimizer.Schedule"/> is set takes its rate for step t (0-based, Keras's
/// <c>optimizer.iterations</c> before the update) from <see cref="RateAt"/>, so the count continues across training runs
/// of the same optimizer and through checkpoints. The formulas are Keras 3's, evaluated in double precision and rounded
/// once to the float32 the optimizer uses (Keras evaluates them in float32).
/// </summary>
/// <remarks>Schedules are immutable: the same step always gives the same rate.</remarks>
public abstract class LearningRateSchedule
{
    private protected LearningRateSchedule()
    {
    }

    /// <summary>Keras's class name: <c>ExponentialDecay</c>, <c>PiecewiseConstantDecay</c>, <c>CosineDecay</c>,
    /// <c>CosineDecayRestarts</c>, <c>InverseTimeDecay</c>, <c>PolynomialDecay</c>.</summary>
    public abstract string KerasName { get; }

    /// <summary>The rate at step 0.</summary>
    public float InitialRate => Evaluate(0);

    /// <summary>
    /// The learning rate of step <paramref name="step"/> (0 is the first update), as Keras's <c>schedule(step)</c>.
    /// </summary>
    /// <exception cref="ModelException">The rate at that step is negative, NaN or infinite in float32
    /// (<c>ScheduledLearningRateInvalid</c>): the schedule cannot drive an optimizer there.</exception>
    public float RateAt(long step)
    {
        float rate = Evaluate(step);
        if (!float.IsFinite(rate) || rate < 0)
        {
            throw new ModelException("ScheduledLearningRateInvalid", string.Create(CultureInfo.InvariantCulture,
                $"The {this} schedule gives the learning rate {rate} at step {step}; a learning rate must be a finite number ≥ 0. Training stops before that step, with the weights of the last completed epoch; choose parameters that keep the rate finite."));
        }

        return rate;
    }

    /// <summary>
    /// The rate at <paramref name="step"/> without the range check of <see cref="RateAt"/> (what an optimizer reports as its
    /// next rate, which may be a value it will refuse to step with).
    /// </summary>
    public float Evaluate(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return (float)Compute(step);
    }

    /// <summary>The rates of steps 0 to <paramref name="count"/> − 1, to plot a schedule.</summary>
    public float[] RatesTo(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rates = new float[count];
        for (int i = 0; i < count; i++)
        {
            rates[i] = Evaluate(i);
        }

        return rates;
    }

    /// <summary>Keras's <c>get_config()</c>: the constructor's arguments by Keras's names (Python floats as doubles).</summary>
    public abstract IReadOnlyDictionary<string, object?> GetConfig();

    /// <summary>Keras's repr-like text: <c>ExponentialDecay(initial_learning_rate=0.1, decay_steps=100, …)</c>.</summary>
    public override string ToString() =>
        KerasName + "(" + string.Join(", ", GetConfig().Where(kv => kv.Key != "name").Select(kv => kv.Key + "=" + Text(kv.Value))) + ")";

    /// <summary>The schedule's formula at a (non-negative) step, in double precision.</summary>
    private protected abstract double Compute(double step);

    /// <summary>A learning rate argument: finite and ≥ 0 (<c>LearningRateScheduleRateInvalid</c> otherwise).</summary>
    private protected static double Rate(double value, string parameter) =>
        double.IsFinite(value) && value >= 0 ? value
            : throw Invalid("LearningRateScheduleRateInvalid", parameter, value, "a learning rate must be a finite number ≥ 0");

    /// <summary>A step count that divides: finite and > 0 (Keras's ValueError on decay_steps ≤ 0).</summary>
    private protected static double Steps(double value, string parameter) =>
        double.IsFinite(value) && value > 0 ? value
            : throw Invalid("LearningRateScheduleStepsNotPositive", parameter, value, "it must be a finite number of steps greater than 0");

    /// <summary>A factor that keeps every rate ≥ 0: finite and ≥ 0.</summary>
    private protected static double Factor(double value, string parameter, string why) =>
        double.IsFinite(value) && value >= 0 ? value
            : throw Invalid("LearningRateScheduleInvalidFactor", parameter, value, why);

    private protected static ModelException Invalid(string id, string parameter, double value, string why) =>
        new(id, string.Create(CultureInfo.InvariantCulture, $"-{parameter} is {value}: {why}."));

    private static string Text(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable list and not string =>
            "[" + string.Join(", ", list.Cast<object?>().Select(Text)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
