using System.Diagnostics;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12's denial-of-service bound for a file of at most 1 MB: reading it (to a refusal or a load) allocates at most
/// 256 MB and takes at most 5 s, a hang guard far above the real cost (which each test writes to its output).
/// </summary>
internal static class Hdf5Bound
{
    public const long MaxAllocated = 256L << 20;

    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(5);

    public static T Within<T>(Func<T> action, string name, ITestOutputHelper output, long maxAllocated = MaxAllocated)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        // Processor time of this thread: the bound is on work, which a loaded machine does not change.
        var clock = ThreadCpuClock.StartNew();
        T result = action();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{name}: {clock.Elapsed.TotalMilliseconds:F1} ms, {allocated / 1024.0:F0} KiB allocated");
        Assert.True(allocated <= maxAllocated, $"{name}: {allocated:N0} bytes allocated");
        Assert.True(clock.Elapsed <= MaxTime, $"{name}: {clock.Elapsed}");
        return result;
    }
}
