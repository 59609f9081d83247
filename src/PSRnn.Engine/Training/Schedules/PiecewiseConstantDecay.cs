using System.Globalization;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training.Schedules;

/// <summary>
/// Keras's PiecewiseConstantDecay: <c>values[0]</c> while <c>step ≤ boundaries[0]</c>, <c>values[i]</c> while
/// <c>boundaries[i−1] &lt; step ≤ boundaries[i]</c>, and <c>values[^1]</c> after the last boundary.
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _values;

    /// <summary>Creates the schedule; Keras's arguments.</summary>
    /// <exception cref="ModelException">No boundary, boundaries not strictly increasing
    /// (<c>LearningRateScheduleBoundariesNotIncreasing</c>), a values count other than boundaries + 1
    /// (<c>LearningRateScheduleValuesCountMismatch</c>), or a value that is not a finite number ≥ 0.</exception>
    public PiecewiseConstantDecay(IReadOnlyList<long> boundaries, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (boundaries.Count == 0 || values.Count != boundaries.Count + 1)
        {
            throw new ModelException("LearningRateScheduleValuesCountMismatch", string.Create(CultureInfo.InvariantCulture,
                $"-Boundaries has {boundaries.Count} step(s) and -Values {values.Count} rate(s): give at least one boundary, and one value more than boundaries (a rate before each boundary and one after the last)."));
        }

        for (int i = 1; i < boundaries.Count; i++)
        {
            if (boundaries[i] <= boundaries[i - 1])
            {
                throw new ModelException("LearningRateScheduleBoundariesNotIncreasing", string.Create(CultureInfo.InvariantCulture,
                    $"-Boundaries must be strictly increasing steps, but {boundaries[i]} follows {boundaries[i - 1]}."));
            }
        }

        _boundaries = [.. boundaries];
        _values = [.. values.Select((v, i) => Rate(v, string.Create(CultureInfo.InvariantCulture, $"Values[{i}]")))];
    }

    /// <inheritdoc/>
    public override string KerasName => "PiecewiseConstantDecay";

    /// <summary>Keras's boundaries (steps).</summary>
    public IReadOnlyList<long> Boundaries => _boundaries;

    /// <summary>Keras's values: the rate of each interval.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["boundaries"] = _boundaries,
        ["values"] = _values,
        ["name"] = "PiecewiseConstant",
    };

    private protected override double Compute(double step)
    {
        int i = 0;
        while (i < _boundaries.Length && step > _boundaries[i])
        {
            i++;
        }

        return _values[i];
    }
}
