using System.Diagnostics;
using System.Globalization;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// The calling thread's processor time, for the cost bounds of the hostile-file tests: a bound on work done, which other
/// jobs on a shared machine do not eat into (the wall clock of a test on 2 cores under load 20 ran 7 s for 1 s of work).
/// Linux reads /proc/thread-self/stat (user + system ticks of this thread); elsewhere it falls back to the wall clock.
/// </summary>
internal sealed class ThreadCpuClock
{
    private static readonly bool HasProc = OperatingSystem.IsLinux() && File.Exists("/proc/thread-self/stat");
    private readonly TimeSpan _start;
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    private ThreadCpuClock() => _start = Now();

    /// <summary>The thread's processor time since <see cref="StartNew"/> (or the wall time without /proc).</summary>
    public TimeSpan Elapsed => HasProc ? Now() - _start : _wall.Elapsed;

    /// <summary>Starts counting for the calling thread; read <see cref="Elapsed"/> on the same thread.</summary>
    public static ThreadCpuClock StartNew() => new();

    private static TimeSpan Now()
    {
        if (!HasProc)
        {
            return TimeSpan.Zero;
        }

        // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15 (man 5 proc), in clock ticks
        // of 1/100 s on Linux's every configuration since 2.6 (USER_HZ).
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
