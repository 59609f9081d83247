using System.Diagnostics;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12's denial-of-service bound for model files: a hostile file of at most 1 MB costs at most 256 MB and 5 s before
/// it is refused (or loads). Allocation is measured on the calling thread (readers use no other), so tests running in
/// parallel do not disturb it; the time is this thread's processor time (ThreadCpuClock), a guard against runaway work — the real cost is far below it.
/// </summary>
internal static class ModelFileCost
{
    public const long MaxAllocated = 256L << 20;

    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="read"/>, asserts the bound, and returns its result.</summary>
    public static T Within<T>(Func<T> read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        // Processor time of this thread: the bound is on work, which a loaded machine does not change.
        var clock = ThreadCpuClock.StartNew();
        T result;
        try
        {
            result = read();
        }
        finally
        {
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= MaxAllocated, $"allocated {allocated:N0} bytes (bound {MaxAllocated:N0})");
            Assert.True(clock.Elapsed <= MaxTime, $"took {clock.Elapsed.TotalSeconds:F2} s (bound {MaxTime.TotalSeconds} s)");
        }

        return result;
    }

    /// <summary>Runs <paramref name="read"/> within the bound and returns the ErrorId it failed with.</summary>
    public static string RefusedWith(Action read)
    {
        Exception? error = Within<Exception?>(() =>
        {
            try
            {
                read();
                return null;
            }
            catch (Exception e) when (e is DataFormatException or ModelException)
            {
                return e;
            }
        });
        Assert.NotNull(error);
        return error switch
        {
            DataFormatException d => d.ErrorId,
            ModelException m => m.ErrorId,
            _ => throw new InvalidOperationException(),
        };
    }
}
