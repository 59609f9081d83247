using System.Globalization;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's ReduceLROnPlateau callback in mode min, monitoring the validation loss (the loss without validation data).
/// At each epoch's end: in cooldown, the cooldown counter falls by one and wait is 0; an epoch improves when
/// <c>float32(monitored − (−min_delta)) &lt; float32(best)</c> (the first epoch always does) and then becomes the best with
/// wait 0; otherwise, out of cooldown, wait grows and at <c>wait ≥ patience</c> the rate becomes
/// <c>max(lr · factor, min_lr)</c> if <c>lr &gt; float32(min_lr)</c>, which starts a cooldown of <c>cooldown</c> epochs
/// and sets wait to 0 (at the floor, wait keeps growing).
/// </summary>
/// <remarks>As Keras's, the state starts afresh with each training run (on_train_begin), and is carried through a
/// checkpoint into the resumed run. The rate it sets is the optimizer's own, so it cannot drive an optimizer that a
/// schedule drives (Keras's "learning rate is not settable").</remarks>
public sealed class ReduceLROnPlateau
{
    /// <summary>Creates the callback's settings; Keras's defaults.</summary>
    /// <exception cref="ModelException">Factor not in (0, 1) (<c>ReduceLRFactorOutOfRange</c>), or a patience,
    /// cooldown, min delta or min rate out of range (<c>ReduceLRSettingOutOfRange</c>).</exception>
    public ReduceLROnPlateau(double factor = 0.1, int patience = 10, double minDelta = 1e-4, int cooldown = 0, double minRate = 0)
    {
        if (!(factor > 0 && factor < 1))
        {
            throw new ModelException("ReduceLRFactorOutOfRange", string.Create(CultureInfo.InvariantCulture,
                $"-ReduceLRFactor is {factor}; the new rate is the old one times the factor, so it must be greater than 0 and less than 1 (Keras's default 0.1)."));
        }

        Factor = factor;
        Patience = patience >= 0 ? patience : throw Range("ReduceLRPatience", patience, "a whole number of epochs ≥ 0");
        MinDelta = double.IsFinite(minDelta) && minDelta >= 0 ? minDelta : throw Range("ReduceLRMinDelta", minDelta, "a finite number ≥ 0");
        Cooldown = cooldown >= 0 ? cooldown : throw Range("ReduceLRCooldown", cooldown, "a whole number of epochs ≥ 0");
        MinRate = double.IsFinite(minRate) && minRate >= 0 ? minRate : throw Range("ReduceLRMinRate", minRate, "a finite learning rate ≥ 0");
    }

    /// <summary>Keras's factor: the new rate is the old one times this.</summary>
    public double Factor { get; }

    /// <summary>Keras's patience: epochs without improvement before the rate is reduced.</summary>
    public int Patience { get; }

    /// <summary>Keras's min_delta: the least decrease that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>Keras's cooldown: epochs after a reduction during which nothing is counted.</summary>
    public int Cooldown { get; }

    /// <summary>Keras's min_lr: the rate is never reduced below this.</summary>
    public double MinRate { get; }

    /// <summary>
    /// Keras's on_epoch_end: updates <paramref name="state"/> with the epoch's <paramref name="monitored"/> value and
    /// reduces <paramref name="optimizer"/>'s learning rate when the plateau has lasted <see cref="Patience"/> epochs.
    /// </summary>
    /// <returns>Whether the rate was reduced.</returns>
    public bool OnEpochEnd(PlateauState state, double monitored, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (state.CooldownCounter > 0)
        {
            state.CooldownCounter--;
            state.Wait = 0;
        }

        // Keras compares through keras.ops, which makes float32 tensors of the two Python floats.
        if (state.Best is not { } best || (float)(monitored + MinDelta) < (float)best)
        {
            state.Best = monitored;
            state.Wait = 0;
            return false;
        }

        if (state.CooldownCounter > 0 || ++state.Wait < Patience)
        {
            return false;
        }

        double old = optimizer.LearningRate;
        if (!(old > (float)MinRate))
        {
            return false;
        }

        optimizer.LearningRate = (float)Math.Max(old * Factor, MinRate);
        state.CooldownCounter = Cooldown;
        state.Wait = 0;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ReduceLROnPlateau(factor={Factor}, patience={Patience}, min_delta={MinDelta}, cooldown={Cooldown}, min_lr={MinRate})");

    private static ModelException Range(string parameter, double value, string what) =>
        new("ReduceLRSettingOutOfRange", string.Create(CultureInfo.InvariantCulture, $"-{parameter} is {value}; it must be {what}."));
}
