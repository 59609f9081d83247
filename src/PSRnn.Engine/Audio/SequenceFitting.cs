using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Pads or truncates (frames, features) sequences to a common length, and stacks them into one (N, frames, features)
/// batch, as Keras's <c>pad_sequences</c> does. Padding steps hold one value on every feature (0 by default, Keras's
/// <c>value</c>), so that a Masking layer with that mask value skips them.
/// </summary>
public static class SequenceFitting
{
    /// <summary>Pads with zeros or truncates one float32 (frames, features) sequence to <paramref name="frames"/> rows.</summary>
    /// <param name="sequence">The sequence.</param>
    /// <param name="frames">The rows wanted.</param>
    /// <param name="padding">Where padding rows are added when the sequence is shorter.</param>
    /// <param name="truncating">Where rows are removed when it is longer.</param>
    public static Tensor Fit(Tensor sequence, int frames, SequenceSide padding, SequenceSide truncating) =>
        Fit(sequence, frames, padding, truncating, 0f);

    /// <summary>Pads or truncates one float32 (frames, features) sequence to <paramref name="frames"/> rows.</summary>
    /// <param name="sequence">The sequence.</param>
    /// <param name="frames">The rows wanted.</param>
    /// <param name="padding">Where padding rows are added when the sequence is shorter.</param>
    /// <param name="truncating">Where rows are removed when it is longer.</param>
    /// <param name="value">Every feature of a padding row (finite).</param>
    public static Tensor Fit(Tensor sequence, int frames, SequenceSide padding, SequenceSide truncating, float value)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        CheckValue(value);
        var output = new float[frames * sequence.Dim(1)];
        CopyFitted(sequence, output, frames, padding, truncating, value);
        return new Tensor(output, frames, sequence.Dim(1));
    }

    /// <summary>
    /// Stacks float32 (frames, features) sequences into (N, frames, features), each padded with zeros or truncated to
    /// <paramref name="frames"/>, or to the longest when it is null.
    /// </summary>
    public static Tensor Stack(IReadOnlyList<Tensor> sequences, int? frames, SequenceSide padding, SequenceSide truncating) =>
        Stack(sequences, frames, padding, truncating, 0f);

    /// <summary>
    /// Stacks float32 (frames, features) sequences into (N, frames, features), each padded with <paramref name="value"/>
    /// or truncated to <paramref name="frames"/>, or to the longest when it is null. Row n then holds
    /// <see cref="FittedLength"/>(sequences[n].Dim(0), frames) real steps: at its end for <see cref="SequenceSide.Pre"/>
    /// padding, at its start for <see cref="SequenceSide.Post"/>.
    /// </summary>
    /// <param name="sequences">The sequences, each (frames_n, features) with the same features.</param>
    /// <param name="frames">The steps of every row, or null for the longest sequence's.</param>
    /// <param name="padding">Where padding rows are added to shorter sequences.</param>
    /// <param name="truncating">Where rows are removed from longer ones.</param>
    /// <param name="value">Every feature of a padding row (finite).</param>
    public static Tensor Stack(IReadOnlyList<Tensor> sequences, int? frames, SequenceSide padding, SequenceSide truncating, float value)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("There are no sequences to stack.", nameof(sequences));
        }

        CheckValue(value);
        int features = sequences[0].Dim(1);
        if (sequences.Any(s => s.Rank != 2 || s.Dim(1) != features))
        {
            throw new ArgumentException("Every sequence must be (frames, features) with the same number of features.", nameof(sequences));
        }

        int steps = frames ?? sequences.Max(s => s.Dim(0));
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1, nameof(frames));
        int size = steps * features;
        var output = new float[checked(sequences.Count * size)];
        for (int n = 0; n < sequences.Count; n++)
        {
            CopyFitted(sequences[n], output.AsSpan(n * size, size), steps, padding, truncating, value);
        }

        return new Tensor(output, sequences.Count, steps, features);
    }

    /// <summary>The real (not padding) steps a sequence of <paramref name="have"/> rows keeps when fitted to <paramref name="frames"/>.</summary>
    public static int FittedLength(int have, int frames) => Math.Min(have, frames);

    /// <summary>
    /// How many steps of float32 (…, features) data equal <paramref name="value"/> on every feature: steps a Masking
    /// layer with that mask value would take for padding (compared as Masking does: −0 equals 0, NaN equals nothing).
    /// </summary>
    /// <param name="steps">Whole steps of <paramref name="features"/> values each, one after another.</param>
    /// <param name="features">The values of a step.</param>
    /// <param name="value">The padding value.</param>
    public static int CountStepsEqualTo(ReadOnlySpan<float> steps, int features, float value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (steps.Length % features != 0)
        {
            throw new ArgumentException($"{steps.Length} values are not whole steps of {features} features.", nameof(steps));
        }

        int count = 0;
        for (int start = 0; start < steps.Length; start += features)
        {
            if (steps.Slice(start, features).IndexOfAnyExcept(value) < 0)
            {
                count++;
            }
        }

        return count;
    }

    private static void CheckValue(float value)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The padding value must be a finite number: NaN equals nothing, so a Masking layer could not find the padding, and training refuses infinite inputs.");
        }
    }

    private static void CopyFitted(Tensor sequence, Span<float> target, int frames, SequenceSide padding, SequenceSide truncating, float value)
    {
        if (sequence.Rank != 2 || sequence.DType != DType.Float32)
        {
            throw new ArgumentException("The sequence must be a float32 (frames, features) tensor.", nameof(sequence));
        }

        int features = sequence.Dim(1);
        int have = sequence.Dim(0);
        int keep = FittedLength(have, frames);
        int from = truncating == SequenceSide.Pre ? have - keep : 0;
        int to = padding == SequenceSide.Pre ? frames - keep : 0;
        if (value != 0f)
        {
            // The new array is zeros already; another value fills the padding rows only.
            target[..(to * features)].Fill(value);
            target[((to + keep) * features)..].Fill(value);
        }

        sequence.AsSpan<float>().Slice(from * features, keep * features).CopyTo(target[(to * features)..]);
    }
}
