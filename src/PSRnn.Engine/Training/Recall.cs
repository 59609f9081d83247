namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>Recall</c> metric at its default threshold 0.5: <c>TP / (TP + FN)</c> over the epoch's elements (see
/// <see cref="ConfusionMetric"/>); 0 when no target was positive (Keras's divide_no_nan).
/// </summary>
/// <param name="name">The name to report under; null for <c>recall</c>.</param>
public sealed class Recall(string? name = null) : ConfusionMetric(name)
{
    /// <inheritdoc/>
    public override string KerasName => "recall";

    private protected override double Ratio(in ConfusionCounts counts) =>
        DivideNoNan(counts.TruePositives, counts.TruePositives + counts.FalseNegatives);
}
