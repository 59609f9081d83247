namespace PSRnn.Engine.Training;

/// <summary>
/// The share of rows whose true class is among the k largest outputs, as Keras's in_top_k counts it: a class tied with
/// the k-th largest value is in the top k (fewer than k outputs are strictly larger than the true class's). With k at
/// least the width every row matches. The subclasses say where the true class comes from.
/// </summary>
public abstract class TopKAccuracy : Metric
{
    private long _correct;
    private long _rows;

    private protected TopKAccuracy(int k, string? name)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        K = k;
    }

    /// <summary>How many of the largest outputs count.</summary>
    public int K { get; }

    /// <inheritdoc/>
    public override double Result => _rows == 0 ? double.NaN : (double)_correct / _rows;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _rows) = (0, 0);

    /// <summary>The true class of row <paramref name="row"/>, or −1 when the target names none.</summary>
    private protected abstract int Label(ReadOnlySpan<float> targets, int row, int width);

    private protected sealed override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        for (int r = 0; r < rows; r++)
        {
            if (InTopK(outputs.Slice(r * width, width), Label(targets, r, width), K))
            {
                _correct++;
            }
        }

        _rows += rows;
    }

    // Keras's in_top_k: fewer than k values strictly above row[label] (a label outside the row never matches).
    private static bool InTopK(ReadOnlySpan<float> row, int label, int k)
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
