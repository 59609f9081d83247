namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>sparse_categorical_accuracy</c>: the fraction of rows where <c>argmax(outputs) == label</c>, targets
/// holding one class index per row (stored as float; a label that is no class index never matches).
/// </summary>
/// <param name="name">The name to report under, such as <c>accuracy</c>; null for the Keras name.</param>
public sealed class SparseCategoricalAccuracy(string? name = null) : Metric(name)
{
    private long _correct;
    private long _rows;

    /// <inheritdoc/>
    public override string KerasName => "sparse_categorical_accuracy";

    /// <inheritdoc/>
    public override double Result => _rows == 0 ? double.NaN : (double)_correct / _rows;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _rows) = (0, 0);

    /// <inheritdoc/>
    public override bool TakesClassLabels => true;

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        for (int r = 0; r < rows; r++)
        {
            if (ArgMax(outputs.Slice(r * width, width)) == targets[r])
            {
                _correct++;
            }
        }

        _rows += rows;
    }
}
