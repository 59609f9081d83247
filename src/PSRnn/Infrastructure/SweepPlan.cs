using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PSRnn.Infrastructure;

/// <summary>One planned trial of a sweep: its number, its parameter values and its seed.</summary>
internal sealed record SweepTrialPlan(int Number, OrderedDictionary Parameters, ulong Seed)
{
    /// <summary>The canonical text of each parameter's value, as the result file holds it.</summary>
    public IEnumerable<string> ValueTexts => Parameters.Values.Cast<object?>().Select(SweepPlan.Text);
}

/// <summary>
/// The trials of Invoke-RnnSweep: the grid of -Parameters (the first key varying slowest, as nested loops would), or
/// -Random draws from it; and each trial's seed, a hash of the sweep's seed and the trial's values, so that a trial has
/// the same seed whichever runspace or machine runs it and in whatever order.
/// </summary>
internal static class SweepPlan
{
    /// <summary>The largest grid enumerated whole; -Random draws from any size.</summary>
    public const long MaxGrid = 1_000_000;

    /// <summary>The sweep's parameters and their candidate values, in -Parameters' order (sorted by name for a plain hashtable).</summary>
    public static List<(string Name, object?[] Values)> Axes(IDictionary parameters)
    {
        IEnumerable<DictionaryEntry> entries = parameters.Cast<DictionaryEntry>();
        if (parameters is not IOrderedDictionary)
        {
            // A hashtable's order is its hash buckets': sort, so the trials are numbered the same in every process.
            entries = entries.OrderBy(e => e.Key.ToString(), StringComparer.OrdinalIgnoreCase);
        }

        return [.. entries.Select(e => (e.Key.ToString()!, Values(e.Value)))];
    }

    /// <summary>A parameter's candidates: a list's items, or a single value as a list of one (Optimizer = 'adam').</summary>
    public static object?[] Values(object? value)
    {
        value = Unwrap(value);
        if (value is string || value is null || value is IDictionary || value is System.Management.Automation.ScriptBlock)
        {
            return value is string ? [value] : [];
        }

        return value is IEnumerable list ? [.. list.Cast<object?>().Select(Unwrap)] : [value];
    }

    /// <summary>The value's type as the error message names it, when it cannot be a parameter's candidates.</summary>
    public static string? NotAList(object? value) => Unwrap(value) switch
    {
        null => "$null",
        IDictionary => "a hashtable",
        System.Management.Automation.ScriptBlock => "a script block",
        _ => null,
    };

    /// <summary>How many trials the grid has, or -1 past <see cref="long.MaxValue"/>.</summary>
    public static long GridSize(List<(string Name, object?[] Values)> axes)
    {
        long size = 1;
        foreach (var (_, values) in axes)
        {
            if (values.Length != 0 && size > long.MaxValue / values.Length)
            {
                return -1;
            }

            size *= values.Length;
        }

        return size;
    }

    /// <summary>The trials: the whole grid, or <paramref name="draws"/> distinct points of it drawn with the sweep's seed.</summary>
    public static List<SweepTrialPlan> Trials(List<(string Name, object?[] Values)> axes, int? draws, ulong seed)
    {
        long size = GridSize(axes);
        IEnumerable<long> points;
        if (draws is { } n && (size < 0 || n < size))
        {
            // SplitMix64 from the sweep seed: the same draws in every process and .NET version (System.Random promises neither).
            var drawn = new List<long>(n);
            var seen = new HashSet<long>();
            ulong state = seed ^ 0x5DEECE66DUL;
            ulong range = size < 0 ? ulong.MaxValue : (ulong)size;
            while (drawn.Count < n)
            {
                long point = (long)(SplitMix64(ref state) % range);
                if (seen.Add(point))
                {
                    drawn.Add(point);
                }
            }

            points = drawn;
        }
        else
        {
            points = Enumerable.Range(0, (int)size).Select(i => (long)i);
        }

        var trials = new List<SweepTrialPlan>();
        foreach (long point in points)
        {
            var values = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            long rest = point;
            for (int axis = axes.Count - 1; axis >= 0; axis--)
            {
                object?[] candidates = axes[axis].Values;
                values.Insert(0, axes[axis].Name, candidates[rest % candidates.Length]);
                rest /= candidates.Length;
            }

            trials.Add(new SweepTrialPlan(trials.Count + 1, values, TrialSeed(seed, values)));
        }

        return trials;
    }

    /// <summary>
    /// A trial's seed: the first 8 bytes (little-endian) of SHA-256 over the sweep seed and the "name=value" lines of its
    /// parameters sorted by name (lower case), values in their invariant text; so it depends on the values, never on
    /// the order of -Parameters, the trial's number or the machine.
    /// </summary>
    public static ulong TrialSeed(ulong sweepSeed, OrderedDictionary parameters)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{sweepSeed}\n");
        foreach (var (name, value) in parameters.Cast<DictionaryEntry>()
            .Select(e => (Name: ((string)e.Key).ToLowerInvariant(), e.Value)).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.Append(name).Append('=').Append(Text(value)).Append('\n');
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    /// <summary>A value's canonical text: invariant culture, doubles round-trippable ("R"), booleans lower case.</summary>
    public static string Text(object? value) => Unwrap(value) switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        object o => o.ToString() ?? "",
    };

    private static object? Unwrap(object? value) => value is System.Management.Automation.PSObject { BaseObject: var inner } ? inner : value;

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
