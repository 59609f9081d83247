using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;

namespace PSRnn.Infrastructure;

/// <summary>
/// Metrics as PowerShell properties: Measure-RnnModel's figures and each History record's (Accuracy, ValLoss,
/// ValAccuracy, …), under the same names, so that <c>$model.History.Accuracy</c> lists what Keras's
/// <c>history.history['accuracy']</c> does.
/// </summary>
internal static class MetricProperties
{
    /// <summary>The property name of a Keras metric name: <c>accuracy</c> → Accuracy, <c>mae</c> → MAE.</summary>
    public static string Title(string metric) =>
        metric switch
        {
            "mae" => "MAE",
            "auc" => "AUC",
            "pr_auc" => "PR_AUC",
            "error_rate" => "ErrorRate",
            _ => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(metric),
        };

    /// <summary>
    /// Gives every History record of <paramref name="model"/> a note property per metric it tracked, and ValLoss with
    /// Val… per validation metric. The records are the engine's own objects: PowerShell keeps the properties with the
    /// object, wherever it is read from, so this runs for each record a cmdlet adds or loads.
    /// </summary>
    public static void AddToHistory(Sequential model)
    {
        // Newest first, stopping at the first record done already: the older ones were done with it.
        for (int i = model.History.Count - 1; i >= 0; i--)
        {
            EpochRecord record = model.History[i];
            PSObject wrapped = PSObject.AsPSObject(record);
            if (record.Metrics.Count > 0 && wrapped.Properties[Title(record.Metrics.Keys.First())] is not null)
            {
                break;
            }

            AddTo(wrapped, record);
        }
    }

    /// <summary>Gives <paramref name="target"/> the note properties of <paramref name="record"/>'s metrics (Accuracy,
    /// ValLoss, ValAccuracy, …), as History records have.</summary>
    public static void AddTo(PSObject target, EpochRecord record)
    {
        foreach (var (name, value) in record.Metrics)
        {
            Add(target, Title(name), value);
        }

        if (record.ValidationLoss is { } validationLoss)
        {
            Add(target, "ValLoss", validationLoss);
            foreach (var (name, value) in record.ValidationMetrics ?? new Dictionary<string, double>())
            {
                Add(target, "Val" + Title(name), value);
            }
        }
    }

    private static void Add(PSObject record, string name, double value)
    {
        // A metric never shadows one of the record's own properties (Loss, Epoch, …).
        if (record.Properties[name] is null)
        {
            record.Properties.Add(new PSNoteProperty(name, value));
        }
    }
}
