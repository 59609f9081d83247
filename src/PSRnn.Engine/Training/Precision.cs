namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>Precision</c> metric at its default threshold 0.5: <c>TP / (TP + FP)</c> over the epoch's elements (see
/// <see cref="ConfusionMetric"/>); 0 when nothing was predicted positive (Keras's divide_no_nan).
/// </summary>
/// <param name="name">The name to report under; null for <c>precision</c>.</param>
public sealed class Precision(string? name = null) : ConfusionMetric(name)
{
    /// <inheritdoc/>
    public override string KerasName => "precision";

    private protected override double Ratio(in ConfusionCounts counts) =>
        DivideNoNan(counts.TruePositives, counts.TruePositives + counts.FalsePositives);
}
