namespace PSRnn.Engine.Training;

/// <summary>
/// A metric of confusion counts at Keras's default threshold 0.5, accumulated over every batch since the last reset:
/// every element of the outputs is one binary decision (one-hot and multi-label outputs are counted per class and
/// pooled, as Keras does without class_id or top_k), positive when above 0.5, its target positive when not 0. Weighted
/// (-WeightedMetric), the counts are sums of sample weights and the result their ratio, 0 when a divisor is 0.
/// </summary>
public abstract class ConfusionMetric : Metric
{
    private ConfusionCounts _counts;

    private protected ConfusionMetric(string? name)
        : base(name)
    {
    }

    /// <inheritdoc/>
    public sealed override double Result => _counts.Seen == 0 ? double.NaN : Ratio(_counts);

    /// <inheritdoc/>
    public sealed override void Reset() => _counts = default;

    /// <summary>The metric from counts of at least one element.</summary>
    private protected abstract double Ratio(in ConfusionCounts counts);

    /// <summary>Keras's divide_no_nan: <paramref name="a"/> / <paramref name="b"/>, 0 when b is 0.</summary>
    private protected static double DivideNoNan(double a, double b) => b == 0 ? 0 : a / b;

    /// <inheritdoc/>
    internal sealed override bool CountsWeights => true;

    private protected sealed override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width) =>
        _counts.Add(outputs, targets, 0.5f, default, width);

    private protected sealed override void UpdateWeightedCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        ReadOnlySpan<float> weights, int rows, int width) =>
        _counts.Add(outputs, targets, 0.5f, weights, width);
}
