using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training.Schedules;

namespace PSRnn.Infrastructure;

/// <summary>Invoke-RnnTraining's -LearningRateSchedule and -ReduceLROnPlateau arguments, checked together.</summary>
internal static class ScheduleArguments
{
    private static readonly string[] PlateauSettings =
        ["ReduceLRFactor", "ReduceLRPatience", "ReduceLRMinDelta", "ReduceLRCooldown", "ReduceLRMinRate"];

    /// <summary>
    /// The run's ReduceLROnPlateau: from the parameters when -ReduceLROnPlateau is given, else a resumed run's, else none.
    /// Refuses -LearningRate with -LearningRateSchedule, and a -ReduceLR… setting without the switch.
    /// </summary>
    /// <exception cref="ModelException">A plateau setting out of range.</exception>
    public static ReduceLROnPlateau? Plateau(PSCmdlet cmdlet, IDictionary<string, object> given, ReduceLROnPlateau? resumed)
    {
        if (given.TryGetValue("LearningRate", out object? rate) && given.ContainsKey("LearningRateSchedule"))
        {
            cmdlet.ThrowTerminatingError(Errors.Create("LearningRateWithSchedule", ErrorCategory.InvalidArgument, rate,
                "-LearningRate and -LearningRateSchedule both set the learning rate: the schedule has its own initial rate " +
                "(New-RnnLearningRateSchedule -InitialRate). Give one of them."));
        }

        bool on = given.TryGetValue("ReduceLROnPlateau", out object? value) && value is SwitchParameter { IsPresent: true };
        if (!on && PlateauSettings.FirstOrDefault(given.ContainsKey) is { } orphan)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("ReduceLRWithoutSwitch", ErrorCategory.InvalidArgument, given[orphan],
                $"-{orphan} is a setting of -ReduceLROnPlateau, which is not given: add -ReduceLROnPlateau to reduce the rate on a plateau."));
        }

        if (!on)
        {
            return given.ContainsKey("ReduceLROnPlateau") ? null : resumed;
        }

        return new ReduceLROnPlateau(Setting(given, "ReduceLRFactor", resumed?.Factor ?? 0.1), (int)Setting(given, "ReduceLRPatience", resumed?.Patience ?? 10),
            Setting(given, "ReduceLRMinDelta", resumed?.MinDelta ?? 1e-4), (int)Setting(given, "ReduceLRCooldown", resumed?.Cooldown ?? 0),
            Setting(given, "ReduceLRMinRate", resumed?.MinRate ?? 0));
    }

    private static double Setting(IDictionary<string, object> given, string name, double fallback) =>
        given.TryGetValue(name, out object? v) ? Convert.ToDouble(v is PSObject p ? p.BaseObject : v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
