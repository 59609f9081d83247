using System.Globalization;

namespace PSRnn.Infrastructure;

/// <summary>
/// Numbers as Keras prints its losses and metrics (keras.utils.Progbar): four decimals, or four in scientific notation
/// at magnitudes of 1e-3 and below, so that a small loss does not print as 0.0000. Public because the default views in
/// PSRnn.Format.ps1xml call it, so that History, evaluations, model summaries and epoch lines print numbers alike.
/// </summary>
public static class KerasFormat
{
    /// <summary>The value as Keras prints it: <c>0.4321</c>, <c>5.0000e-04</c>.</summary>
    /// <param name="value">A loss or metric.</param>
    public static string Number(double value) =>
        value.ToString(Math.Abs(value) > 1e-3 ? "F4" : "0.0000e+00", CultureInfo.InvariantCulture);

    /// <summary>A duration as Keras's progress line shows one: whole seconds, else milliseconds, else microseconds.</summary>
    /// <param name="duration">The time taken.</param>
    public static string Duration(TimeSpan duration)
    {
        double seconds = duration.TotalSeconds;
        return seconds >= 1 || seconds == 0 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:F0}s")
            : seconds >= 1e-3 ? string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:F0}ms")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:F0}us");
    }
}
