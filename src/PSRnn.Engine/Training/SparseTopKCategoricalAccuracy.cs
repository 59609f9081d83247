namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>sparse_top_k_categorical_accuracy</c> (k = 5 by default): <see cref="TopKCategoricalAccuracy"/> with targets
/// holding one class index per row (a label that is no class index never matches).
/// </summary>
public sealed class SparseTopKCategoricalAccuracy : Metric
{
    private long _correct;
    private long _rows;

    /// <summary>Creates the metric.</summary>
    /// <param name="k">How many of the largest outputs count (Keras default 5); at least 1.</param>
    /// <param name="name">The name to report under; null for the Keras name.</param>
    public SparseTopKCategoricalAccuracy(int k = 5, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        K = k;
    }

    /// <summary>How many of the largest outputs count.</summary>
    public int K { get; }

    /// <inheritdoc/>
    public override string KerasName => "sparse_top_k_categorical_accuracy";

    /// <inheritdoc/>
    public override double Result => _rows == 0 ? double.NaN : (double)_correct / _rows;

    /// <inheritdoc/>
    public override bool TakesClassLabels => true;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _rows) = (0, 0);

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        for (int r = 0; r < rows; r++)
        {
            float label = targets[r];
            if (label == MathF.Floor(label) && TopKCategoricalAccuracy.InTopK(outputs.Slice(r * width, width), (int)label, K))
            {
                _correct++;
            }
        }

        _rows += rows;
    }
}
