using System.Collections;
using System.Management.Automation;
using PSRnn.Engine.Training;

namespace PSRnn.Infrastructure;

/// <summary>Turns -LossOption's hashtable, or a trained model's loss, into the options the engine's loss factory reads.</summary>
internal static class LossOptions
{
    /// <summary>The hashtable's entries with PowerShell's wrappers taken off the values; null for null.</summary>
    public static IReadOnlyDictionary<string, object?>? FromHashtable(Hashtable? options)
    {
        if (options is null)
        {
            return null;
        }

        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in options)
        {
            result[entry.Key.ToString() ?? string.Empty] = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
        }

        return result;
    }

    /// <summary>The options <paramref name="loss"/> was made with (its Keras config), or null.</summary>
    public static IReadOnlyDictionary<string, object?>? FromConfig(Loss? loss) =>
        loss is null || loss.Config.Count == 0 ? null : loss.Config.ToDictionary(p => p.Key, p => (object?)p.Value);
}
