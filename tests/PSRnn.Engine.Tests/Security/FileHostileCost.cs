using System.Diagnostics;
using PSRnn.Engine.Data;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// The denial-of-service bound of issue 12: a hostile file of at most 1 MB costs at most 256 MB and 5 s before it is
/// refused (or loads correctly). Allocations are counted on the calling thread (every reader here is synchronous), so
/// tests running in parallel do not count; the time is a hang guard only, the real cost is far below it.
/// </summary>
internal static class FileHostileCost
{
    public const long MaxFileBytes = 1_000_000;
    public const long MaxAllocatedBytes = 256_000_000;
    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="read"/>, which must throw the documented error, within the bound.</summary>
    public static DataFormatException AssertRefused(string errorId, Action read)
    {
        DataFormatException? error = null;
        Measure(() =>
        {
            error = Assert.Throws<DataFormatException>(read);
        });
        Assert.Equal(errorId, error!.ErrorId);
        return error;
    }

    /// <summary>Runs <paramref name="work"/> and asserts it stayed within the bound.</summary>
    public static void Measure(Action work)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        // Processor time of this thread: the bound is on work, which a loaded machine does not change.
        var clock = ThreadCpuClock.StartNew();
        work();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= MaxAllocatedBytes, $"allocated {allocated:N0} bytes, more than {MaxAllocatedBytes:N0}");
        Assert.True(clock.Elapsed <= MaxTime, $"took {clock.Elapsed.TotalSeconds:F1} s, more than {MaxTime.TotalSeconds} s");
    }

    /// <summary>Runs <paramref name="work"/> on its own thread and fails (instead of hanging the suite) if it blocks.</summary>
    /// <param name="work">What may block (an open() of a FIFO, say).</param>
    /// <param name="unblock">Releases a blocked <paramref name="work"/> after the failure (opens the FIFO's other end).</param>
    public static void WithoutBlocking(Action work, Action unblock)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true };
        thread.Start();
        if (!thread.Join(MaxTime))
        {
            unblock();
            thread.Join(MaxTime);
            Assert.Fail($"the read blocked for more than {MaxTime.TotalSeconds} s");
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}
