namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>binary_accuracy</c> with its threshold 0.5: the mean over all elements of
/// <c>(output &gt; 0.5) == (target &gt; 0.5)</c>. (Keras compares the thresholded output with the raw target;
/// for 0/1 targets that is the same, and thresholding the target too keeps soft targets meaningful.)
/// </summary>
/// <param name="name">The name to report under, such as <c>accuracy</c>; null for the Keras name.</param>
public sealed class BinaryAccuracy(string? name = null) : Metric(name)
{
    private const float Threshold = 0.5f;
    private long _correct;
    private long _elements;

    /// <inheritdoc/>
    public override string KerasName => "binary_accuracy";

    /// <inheritdoc/>
    public override double Result => _elements == 0 ? double.NaN : (double)_correct / _elements;

    /// <inheritdoc/>
    public override void Reset() => (_correct, _elements) = (0, 0);

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        // Every row has the same width, so Keras's mean of per-row means is the mean over all elements.
        for (int i = 0; i < outputs.Length; i++)
        {
            if ((outputs[i] > Threshold) == (targets[i] > Threshold))
            {
                _correct++;
            }
        }

        _elements += outputs.Length;
    }
}
