namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>mae</c> metric: the mean of <c>|output − target|</c> over all elements seen since the last reset
/// (the sum is kept in double).
/// </summary>
/// <param name="name">The name to report under; null for the Keras name.</param>
public sealed class MeanAbsoluteErrorMetric(string? name = null) : Metric(name)
{
    private double _sum;
    private long _elements;

    /// <inheritdoc/>
    public override string KerasName => "mae";

    /// <inheritdoc/>
    public override double Result => _elements == 0 ? double.NaN : _sum / _elements;

    /// <inheritdoc/>
    public override void Reset() => (_sum, _elements) = (0, 0);

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width)
    {
        double sum = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            sum += Math.Abs((double)outputs[i] - targets[i]);
        }

        _sum += sum;
        _elements += outputs.Length;
    }
}
