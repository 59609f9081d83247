namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>top_k_categorical_accuracy</c> (k = 5 by default): the fraction of rows whose true class, the argmax of
/// the one-hot target row, is among the k largest outputs (ties with the k-th count as in, as Keras's in_top_k).
/// </summary>
/// <param name="k">How many of the largest outputs count (Keras default 5); at least 1.</param>
/// <param name="name">The name to report under; null for the Keras name.</param>
public sealed class TopKCategoricalAccuracy(int k = 5, string? name = null) : TopKAccuracy(k, name)
{
    /// <inheritdoc/>
    public override string KerasName => "top_k_categorical_accuracy";

    private protected override int Label(ReadOnlySpan<float> targets, int row, int width) => ArgMax(targets.Slice(row * width, width));
}
