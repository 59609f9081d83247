namespace PSRnn.Engine.Tests;

/// <summary>
/// Asserts that steady-state work allocates nothing on the calling thread. Work that hands chunks to the engine's workers
/// can see their queue allocate on the caller now and then (a new queue segment) on its own schedule;
/// code that allocated per iteration would do so in every attempt, so one clean attempt out of three is the test.
/// </summary>
internal static class AllocationProbe
{
    public static void AssertNone(Action iteration, int iterationsPerAttempt = 3, int attempts = 3)
    {
        var seen = new List<long>();
        for (int a = 0; a < attempts; a++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterationsPerAttempt; i++)
            {
                iteration();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0)
            {
                return;
            }

            seen.Add(allocated);
        }

        Assert.Fail($"Every attempt allocated: {string.Join(", ", seen)} bytes over {iterationsPerAttempt} iterations each.");
    }
}
