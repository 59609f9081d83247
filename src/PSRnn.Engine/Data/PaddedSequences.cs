using PSRnn.Engine.Audio;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// Sequences of different lengths padded or truncated to one length by <see cref="SequencePadding.Pad(IReadOnlyList{object?}, int?, SequenceSide, SequenceSide, float, Func{object?, object?}?)"/>:
/// the batch <see cref="X"/> (N, length, features) and how many real steps each row holds.
/// </summary>
public sealed class PaddedSequences
{
    /// <summary>Creates the result; <see cref="SequencePadding"/> is the way to make one.</summary>
    public PaddedSequences(Tensor x, int[] lengths, SequenceSide padding, SequenceSide truncating, float value, long roundedValues)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(lengths);
        X = x;
        Lengths = lengths;
        Padding = padding;
        Truncating = truncating;
        Value = value;
        RoundedValues = roundedValues;
    }

    /// <summary>The padded batch: float32 (N, length, features).</summary>
    public Tensor X { get; }

    /// <summary>
    /// The real (not padding) steps of each row of <see cref="X"/>: each sample's length, at most <see cref="Length"/>
    /// (what truncation kept). They lie at the end of the row for 'pre' padding, at its start for 'post'.
    /// </summary>
    public int[] Lengths { get; }

    /// <summary>Samples (N).</summary>
    public int Count => X.Dim(0);

    /// <summary>Steps of every row (the maximum length asked for, or the longest sample's).</summary>
    public int Length => X.Dim(1);

    /// <summary>Values per step (F).</summary>
    public int Features => X.Dim(2);

    /// <summary>Where the padding went.</summary>
    public SequenceSide Padding { get; }

    /// <summary>Which end truncation removed steps from.</summary>
    public SequenceSide Truncating { get; }

    /// <summary>The padding value.</summary>
    public float Value { get; }

    /// <summary>
    /// Whole numbers (token ids, counts) that float32 cannot hold exactly and were rounded: those beyond 2²⁴ in
    /// magnitude. Fractions rounding to float32's precision are not counted.
    /// </summary>
    public long RoundedValues { get; }
}
