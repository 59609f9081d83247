using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>
/// Objects as table rows (what Import-Csv, Import-Excel or a query gives): the named properties of each row become one
/// row of a float64 (N, F) table. Numbers are read as they are, text as invariant-culture numbers (what Export-Csv and
/// Python's csv module write: 0.5, -1e-05, nan, inf) or True/False; a column whose first value is a date (a DateTime,
/// DateTimeOffset or date text, ISO 8601 or invariant) becomes two columns per <see cref="DateTimeFeature"/>
/// (sin and cos), in place. Any other value is an error naming its row (1-based) and column.
/// </summary>
internal static class TableRows
{
    /// <summary>Reads the rows; <paramref name="columns"/> receives the names of the output columns.</summary>
    /// <exception cref="DataFormatException">TableColumnMissing, TableValueInvalid, TableDateTimeColumn, TableEmpty.</exception>
    public static double[,] Read(IReadOnlyList<object?> rows, IReadOnlyList<string> properties, IReadOnlyList<DateTimeFeature>? dateFeatures,
        out List<string> columns, out bool[] isDate)
    {
        if (rows.Count == 0)
        {
            throw new DataFormatException("TableEmpty", DataErrorKind.InvalidData, null, "No rows were given: pipe objects (Import-Csv …) or pass them with -InputObject.");
        }

        if (properties.Count == 0 || properties.Any(string.IsNullOrWhiteSpace))
        {
            throw new DataFormatException("TableColumnMissing", DataErrorKind.InvalidData, null, "-Property needs at least one column name, and no empty names.");
        }

        IReadOnlyList<DateTimeFeature> features = dateFeatures ?? [];

        // The kind of each column is that of its first row's value.
        isDate = new bool[properties.Count];
        columns = [];
        for (int c = 0; c < properties.Count; c++)
        {
            object? first = Value(rows[0], properties[c], 0);
            isDate[c] = Number(first, out _) is false && Date(first, out _);
            if (isDate[c] && features.Count == 0)
            {
                throw new DataFormatException("TableDateTimeColumn", DataErrorKind.InvalidData, null, string.Create(CultureInfo.InvariantCulture,
                    $"Column '{properties[c]}' holds dates (row 1: '{first}'); give -DateTimeFeatures (Hour, Weekday, Month, …) to make cyclical features of them, or leave the column out of -Property."));
            }

            if (isDate[c])
            {
                foreach (DateTimeFeature f in features)
                {
                    columns.Add($"{properties[c]}_{f.ToString().ToLowerInvariant()}_sin");
                    columns.Add($"{properties[c]}_{f.ToString().ToLowerInvariant()}_cos");
                }
            }
            else
            {
                columns.Add(properties[c]);
            }
        }

        var table = new double[rows.Count, columns.Count];
        Span<double> cyclical = stackalloc double[2 * features.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            int k = 0;
            for (int c = 0; c < properties.Count; c++)
            {
                object? value = Value(rows[r], properties[c], r);
                if (isDate[c])
                {
                    if (!Date(value, out DateTime when))
                    {
                        throw Invalid(r, properties[c], value, "is not a date, as the column's first row is");
                    }

                    CyclicalTime.Write(when, features, cyclical);
                    foreach (double v in cyclical)
                    {
                        table[r, k++] = v;
                    }
                }
                else
                {
                    table[r, k++] = Number(value, out double number) ? number
                        : throw Invalid(r, properties[c], value, "is not a number (numbers are read in the invariant culture: 1234.5, -1e-05, nan)");
                }
            }
        }

        return table;
    }

    /// <summary>What a cmdlet was given as rows: a list (piped objects, an array) item by item, else one row.</summary>
    public static IReadOnlyList<object?> AsRows(object? value) => TensorArgument.Unwrap(value) switch
    {
        IDictionary => [value],
        string => [value],
        IEnumerable many => many.Cast<object?>().ToList(),
        _ => [value],
    };

    /// <summary>The table as a tensor of <paramref name="dtype"/> (float64 by default).</summary>
    public static Tensor ToTensor(double[,] table, DType? dtype, out long inexact)
    {
        var tensor = new Tensor(Flatten(table), table.GetLength(0), table.GetLength(1));
        if (dtype is null or DType.Float64)
        {
            inexact = 0;
            return tensor;
        }

        return tensor.AsType(dtype.Value, out inexact);
    }

    private static double[] Flatten(double[,] table)
    {
        var flat = new double[table.Length];
        Buffer.BlockCopy(table, 0, flat, 0, flat.Length * sizeof(double));
        return flat;
    }

    private static object? Value(object? row, string property, int r)
    {
        object? raw = TensorArgument.Unwrap(row);
        if (raw is IDictionary dictionary)
        {
            // Hashtables of rows: @{ a = 1; b = 2 } (case-insensitive keys, as PowerShell's are).
            foreach (DictionaryEntry entry in dictionary)
            {
                if (string.Equals(entry.Key?.ToString(), property, StringComparison.OrdinalIgnoreCase))
                {
                    return TensorArgument.Unwrap(entry.Value);
                }
            }
        }
        else if (row is not null && PSObject.AsPSObject(row).Properties[property] is { } found)
        {
            return TensorArgument.Unwrap(found.Value);
        }

        throw new DataFormatException("TableColumnMissing", DataErrorKind.InvalidData, null, string.Create(CultureInfo.InvariantCulture,
            $"Row {r + 1} has no property '{property}'{Known(row)}."));
    }

    private static string Known(object? row)
    {
        if (row is null)
        {
            return " (the row is $null)";
        }

        object raw = TensorArgument.Unwrap(row)!;
        IEnumerable<string> names = raw is IDictionary d ? d.Keys.Cast<object>().Select(k => k.ToString() ?? "")
            : PSObject.AsPSObject(row).Properties.Select(p => p.Name);
        string list = string.Join(", ", names.Take(12));
        return list.Length == 0 ? "" : $"; it has {list}";
    }

    private static DataFormatException Invalid(int r, string column, object? value, string what) =>
        new("TableValueInvalid", DataErrorKind.InvalidData, null, string.Create(CultureInfo.InvariantCulture,
            $"Row {r + 1}, column '{column}': {(value is null ? "$null" : $"'{value}'")} {what}."));

    private static bool Number(object? value, out double number)
    {
        switch (value)
        {
            case double d: number = d; return true;
            case float f: number = f; return true;
            case int or long or short or sbyte or byte or ushort or uint or ulong or decimal or Half:
                number = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
                return true;
            case bool b: number = b ? 1 : 0; return true;
            case string s:
                string t = s.Trim();
                if (bool.TryParse(t, out bool flag))
                {
                    number = flag ? 1 : 0;
                    return true;
                }

                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out number)
                    || Special(t, out number);
            default:
                number = 0;
                return false;
        }
    }

    // Python's float repr writes nan, inf and -inf; .NET's invariant culture reads NaN, Infinity and ∞ only.
    private static bool Special(string t, out double number)
    {
        (bool known, number) = t.ToLowerInvariant() switch
        {
            "nan" or "-nan" or "+nan" => (true, double.NaN),
            "inf" or "+inf" or "infinity" or "+infinity" => (true, double.PositiveInfinity),
            "-inf" or "-infinity" => (true, double.NegativeInfinity),
            _ => (false, 0d),
        };
        return known;
    }

    private static bool Date(object? value, out DateTime when)
    {
        switch (value)
        {
            case DateTime d: when = d; return true;
            case DateTimeOffset o: when = o.DateTime; return true;
            case string s when DateTimeOffset.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out DateTimeOffset parsed):
                // The clock as written (13:00+02:00 is 13:00), not converted to this machine's zone.
                when = parsed.DateTime;
                return true;
            default:
                when = default;
                return false;
        }
    }
}
