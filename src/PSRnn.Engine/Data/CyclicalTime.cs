namespace PSRnn.Engine.Data;

/// <summary>The sin/cos columns of <see cref="DateTimeFeature"/>s, from a date's wall-clock fields.</summary>
public static class CyclicalTime
{
    /// <summary>
    /// Writes sin(2π·f), cos(2π·f) for each feature in order into <paramref name="destination"/> (2 per feature).
    /// The clock is the value's own (its Kind and any offset are not converted): a reading taken at 13:00 is 13:00.
    /// </summary>
    public static void Write(DateTime value, IReadOnlyList<DateTimeFeature> features, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (destination.Length < 2 * features.Count)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; {2 * features.Count} are written.", nameof(destination));
        }

        for (int i = 0; i < features.Count; i++)
        {
            double f = Fraction(value, features[i]);
            (double sin, double cos) = Math.SinCos(2 * Math.PI * f);
            destination[2 * i] = sin;
            destination[(2 * i) + 1] = cos;
        }
    }

    /// <summary>The fraction of the feature's period that has passed at <paramref name="value"/>, in [0, 1).</summary>
    public static double Fraction(DateTime value, DateTimeFeature feature)
    {
        double dayFraction = value.TimeOfDay.TotalDays;
        int monthDays = DateTime.DaysInMonth(value.Year, value.Month);
        return feature switch
        {
            DateTimeFeature.Hour => dayFraction,
            DateTimeFeature.Minute => (value.Minute + (value.Second / 60.0) + (value.Millisecond / 60_000.0)) / 60.0,
            DateTimeFeature.Weekday => ((((int)value.DayOfWeek + 6) % 7) + dayFraction) / 7.0,
            DateTimeFeature.DayOfMonth => (value.Day - 1 + dayFraction) / monthDays,
            DateTimeFeature.Month => (value.Month - 1 + ((value.Day - 1 + dayFraction) / monthDays)) / 12.0,
            DateTimeFeature.DayOfYear => (value.DayOfYear - 1 + dayFraction) / (DateTime.IsLeapYear(value.Year) ? 366.0 : 365.0),
            _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "Not a date-time feature."),
        };
    }
}
