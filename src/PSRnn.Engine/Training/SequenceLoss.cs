using System.Buffers;
using System.Globalization;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// A loss over whole sequences instead of rows (CTC): the Trainer hands it each batch's per-step outputs (N, T, C), the
/// real steps of each sample (from the sequence mask, or all T without one) and each sample's label sequence, and it
/// returns the batch loss and its gradient (N, T, C), zero at the padding steps. The row-wise
/// <see cref="Loss.Compute"/> does not apply to it and throws <see cref="NotSupportedException"/>.
/// </summary>
/// <remarks>
/// Derives from <see cref="Loss"/> so that a model, its file, its checkpoints and the fusion with a softmax last layer
/// treat it as any loss; only the batch computation differs. Label sequences travel in a <see cref="Dataset"/> as rows
/// of Lmax + 1 values (<see cref="LabelSequences"/>): the length, then the labels, so that shuffling, batching and
/// validation splits work on them unchanged.
/// </remarks>
public abstract class SequenceLoss : Loss
{
    private protected SequenceLoss()
    {
    }

    /// <summary>
    /// The batch loss, in PyTorch's arguments: sample b's real steps are steps 0 … inputLengths[b] − 1, and its labels
    /// the next targetLengths[b] values of the concatenated <paramref name="targets"/>.
    /// </summary>
    /// <param name="outputs">Per-step outputs (batch, time, classes), row-major: logits when <paramref name="fromLogits"/>,
    /// else probabilities.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="time">Steps per sample in <paramref name="outputs"/>.</param>
    /// <param name="classes">Symbols per step, blank included.</param>
    /// <param name="inputLengths">Real steps of each sample (batch values, each 0 … time).</param>
    /// <param name="targets">Every sample's labels, one after another.</param>
    /// <param name="targetLengths">Labels of each sample (batch values, summing to targets' length).</param>
    /// <param name="gradient">Receives d(loss)/d(outputs) (batch, time, classes); empty to skip it.</param>
    /// <param name="fromLogits">Whether outputs are the logits of a softmax.</param>
    /// <returns>The reduced batch loss.</returns>
    public double Compute(ReadOnlySpan<float> outputs, int batch, int time, int classes, ReadOnlySpan<int> inputLengths,
        ReadOnlySpan<int> targets, ReadOnlySpan<int> targetLengths, Span<float> gradient, bool fromLogits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        long count = (long)batch * time * classes;
        if (outputs.Length != count || (!gradient.IsEmpty && gradient.Length != count))
        {
            throw new ArgumentException($"outputs and gradient need batch × time × classes = {count} elements.", nameof(outputs));
        }

        if (inputLengths.Length != batch || targetLengths.Length != batch)
        {
            throw new ArgumentException($"inputLengths and targetLengths need {batch} values, one per sample.", nameof(inputLengths));
        }

        long labels = 0;
        for (int b = 0; b < batch; b++)
        {
            if (inputLengths[b] < 0 || inputLengths[b] > time || targetLengths[b] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(inputLengths), string.Create(CultureInfo.InvariantCulture,
                    $"Sample {b}: input length {inputLengths[b]} must be 0 … {time} and target length {targetLengths[b]} not negative."));
            }

            labels += targetLengths[b];
        }

        if (labels != targets.Length)
        {
            throw new ArgumentException($"targets has {targets.Length} labels; the target lengths add up to {labels}.", nameof(targets));
        }

        int[] steps = ArrayPool<int>.Shared.Rent(Math.Max(batch * time, 1));
        try
        {
            for (int b = 0; b < batch; b++)
            {
                for (int t = 0; t < time; t++)
                {
                    steps[(b * time) + t] = t;
                }
            }

            return ComputeSequences(outputs, batch, time, classes, steps.AsSpan(0, batch * time), inputLengths, targets, targetLengths,
                gradient, fromLogits);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(steps);
        }
    }

    /// <summary>
    /// The batch loss of the Trainer: per-step outputs whose mask (if any) says which steps are real — in order, wherever
    /// they are — and targets packed as <see cref="LabelSequences"/> rows.
    /// </summary>
    internal double ComputeBatch(Activations output, ReadOnlySpan<float> packedTargets, Span<float> gradient, bool fromLogits)
    {
        int batch = output.Batch, time = output.Time, classes = output.Features;
        int width = packedTargets.Length / batch;
        int[] steps = ArrayPool<int>.Shared.Rent(Math.Max(batch * time, 1));
        int[] lengths = ArrayPool<int>.Shared.Rent(batch * 2);
        int[] labels = ArrayPool<int>.Shared.Rent(Math.Max(batch * (width - 1), 1));
        try
        {
            int labelCount = 0;
            for (int b = 0; b < batch; b++)
            {
                lengths[b] = RealSteps(output, b, steps.AsSpan(b * time, time));
                labelCount += LabelSequences.Unpack(packedTargets.Slice(b * width, width), labels.AsSpan(labelCount));
                lengths[batch + b] = (int)packedTargets[b * width];
            }

            return ComputeSequences(output.Span, batch, time, classes, steps.AsSpan(0, batch * time), lengths.AsSpan(0, batch),
                labels.AsSpan(0, labelCount), lengths.AsSpan(batch, batch), gradient, fromLogits);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(steps);
            ArrayPool<int>.Shared.Return(lengths);
            ArrayPool<int>.Shared.Return(labels);
        }
    }

    /// <summary>
    /// The real steps of sample <paramref name="b"/> of a per-step output, in order, into <paramref name="steps"/>: the
    /// mask's, or every step without one; returns how many.
    /// </summary>
    internal static int RealSteps(Activations output, int b, Span<int> steps)
    {
        SequenceMask? mask = output.Mask is { } m && m.Batch == output.Batch && m.Time == output.Time ? m : null;
        int real = 0;
        for (int t = 0; t < output.Time; t++)
        {
            if (mask is null || mask[b, t])
            {
                steps[real++] = t;
            }
        }

        return real;
    }

    /// <summary>
    /// Fails with a <see cref="ModelException"/> when the loss cannot train <paramref name="model"/> on
    /// <paramref name="data"/> (called for training, validation and evaluation data before any work).
    /// </summary>
    internal abstract void CheckData(Models.Sequential model, Dataset data, string name);

    /// <summary>
    /// Computes the loss on validated arguments: sample b's real steps are steps[b·time + i] for i below inputLengths[b]
    /// (in order), the others are padding and get a zero gradient.
    /// </summary>
    private protected abstract double ComputeSequences(ReadOnlySpan<float> outputs, int batch, int time, int classes,
        ReadOnlySpan<int> steps, ReadOnlySpan<int> inputLengths, ReadOnlySpan<int> targets, ReadOnlySpan<int> targetLengths,
        Span<float> gradient, bool fromLogits);

    /// <inheritdoc/>
    private protected sealed override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits) =>
        throw new NotSupportedException($"{KerasName} is a loss over whole sequences: call SequenceLoss.Compute with the lengths and label sequences.");
}
