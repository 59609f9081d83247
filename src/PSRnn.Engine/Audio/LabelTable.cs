using PSRnn.Engine.Data;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Labels for audio files from a CSV file with a header row naming a <c>file</c> and a <c>label</c> column (any
/// order, other columns ignored; RFC 4180 quoting). Files are paths relative to the CSV's folder (or absolute);
/// a file is found by its full path, or else by its file name when that name is unique in the table.
/// </summary>
public sealed class LabelTable
{
    private readonly Dictionary<string, string> _byPath;
    private readonly Dictionary<string, string?> _byName; // null: the name is not unique

    private LabelTable(Dictionary<string, string> byPath, Dictionary<string, string?> byName)
    {
        _byPath = byPath;
        _byName = byName;
    }

    /// <summary>The number of rows.</summary>
    public int Count => _byPath.Count;

    /// <summary>Reads a label CSV.</summary>
    /// <exception cref="DataFormatException"><c>AudioLabelCsvInvalid</c>: no file/label header, or a row without them.</exception>
    public static LabelTable Read(string csvPath)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        // Through InputFile: a FIFO or a device named as the CSV is refused (FileNotRegular), not waited on.
        var lines = new List<string>();
        using (var reader = new StreamReader(InputFile.OpenRead(csvPath)))
        {
            while (reader.ReadLine() is string line)
            {
                lines.Add(line);
            }
        }

        if (lines.Count == 0)
        {
            throw Invalid(csvPath, "the file is empty; it needs a header row 'file,label'.");
        }

        List<string> header = CsvFields.Split(lines[0]);
        int fileColumn = header.FindIndex(h => h.Trim().Equals("file", StringComparison.OrdinalIgnoreCase));
        int labelColumn = header.FindIndex(h => h.Trim().Equals("label", StringComparison.OrdinalIgnoreCase));
        if (fileColumn < 0 || labelColumn < 0)
        {
            throw Invalid(csvPath, $"the header row '{lines[0]}' has no 'file' and 'label' columns.");
        }

        StringComparer comparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var byPath = new Dictionary<string, string>(comparer);
        var byName = new Dictionary<string, string?>(comparer);
        for (int i = 1; i < lines.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            List<string> cells = CsvFields.Split(lines[i]);
            if (cells.Count <= Math.Max(fileColumn, labelColumn) || cells[fileColumn].Trim().Length == 0)
            {
                throw Invalid(csvPath, $"line {i + 1} has no file or no label: '{lines[i]}'.");
            }

            string file = Path.GetFullPath(Path.Combine(folder, cells[fileColumn].Trim()));
            string label = cells[labelColumn].Trim();
            byPath[file] = label;
            string name = Path.GetFileName(file);
            byName[name] = byName.ContainsKey(name) ? null : label;
        }

        return new LabelTable(byPath, byName);
    }

    /// <summary>The label of a file, or null when the table has none for it.</summary>
    public string? Find(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return _byPath.TryGetValue(Path.GetFullPath(file), out string? label) ? label
            : _byName.TryGetValue(Path.GetFileName(file), out string? byName) ? byName
            : null;
    }

    private static DataFormatException Invalid(string csvPath, string message) =>
        new("AudioLabelCsvInvalid", DataErrorKind.InvalidData, csvPath, message);
}
