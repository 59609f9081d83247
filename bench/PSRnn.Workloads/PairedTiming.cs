namespace PSRnn.Workloads;

/// <summary>The two halves of a back-to-back pair measurement (RaggedTiming, OnnxRuntimeTiming): how many calls of a unit
/// fill a repetition, and the seconds per item over those calls.</summary>
internal static class PairedTiming
{
    // Calls of the unit (one epoch) that take about the given seconds, after a warm-up call.
    public static (int Units, double PerItem) Calibrate(Func<int> unit, double seconds)
    {
        unit();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        int calls = 0, items = 0;
        while (System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds < seconds / 2)
        {
            items += unit();
            calls++;
        }

        double perCall = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
        return (Math.Max(1, (int)Math.Round(seconds / perCall)), perCall * calls / items);
    }

    // Both units in turn until each has run for at least the given seconds (tier-1 code, workspaces, caches).
    public static void WarmUp(Func<int> a, Func<int> b, double seconds)
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(System.Diagnostics.Stopwatch.Frequency * seconds * 2);
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
            a();
            b();
        }
    }

    // Seconds per item (batch) over the given calls.
    public static double Time(Func<int> unit, int calls)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        int items = 0;
        for (int i = 0; i < calls; i++)
        {
            items += unit();
        }

        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / items;
    }
}
