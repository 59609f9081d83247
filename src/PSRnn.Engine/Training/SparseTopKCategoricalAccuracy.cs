namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>sparse_top_k_categorical_accuracy</c> (k = 5 by default): <see cref="TopKCategoricalAccuracy"/> with targets
/// holding one class index per row (a label that is no class index never matches).
/// </summary>
/// <param name="k">How many of the largest outputs count (Keras default 5); at least 1.</param>
/// <param name="name">The name to report under; null for the Keras name.</param>
public sealed class SparseTopKCategoricalAccuracy(int k = 5, string? name = null) : TopKAccuracy(k, name)
{
    /// <inheritdoc/>
    public override string KerasName => "sparse_top_k_categorical_accuracy";

    /// <inheritdoc/>
    public override bool TakesClassLabels => true;

    private protected override int Label(ReadOnlySpan<float> targets, int row, int width) =>
        targets[row] == MathF.Floor(targets[row]) && targets[row] >= 0 && targets[row] < width ? (int)targets[row] : -1;
}
