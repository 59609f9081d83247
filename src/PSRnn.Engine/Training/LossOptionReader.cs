using System.Globalization;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// Reads a loss's options (Keras's constructor arguments, such as Huber's <c>delta</c>) from a dictionary of names to
/// values, case-insensitively, and refuses what the loss does not take: an unknown name (<c>LossOptionUnknown</c>) or
/// a value out of range (<c>LossOptionInvalid</c>).
/// </summary>
internal sealed class LossOptionReader
{
    private readonly string _loss;
    private readonly Dictionary<string, object?> _options = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _known = [];

    public LossOptionReader(string loss, IReadOnlyDictionary<string, object?>? options)
    {
        _loss = loss;
        foreach (KeyValuePair<string, object?> pair in options ?? new Dictionary<string, object?>())
        {
            _options[pair.Key] = pair.Value;
        }
    }

    /// <summary>The number named <paramref name="key"/>, or <paramref name="fallback"/> when it is not given.</summary>
    /// <param name="key">Keras's argument name.</param>
    /// <param name="fallback">Keras's default.</param>
    /// <param name="valid">Whether a value is allowed.</param>
    /// <param name="rule">What <paramref name="valid"/> allows, for the error ("a finite number greater than 0").</param>
    public double Number(string key, double fallback, Func<double, bool> valid, string rule)
    {
        _known.Add(key);
        if (!_options.Remove(key, out object? raw))
        {
            return fallback;
        }

        double value = raw switch
        {
            double d => d,
            float f => f,
            int or long or short or byte or decimal => Convert.ToDouble(raw, CultureInfo.InvariantCulture),
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
            _ => double.NaN,
        };
        if (double.IsNaN(value) || !valid(value))
        {
            throw Invalid(key, raw, rule);
        }

        return value;
    }

    /// <summary>The true/false option named <paramref name="key"/>, or <paramref name="fallback"/>.</summary>
    public bool Flag(string key, bool fallback)
    {
        _known.Add(key);
        if (!_options.Remove(key, out object? raw))
        {
            return fallback;
        }

        return raw is bool flag ? flag : throw Invalid(key, raw, "$true or $false");
    }

    /// <summary>The text option named <paramref name="key"/>, one of <paramref name="allowed"/> (case ignored), or
    /// <paramref name="fallback"/>.</summary>
    public string Choice(string key, string fallback, IReadOnlyList<string> allowed)
    {
        _known.Add(key);
        if (!_options.Remove(key, out object? raw))
        {
            return fallback;
        }

        return raw is string text && allowed.FirstOrDefault(a => a.Equals(text, StringComparison.OrdinalIgnoreCase)) is { } match
            ? match
            : throw Invalid(key, raw, "one of " + string.Join(", ", allowed));
    }

    /// <summary>Fails when an option was given that the loss does not take.</summary>
    public void EnsureNoneLeft()
    {
        if (_options.Count == 0)
        {
            return;
        }

        string given = string.Join(", ", _options.Keys.Order(StringComparer.Ordinal));
        string takes = _known.Count == 0 ? "it takes no options" : $"its options are {string.Join(", ", _known)}";
        throw new ModelException("LossOptionUnknown",
            $"The loss {_loss} has no option {given}; {takes} (Keras's argument names).");
    }

    private ModelException Invalid(string key, object? raw, string rule) =>
        new("LossOptionInvalid", string.Create(CultureInfo.InvariantCulture,
            $"The {_loss} option {key} is {raw ?? "null"}; it must be {rule}."));
}
