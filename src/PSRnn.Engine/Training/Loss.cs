namespace PSRnn.Engine.Training;

/// <summary>
/// A training loss with Keras's semantics: the per-row loss is reduced over the last axis, then averaged over
/// rows (Keras's default <c>sum_over_batch_size</c> reduction). Implementations hold no per-call state, so one
/// instance may serve several models on several threads.
/// </summary>
public abstract class Loss
{
    private protected Loss()
    {
    }

    /// <summary>Keras's name of the loss, such as <c>categorical_crossentropy</c>.</summary>
    public abstract string KerasName { get; }

    /// <summary>
    /// The output activation this loss fuses with when called with <c>fromLogits = true</c>, or null when the
    /// loss does not fuse (regression losses).
    /// </summary>
    public abstract OutputActivation? FusedActivation { get; }

    /// <summary>
    /// Computes the mean loss over <paramref name="rows"/> and, unless <paramref name="gradient"/> is empty, its
    /// gradient <c>d(mean loss) / d(outputs)</c>. Sums run in double; nothing is allocated.
    /// </summary>
    /// <param name="outputs">The model's outputs, rows × width, row-major: probabilities or values, or logits
    /// when <paramref name="fromLogits"/> is true.</param>
    /// <param name="targets">The targets, rows × width (or rows class indices for sparse losses).</param>
    /// <param name="rows">The number of rows: batch, or batch × time for per-step outputs.</param>
    /// <param name="width">The number of classes or features.</param>
    /// <param name="gradient">Receives the gradient, rows × width; pass an empty span to skip it.</param>
    /// <param name="fromLogits">Whether <paramref name="outputs"/> are pre-activation values of
    /// <see cref="FusedActivation"/>; ignored by losses that do not fuse.</param>
    /// <returns>The mean loss.</returns>
    public double Compute(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows, int width,
        Span<float> gradient, bool fromLogits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        long count = (long)rows * width;
        if (outputs.Length != count)
        {
            throw new ArgumentException($"outputs has {outputs.Length} elements; rows × width is {count}.", nameof(outputs));
        }

        long targetCount = TargetsPerRow(width) * (long)rows;
        if (targets.Length != targetCount)
        {
            throw new ArgumentException($"targets has {targets.Length} elements; expected {targetCount}.", nameof(targets));
        }

        if (!gradient.IsEmpty && gradient.Length != count)
        {
            throw new ArgumentException($"gradient has {gradient.Length} elements; rows × width is {count}.", nameof(gradient));
        }

        return ComputeCore(outputs, targets, rows, width, gradient, fromLogits);
    }

    /// <summary>
    /// The loss's parameters by Keras's argument names (Huber's <c>delta</c>, the focal losses' <c>alpha</c> and
    /// <c>gamma</c>), as Keras's get_config has them: what a model file records so that the loss comes back as it was.
    /// Empty for losses without parameters.
    /// </summary>
    public virtual IReadOnlyDictionary<string, object> Config { get; } = new Dictionary<string, object>();

    /// <inheritdoc/>
    public override string ToString() => KerasName;

    /// <summary>Fails with a <see cref="Layers.ModelException"/> when the loss cannot read these targets for outputs of
    /// <paramref name="width"/> values a row; <see cref="Compute"/> checks each batch the same way.</summary>
    internal virtual void CheckTargets(ReadOnlySpan<float> targets, int width)
    {
    }

    /// <summary>How many target values each row has: width for dense targets, 1 for class indices.</summary>
    private protected virtual int TargetsPerRow(int width) => width;

    /// <summary>Computes the loss on validated arguments.</summary>
    private protected abstract double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits);
}
