using System.Collections;
using System.Globalization;
using System.Text;
using PSRnn.Engine.IO;
using PSRnn.Models;

namespace PSRnn.Infrastructure;

/// <summary>
/// Invoke-RnnSweep's -ResultPath: a CSV file of one line a trial (trial, seed, params_&lt;name&gt;..., epochs, loss,
/// metrics, val_loss, val_ metrics, seconds, machine, error), rewritten whole and atomically (temporary file and rename)
/// after each trial, so that a crash or a lost machine leaves the last complete file. Parameter columns carry Optuna's
/// "params_" prefix, so that a parameter named Loss never meets the loss column; the figures are Keras CSVLogger's names.
/// </summary>
internal static class SweepResultFile
{
    public const string ParamPrefix = "params_";

    /// <summary>The file's header and rows as column → text (none when the file does not exist).</summary>
    public static (List<string> Header, List<Dictionary<string, string>> Rows) Read(string path)
    {
        var rows = new List<Dictionary<string, string>>();
        if (!File.Exists(path))
        {
            return ([], rows);
        }

        string[] lines = File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0)
        {
            return ([], rows);
        }

        List<string> header = CsvFields.Split(lines[0]);
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            List<string> record = CsvFields.Split(line);
            var row = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < header.Count && i < record.Count; i++)
            {
                row[header[i]] = record[i];
            }

            rows.Add(row);
        }

        return (header, rows);
    }

    /// <summary>The parameter names a file's header holds (its params_ columns).</summary>
    public static List<string> ParameterNames(IEnumerable<string> header) =>
        [.. header.Where(c => c.StartsWith(ParamPrefix, StringComparison.OrdinalIgnoreCase)).Select(c => c[ParamPrefix.Length..])];

    /// <summary>Whether a row is <paramref name="plan"/>'s, finished or failed: the same seed and values.</summary>
    public static bool IsOf(Dictionary<string, string> row, SweepTrialPlan plan) =>
        row.TryGetValue("seed", out string? seed) && seed == plan.Seed.ToString(CultureInfo.InvariantCulture)
        && plan.Parameters.Keys.Cast<string>().Zip(plan.ValueTexts)
            .All(p => row.TryGetValue(ParamPrefix + p.First, out string? text) && text == Field(p.Second));

    /// <summary>Whether a row is a finished trial's (no error).</summary>
    public static bool IsFinished(Dictionary<string, string> row) => !row.TryGetValue("error", out string? error) || error.Length == 0;

    /// <summary>A trial read back from its row.</summary>
    public static RnnSweepTrial ToTrial(Dictionary<string, string> row, SweepTrialPlan plan)
    {
        var trial = new RnnSweepTrial(plan.Number, plan.Parameters, plan.Seed)
        {
            Resumed = true,
            Epochs = int.TryParse(row.GetValueOrDefault("epochs"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int e) ? e : 0,
            Loss = Number(row.GetValueOrDefault("loss")),
            ValLoss = Number(row.GetValueOrDefault("val_loss")),
            Duration = TimeSpan.FromSeconds(Number(row.GetValueOrDefault("seconds")) ?? 0),
            Machine = row.GetValueOrDefault("machine"),
        };
        foreach (var (column, text) in row)
        {
            if (IsFixedColumn(column) || Number(text) is not { } value)
            {
                continue;
            }

            if (column.StartsWith("val_", StringComparison.OrdinalIgnoreCase))
            {
                trial.ValMetrics[column[4..]] = value;
            }
            else
            {
                trial.Metrics[column] = value;
            }
        }

        return trial;
    }

    /// <summary>
    /// Writes every trial's row (sorted by trial number), then <paramref name="kept"/>: the file's rows of trials this
    /// sweep does not have (another -Seed, values no longer in the grid), so that a rerun never drops results; replaces
    /// the file atomically.
    /// </summary>
    public static void Write(string path, IReadOnlyList<string> parameterNames, IEnumerable<RnnSweepTrial> trials,
        IReadOnlyList<Dictionary<string, string>> kept)
    {
        List<RnnSweepTrial> sorted = [.. trials.OrderBy(t => t.Trial)];
        List<string> metrics = [.. sorted.SelectMany(t => t.Metrics.Keys.Cast<string>())
            .Concat(kept.SelectMany(r => r.Keys).Where(c => !IsFixedColumn(c) && !c.StartsWith("val_", StringComparison.OrdinalIgnoreCase)))
            .Distinct(StringComparer.OrdinalIgnoreCase)];
        List<string> valMetrics = [.. sorted.SelectMany(t => t.ValMetrics.Keys.Cast<string>())
            .Concat(kept.SelectMany(r => r.Keys).Where(c => !IsFixedColumn(c) && c.StartsWith("val_", StringComparison.OrdinalIgnoreCase)).Select(c => c[4..]))
            .Distinct(StringComparer.OrdinalIgnoreCase)];
        var text = new StringBuilder();
        IEnumerable<string> header = ["trial", "seed", .. parameterNames.Select(p => ParamPrefix + p), "epochs", "loss", .. metrics,
            "val_loss", .. valMetrics.Select(m => "val_" + m), "seconds", "machine", "error"];
        List<string> columns = [.. header];
        Line(text, columns);
        foreach (RnnSweepTrial t in sorted)
        {
            IEnumerable<string> fields = [t.Trial.ToString(CultureInfo.InvariantCulture), t.Seed.ToString(CultureInfo.InvariantCulture),
                .. t.Parameters.Values.Cast<object?>().Select(SweepPlan.Text), t.Epochs.ToString(CultureInfo.InvariantCulture),
                SweepPlan.Text(t.Loss), .. metrics.Select(m => SweepPlan.Text(t.Metrics[m])), SweepPlan.Text(t.ValLoss),
                .. valMetrics.Select(m => SweepPlan.Text(t.ValMetrics[m])),
                t.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture), t.Machine ?? "", t.Error ?? ""];
            Line(text, fields);
        }

        foreach (Dictionary<string, string> row in kept)
        {
            Line(text, columns.Select(c => row.GetValueOrDefault(c) ?? ""));
        }

        byte[] bytes = new UTF8Encoding(false).GetBytes(text.ToString());
        AtomicFile.Write(path, stream => stream.Write(bytes), overwrite: true);
    }

    // The columns every file has, and the parameters': the rest are metrics.
    private static bool IsFixedColumn(string column) =>
        column.StartsWith(ParamPrefix, StringComparison.OrdinalIgnoreCase) || FixedColumns.Contains(column);

    private static readonly HashSet<string> FixedColumns = new(["trial", "seed", "epochs", "loss", "val_loss", "seconds", "machine", "error"], StringComparer.OrdinalIgnoreCase);

    private static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null;

    // A row a line: line breaks in a field (an error's message) become spaces.
    private static string Field(string text) => text.ReplaceLineEndings(" ");

    private static void Line(StringBuilder text, IEnumerable<string> fields)
    {
        text.AppendJoin(',', fields.Select(f => CsvFields.Quote(Field(f))));
        text.Append('\n');
    }
}
