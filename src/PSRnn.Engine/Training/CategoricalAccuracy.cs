namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>categorical_accuracy</c>: the fraction of rows where <c>argmax(outputs) == argmax(targets)</c>
/// (first maximum on ties, as NumPy's argmax).
/// </summary>
/// <param name="name">The name to report under, such as <c>accuracy</c>; null for the Keras name.</param>
public sealed class CategoricalAccuracy(string? name = null) : Metric(name)
{
    private long _correct;
    private long _rows;

    /// <inheritdoc/>
    public override string KerasName => "categorical_accuracy";

    /// <inheritdoc/>
    public override double Result => _rows == 0 ? double.NaN : (double)_correct / _rows;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _rows) = (0, 0);

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        for (int r = 0; r < rows; r++)
        {
            if (ArgMax(outputs.Slice(r * width, width)) == ArgMax(targets.Slice(r * width, width)))
            {
                _correct++;
            }
        }

        _rows += rows;
    }
}
