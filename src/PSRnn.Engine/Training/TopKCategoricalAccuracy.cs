namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>top_k_categorical_accuracy</c> (k = 5 by default): the fraction of rows whose true class (the argmax of the
/// one-hot target row) is among the k largest outputs. As Keras's in_top_k, a class tied with the k-th largest value
/// counts as in the top k: the row matches when fewer than k outputs are strictly larger than the true class's.
/// With k at least the width every row matches.
/// </summary>
public sealed class TopKCategoricalAccuracy : Metric
{
    private long _correct;
    private long _rows;

    /// <summary>Creates the metric.</summary>
    /// <param name="k">How many of the largest outputs count (Keras default 5); at least 1.</param>
    /// <param name="name">The name to report under; null for the Keras name.</param>
    public TopKCategoricalAccuracy(int k = 5, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        K = k;
    }

    /// <summary>How many of the largest outputs count.</summary>
    public int K { get; }

    /// <inheritdoc/>
    public override string KerasName => "top_k_categorical_accuracy";

    /// <inheritdoc/>
    public override double Result => _rows == 0 ? double.NaN : (double)_correct / _rows;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _rows) = (0, 0);

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        for (int r = 0; r < rows; r++)
        {
            if (InTopK(outputs.Slice(r * width, width), ArgMax(targets.Slice(r * width, width)), K))
            {
                _correct++;
            }
        }

        _rows += rows;
    }

    /// <summary>Keras's in_top_k: fewer than k values strictly above row[label] (a label outside the row never matches).</summary>
    internal static bool InTopK(ReadOnlySpan<float> row, int label, int k)
    {
        if (label < 0 || label >= row.Length || float.IsNaN(row[label]))
        {
            return false;
        }

        float value = row[label];
        int above = 0;
        foreach (float v in row)
        {
            if (v > value)
            {
                above++;
            }
        }

        return above < k;
    }
}
