namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>Precision</c> metric at its default threshold 0.5: <c>TP / (TP + FP)</c> over every element since the last
/// reset (one binary decision per element, so one-hot and multi-label outputs are counted per class and pooled, as
/// Keras does without class_id or top_k), with a prediction positive when above 0.5 and a target when not 0; 0 when
/// nothing was predicted positive (Keras's divide_no_nan). The counts accumulate over the epoch's batches.
/// </summary>
/// <param name="name">The name to report under; null for <c>precision</c>.</param>
public sealed class Precision(string? name = null) : Metric(name)
{
    private ConfusionCounts _counts;

    /// <inheritdoc/>
    public override string KerasName => "precision";

    /// <inheritdoc/>
    public override double Result => _counts.Ratio(_counts.TruePositives, _counts.TruePositives + _counts.FalsePositives);

    /// <inheritdoc/>
    public override void Reset() => _counts = default;

    private protected override void UpdateCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width) =>
        _counts.Add(outputs, targets, 0.5f);
}
