using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Pads with zeros or truncates (frames, features) sequences to a common length, and stacks them into one
/// (N, frames, features) batch, as Keras's <c>pad_sequences</c> does.
/// </summary>
public static class SequenceFitting
{
    /// <summary>Pads or truncates one float32 (frames, features) sequence to <paramref name="frames"/> rows.</summary>
    /// <param name="sequence">The sequence.</param>
    /// <param name="frames">The rows wanted.</param>
    /// <param name="padding">Where zero rows are added when the sequence is shorter.</param>
    /// <param name="truncating">Where rows are removed when it is longer.</param>
    public static Tensor Fit(Tensor sequence, int frames, SequenceSide padding, SequenceSide truncating)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        var output = new float[frames * sequence.Dim(1)];
        CopyFitted(sequence, output, frames, padding, truncating);
        return new Tensor(output, frames, sequence.Dim(1));
    }

    /// <summary>
    /// Stacks float32 (frames, features) sequences into (N, frames, features), each padded or truncated to
    /// <paramref name="frames"/>, or to the longest when it is null.
    /// </summary>
    public static Tensor Stack(IReadOnlyList<Tensor> sequences, int? frames, SequenceSide padding, SequenceSide truncating)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("There are no sequences to stack.", nameof(sequences));
        }

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
            CopyFitted(sequences[n], output.AsSpan(n * size, size), steps, padding, truncating);
        }

        return new Tensor(output, sequences.Count, steps, features);
    }

    private static void CopyFitted(Tensor sequence, Span<float> target, int frames, SequenceSide padding, SequenceSide truncating)
    {
        if (sequence.Rank != 2 || sequence.DType != DType.Float32)
        {
            throw new ArgumentException("The sequence must be a float32 (frames, features) tensor.", nameof(sequence));
        }

        int features = sequence.Dim(1);
        int have = sequence.Dim(0);
        int keep = Math.Min(have, frames);
        int from = truncating == SequenceSide.Pre ? have - keep : 0;
        int to = padding == SequenceSide.Pre ? frames - keep : 0;
        sequence.AsSpan<float>().Slice(from * features, keep * features).CopyTo(target[(to * features)..]);
    }
}
