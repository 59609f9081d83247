using PSRnn.Engine.Data;

namespace PSRnn.Engine.Tests.Data;

public sealed class CyclicalTimeTests
{
    [Theory]
    [InlineData("2024-01-01T06:00:00", DateTimeFeature.Hour, 0.25)]          // a quarter of the day
    [InlineData("2024-01-01T23:59:59", DateTimeFeature.Hour, 86399 / 86400.0)]
    [InlineData("2024-01-01T00:00:00", DateTimeFeature.Weekday, 0.0)]        // a Monday
    [InlineData("2024-01-07T12:00:00", DateTimeFeature.Weekday, 6.5 / 7)]    // Sunday noon
    [InlineData("2024-01-01T00:30:00", DateTimeFeature.Minute, 0.5)]
    [InlineData("2024-02-15T00:00:00", DateTimeFeature.DayOfMonth, 14 / 29.0)] // 2024 is a leap year
    [InlineData("2024-07-01T00:00:00", DateTimeFeature.Month, 0.5)]
    [InlineData("2023-12-31T12:00:00", DateTimeFeature.DayOfYear, 364.5 / 365)]
    [InlineData("2024-12-31T12:00:00", DateTimeFeature.DayOfYear, 365.5 / 366)]
    public void FractionOfThePeriod(string when, DateTimeFeature feature, double expected) =>
        Assert.Equal(expected, CyclicalTime.Fraction(DateTime.Parse(when, System.Globalization.CultureInfo.InvariantCulture), feature), 12);

    [Fact]
    public void WritesSinThenCosPerFeature()
    {
        var values = new double[4];
        CyclicalTime.Write(new DateTime(2024, 1, 3, 18, 0, 0), [DateTimeFeature.Hour, DateTimeFeature.Weekday], values);
        Assert.Equal(-1, values[0], 12);     // 18:00: three quarters of the day
        Assert.Equal(0, values[1], 12);
        double f = (2 + 0.75) / 7;           // Wednesday evening
        Assert.Equal(Math.Sin(2 * Math.PI * f), values[2], 12);
        Assert.Equal(Math.Cos(2 * Math.PI * f), values[3], 12);
    }

    [Fact]
    public void MidnightMeetsTheLastHour()
    {
        // The point of the encoding: 23:00 and 01:00 are as close as 11:00 and 13:00.
        double Distance(DateTime a, DateTime b)
        {
            var x = new double[2];
            var y = new double[2];
            CyclicalTime.Write(a, [DateTimeFeature.Hour], x);
            CyclicalTime.Write(b, [DateTimeFeature.Hour], y);
            return Math.Sqrt(((x[0] - y[0]) * (x[0] - y[0])) + ((x[1] - y[1]) * (x[1] - y[1])));
        }

        var day = new DateTime(2024, 5, 5);
        Assert.Equal(Distance(day.AddHours(11), day.AddHours(13)), Distance(day.AddHours(23), day.AddHours(25)), 12);
    }
}
