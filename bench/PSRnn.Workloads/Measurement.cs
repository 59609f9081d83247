using System.Diagnostics;
using System.Globalization;

namespace PSRnn.Workloads;

/// <summary>Min, median and max over repetitions (the peer's <c>stats</c>).</summary>
internal sealed record Stats(double Min, double Median, double Max, int N)
{
    /// <summary>The statistics of <paramref name="values"/> (median of an even count: the mean of the middle two, as Python's).</summary>
    public static Stats Of(IEnumerable<double> values)
    {
        double[] xs = values.Order().ToArray();
        int n = xs.Length;
        double median = n % 2 == 1 ? xs[n / 2] : (xs[(n / 2) - 1] + xs[n / 2]) / 2;
        return new Stats(xs[0], median, xs[^1], n);
    }
}

/// <summary>
/// CPU time used by other processes during a window, in cores (0..processors), as torch_peer.py's ForeignCpu measures it:
/// busy jiffies of the whole machine from /proc/stat (user, nice, system, irq, softirq) minus this process's own CPU
/// time from /proc/self/stat, over the wall time. Linux only; elsewhere it reads 0.
/// </summary>
internal sealed class ForeignCpu
{
    // USER_HZ: the unit of /proc's tick counts, 100 on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100.0;

    private long _own0;
    private long _busy0;
    private long _wall0;

    /// <summary>Starts a window.</summary>
    public void Start()
    {
        _own0 = OwnTicks();
        _busy0 = BusyTicks();
        _wall0 = Stopwatch.GetTimestamp();
    }

    /// <summary>Ends the window: the other processes' CPU use in cores, at least 0.</summary>
    public double Stop()
    {
        long own = OwnTicks() - _own0;
        long busy = BusyTicks() - _busy0;
        double wall = Stopwatch.GetElapsedTime(_wall0).TotalSeconds;
        double foreign = (busy - own) / TicksPerSecond;
        return Math.Max(0, foreign) / wall;
    }

    /// <summary>Waits (at most <paramref name="maxWait"/> s) until other processes use under 0.15 cores; returns the seconds waited.</summary>
    public static double WaitQuiet(double maxWait, double threshold = 0.15, int probeMs = 500)
    {
        long t0 = Stopwatch.GetTimestamp();
        var probe = new ForeignCpu();
        while (true)
        {
            probe.Start();
            Thread.Sleep(probeMs);
            double foreign = probe.Stop();
            double waited = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (foreign < threshold || waited > maxWait)
            {
                return waited;
            }
        }
    }

    // user + nice + system + irq + softirq of the first line of /proc/stat.
    private static long BusyTicks()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        using var reader = new StreamReader("/proc/stat");
        string[] f = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Parse(f[1]) + Parse(f[2]) + Parse(f[3]) + Parse(f[6]) + Parse(f[7]);
    }

    // utime + stime of this process (fields 14 and 15 of /proc/self/stat, counted after the parenthesized name).
    private static long OwnTicks()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        string stat = File.ReadAllText("/proc/self/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return Parse(f[11]) + Parse(f[12]);
    }

    private static long Parse(string s) => long.Parse(s, CultureInfo.InvariantCulture);
}

/// <summary>The timing loop of torch_peer.py's <c>timed</c>: warm up, calibrate, then repetitions of a fixed work amount.</summary>
internal static class Timing
{
    /// <summary>The shortest warm-up before calibration, in seconds.</summary>
    public const double WarmUpSeconds = 1.5;

    /// <summary>
    /// Per-item times (s) of each repetition, the foreign CPU of each, the units run per repetition, and over all
    /// repetitions the bytes allocated per item and the gen-2 collections.
    /// </summary>
    /// <param name="unit">Runs one unit of work and returns how many items (batches or calls) it did.</param>
    /// <param name="reps">Repetitions.</param>
    /// <param name="repSeconds">Target length of one repetition.</param>
    /// <param name="quietWait">At most this long, before each repetition, wait for the machine to be quiet.</param>
    /// <param name="warmUp">Units run before anything is timed (and at least <see cref="WarmUpSeconds"/> of them).</param>
    public static (double[] PerItem, double[] Foreign, int Units, double AllocatedPerItem, int Gen2) Run(Func<int> unit, int reps, double repSeconds, double quietWait, int warmUp)
    {
        // Warm by time as well as by count: the JIT installs tier-1 code only after its call-counting back-off, and
        // at 2 threads on 2 cores its background compiler competes with both compute threads, so a small workload
        // (W6 inference: 0.4 ms a call) was still partly on tier-0 code seconds in (2026-12-05: 3 × 0.5 s reps read
        // 48,600–76,000 samples/s, and 76,600–78,000 with DOTNET_TieredCompilation=0).
        long warmUntil = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * WarmUpSeconds);
        for (int i = 0; i < warmUp || Stopwatch.GetTimestamp() < warmUntil; i++)
        {
            unit();
        }

        long t = Stopwatch.GetTimestamp();
        int n = 0;
        while (Stopwatch.GetElapsedTime(t).TotalSeconds < Math.Max(0.3, repSeconds / 3))
        {
            unit();
            n++;
        }

        int units = Math.Max(1, (int)Math.Round(n * repSeconds / Stopwatch.GetElapsedTime(t).TotalSeconds));
        var perItem = new double[reps];
        var foreign = new double[reps];
        long allocated = 0, allItems = 0;
        int gen2 = GC.CollectionCount(2);
        for (int r = 0; r < reps; r++)
        {
            ForeignCpu.WaitQuiet(quietWait);
            var fc = new ForeignCpu();
            fc.Start();
            long start = Stopwatch.GetTimestamp();
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            int items = 0;
            for (int i = 0; i < units; i++)
            {
                items += unit();
            }

            perItem[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / items;
            foreign[r] = fc.Stop();
            allocated += GC.GetAllocatedBytesForCurrentThread() - bytes;
            allItems += items;
        }

        return (perItem, foreign, units, (double)allocated / allItems, GC.CollectionCount(2) - gen2);
    }
}
