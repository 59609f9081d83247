namespace PSRnn.Engine.Data;

/// <summary>
/// A cyclical feature of a date and time, turned into two columns — sin(2π·f) and cos(2π·f) of the fraction f of its
/// period that has passed — so that 23:00 sits next to 00:00 and Sunday next to Monday, as time-series practice does
/// (a plain hour number puts them 23 apart).
/// </summary>
public enum DateTimeFeature
{
    /// <summary>The time of day: f = (hour + minute/60 + second/3600) / 24.</summary>
    Hour,

    /// <summary>The minute within the hour: f = (minute + second/60) / 60.</summary>
    Minute,

    /// <summary>The day of the week, Monday first: f = (day − Monday + hour/24) / 7.</summary>
    Weekday,

    /// <summary>The day within the month: f = (day − 1 + hour/24) / the month's days.</summary>
    DayOfMonth,

    /// <summary>The month within the year: f = (month − 1 + (day − 1 + hour/24)/the month's days) / 12.</summary>
    Month,

    /// <summary>The day within the year: f = (day of year − 1 + hour/24) / the year's days (365 or 366).</summary>
    DayOfYear,
}
