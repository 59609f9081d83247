namespace PSRnn.Engine.Training;

/// <summary>
/// A metric accumulated over batches, as Keras's stateful metrics: <see cref="Reset"/> at the start of an epoch,
/// <see cref="Update"/> per batch, <see cref="Result"/> at any time. Counts are kept in <c>long</c> and sums in
/// double, so the result does not depend on how the rows were split into batches.
/// </summary>
public abstract class Metric
{
    private protected Metric(string? name) => Name = name ?? string.Empty;

    /// <summary>Keras's name of the metric function, such as <c>categorical_accuracy</c>.</summary>
    public abstract string KerasName { get; }

    /// <summary>The name results are reported under (Keras's history key): the name the user asked for,
    /// such as <c>accuracy</c>, or <see cref="KerasName"/>.</summary>
    public string Name => field.Length == 0 ? KerasName : field;

    /// <summary>The metric over every row since the last <see cref="Reset"/>; NaN before any update
    /// (Keras reports 0 there; NaN says that nothing was measured).</summary>
    public abstract double Result { get; }

    /// <summary>Forgets every update.</summary>
    public abstract void Reset();

    /// <summary>Adds a batch.</summary>
    /// <param name="outputs">The model's outputs, rows × width: probabilities or values (logits give the same
    /// argmax, but the 0.5 threshold of <c>binary_accuracy</c> applies to probabilities).</param>
    /// <param name="targets">The targets: rows × width, or rows class indices for sparse metrics.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="width">The number of classes or features.</param>
    public void Update(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        Validate(outputs, targets, rows, width);
        UpdateCore(outputs, targets, rows, width);
    }

    /// <summary>
    /// Whether the metric adds sample weights into its own counts (Keras's confusion metrics, whose result is a ratio of
    /// weighted counts) through <see cref="UpdateWeighted"/>; false for a mean of row values, which
    /// <see cref="WeightedMetric"/> weighs row by row.
    /// </summary>
    internal virtual bool CountsWeights => false;

    /// <summary>Adds a batch whose row r carries the sample weight <paramref name="weights"/>[r], applied to every
    /// element of the row (Keras broadcasts sample_weight over the output's last axis).</summary>
    internal void UpdateWeighted(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, int rows, int width)
    {
        Validate(outputs, targets, rows, width);
        if (weights.Length != rows)
        {
            throw new ArgumentException($"weights has {weights.Length} elements; expected one a row, {rows}.", nameof(weights));
        }

        UpdateWeightedCore(outputs, targets, weights, rows, width);
    }

    private void Validate(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        long count = (long)rows * width;
        if (outputs.Length != count)
        {
            throw new ArgumentException($"outputs has {outputs.Length} elements; rows × width is {count}.", nameof(outputs));
        }

        long targetCount = (long)rows * TargetsPerRow(width);
        if (targets.Length != targetCount)
        {
            throw new ArgumentException($"targets has {targets.Length} elements; expected {targetCount}.", nameof(targets));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Result}";

    /// <summary>Whether the targets are class indices (one per row) rather than rows shaped like the outputs.</summary>
    public virtual bool TakesClassLabels => false;

    /// <summary>Target values per row: width, or 1 for class indices.</summary>
    private int TargetsPerRow(int width) => TakesClassLabels ? 1 : width;

    /// <summary>Adds a validated batch.</summary>
    private protected abstract void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width);

    /// <summary>Adds a validated weighted batch; only a metric whose <see cref="CountsWeights"/> is true has one.</summary>
    private protected virtual void UpdateWeightedCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights,
        int rows, int width) =>
        throw new NotSupportedException($"{Name} is a mean of row values: WeightedMetric weighs it row by row.");

    /// <summary>NumPy's argmax: the first index of the largest value (NaN counts as largest, as in NumPy).</summary>
    private protected static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        float bestValue = row[0];
        if (float.IsNaN(bestValue))
        {
            return 0;
        }

        for (int j = 1; j < row.Length; j++)
        {
            float v = row[j];
            if (float.IsNaN(v))
            {
                return j;
            }

            if (v > bestValue)
            {
                best = j;
                bestValue = v;
            }
        }

        return best;
    }
}
