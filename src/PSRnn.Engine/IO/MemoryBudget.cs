using System.Globalization;

namespace PSRnn.Engine.IO;

/// <summary>
/// How much memory this process may use, so that work whose size is known up front (an array a header declares, the
/// workspaces of a training run) is refused with the figure it needs instead of failing half-way with OutOfMemory.
/// </summary>
public static class MemoryBudget
{
    // Tests lower the budget to exercise the refusals; per thread, so nothing else sees it.
    [ThreadStatic]
    private static long t_limit;

    /// <summary>
    /// The bytes this process may hold: the GC's view of physical memory, or of the container's or
    /// <c>DOTNET_GCHeapHardLimit</c>'s limit when one is set.
    /// </summary>
    public static long Available => t_limit > 0 ? t_limit : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Whether <paramref name="bytes"/> more can be allocated without exceeding <see cref="Available"/>.</summary>
    public static bool Fits(long bytes) => bytes >= 0 && bytes <= Available;

    /// <summary>A byte count for messages: "4.0 TiB (4,398,046,511,104 bytes)".</summary>
    public static string Describe(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]} ({bytes:N0} bytes)");
    }

    /// <summary>"needs X of memory; this process can use at most Y" — the clause every refusal shares.</summary>
    public static string Shortfall(long bytes) =>
        $"needs {Describe(bytes)} of memory; this process can use at most {Describe(Available)}";

    /// <summary>Sets <see cref="Available"/> on this thread until disposed (tests only).</summary>
    internal static IDisposable Limit(long bytes)
    {
        long previous = t_limit;
        t_limit = bytes;
        return new Scope(() => t_limit = previous);
    }

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
