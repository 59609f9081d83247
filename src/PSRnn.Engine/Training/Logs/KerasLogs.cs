using System.Globalization;

namespace PSRnn.Engine.Training.Logs;

/// <summary>Keras's <c>logs</c> of an epoch, and numbers written as Python writes them.</summary>
public static class KerasLogs
{
    /// <summary>
    /// The logs Keras's callbacks get at an epoch's end, in Keras's order: <c>loss</c>, the metrics, <c>val_loss</c> and
    /// the validation metrics (with validation data), then <c>learning_rate</c> (PSRnn records it every epoch, as Keras's
    /// schedule callbacks add it). Metrics come from the record, whatever they are, so new ones appear unasked.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, double>> Epoch(EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var logs = new List<KeyValuePair<string, double>> { new("loss", record.Loss) };
        logs.AddRange(record.Metrics);
        if (record.ValidationLoss is { } validationLoss)
        {
            logs.Add(new("val_loss", validationLoss));
            foreach (var (name, value) in record.ValidationMetrics ?? new Dictionary<string, double>())
            {
                logs.Add(new("val_" + name, value));
            }
        }

        // Python's float() of the float32 rate, as Keras logs it.
        logs.Add(new("learning_rate", record.LearningRate));
        return logs;
    }

    /// <summary>
    /// Python's <c>repr</c>/<c>str</c> of a float: the shortest digits that read back to the same double, in fixed
    /// notation when the decimal exponent is from −4 to 15 (<c>0.0001</c>, <c>12.0</c>), else scientific (<c>1e-05</c>,
    /// <c>1.5e+16</c>); <c>nan</c>, <c>inf</c>, <c>-inf</c>. What Keras's CSVLogger writes for a logged value.
    /// </summary>
    public static string PythonFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        // "E16" is not shortest; "R" is (since .NET Core 3.0), in either notation: take its digits and exponent.
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        string sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        int e = r.IndexOfAny(['E', 'e']);
        string mantissa = e < 0 ? r : r[..e];
        int exponent = e < 0 ? 0 : int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.');
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int point = (dot < 0 ? mantissa.Length : dot) + exponent; // value = 0.digits × 10^point
        int lead = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        point -= lead;
        if (digits.Length == 0)
        {
            return sign + "0.0";
        }

        if (point > -4 && point <= 16)
        {
            string fixedText = point <= 0 ? "0." + new string('0', -point) + digits
                : point >= digits.Length ? digits + new string('0', point - digits.Length) + ".0"
                : digits[..point] + "." + digits[point..];
            return sign + fixedText;
        }

        int x = point - 1;
        string m = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{m}e{(x < 0 ? '-' : '+')}{Math.Abs(x):D2}");
    }
}
