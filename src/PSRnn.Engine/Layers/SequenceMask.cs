using System.Globalization;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's sequence mask: for each sample b and input step t whether the step is real (true) or padding (false).
/// A Masking layer or an Embedding with mask_zero makes it; the recurrent layers skip masked steps (the state carries
/// through unchanged), per-step layers pass it on, and the loss and metrics leave masked steps out.
/// </summary>
/// <remarks>
/// The steps of a sample need not be contiguous (Keras masks any step whose features all equal the mask value); padding
/// before or after the data is the common case, and <see cref="FirstReal"/>, <see cref="LastReal"/> and
/// <see cref="RealSteps"/> describe it per sample. A mask is reused batch after batch by the layer that owns it.
/// </remarks>
public sealed class SequenceMask
{
    private bool[] _real = [];
    private int[] _first = [];
    private int[] _last = [];
    private int[] _count = [];

    /// <summary>An empty mask; <see cref="Resize"/> shapes it.</summary>
    public SequenceMask()
    {
    }

    /// <summary>A mask of <paramref name="batch"/> samples by <paramref name="time"/> steps from row-major values.</summary>
    /// <exception cref="ArgumentException">The values are not batch × time long.</exception>
    public SequenceMask(int batch, int time, ReadOnlySpan<bool> real)
    {
        Resize(batch, time);
        if (real.Length != batch * time)
        {
            throw new ArgumentException($"A mask of {batch} × {time} needs {batch * time} values, not {real.Length}.", nameof(real));
        }

        real.CopyTo(_real);
        Update();
    }

    /// <summary>
    /// The mask of sequences with the given real lengths in <paramref name="time"/> steps: the real steps last when
    /// <paramref name="padBefore"/> (Keras's pad_sequences default, 'pre'), else first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A length below zero or above <paramref name="time"/>.</exception>
    public static SequenceMask FromLengths(ReadOnlySpan<int> lengths, int time, bool padBefore)
    {
        var mask = new SequenceMask();
        mask.Resize(lengths.Length, time);
        for (int b = 0; b < lengths.Length; b++)
        {
            int n = lengths[b];
            if (n < 0 || n > time)
            {
                throw new ArgumentOutOfRangeException(nameof(lengths), n,
                    string.Create(CultureInfo.InvariantCulture, $"Sample {b} has length {n}; lengths must be from 0 to {time}."));
            }

            mask._real.AsSpan((b * time) + (padBefore ? time - n : 0), n).Fill(true);
        }

        mask.Update();
        return mask;
    }

    /// <summary>The samples.</summary>
    public int Batch { get; private set; }

    /// <summary>The steps of each sample.</summary>
    public int Time { get; private set; }

    /// <summary>Whether step <paramref name="t"/> of sample <paramref name="b"/> is real.</summary>
    public bool this[int b, int t] => _real[(b * Time) + t];

    /// <summary>The values, row-major (B·T); writable while the owner fills it, then <see cref="Update"/>.</summary>
    internal Span<bool> Values => _real.AsSpan(0, Batch * Time);

    /// <summary>Whether every step of every sample is real (the mask changes nothing).</summary>
    public bool AllReal { get; private set; }

    /// <summary>Whether every sample's real steps are one run (padding only before and after).</summary>
    public bool Contiguous { get; private set; }

    /// <summary>The real steps of sample <paramref name="b"/>.</summary>
    public int RealSteps(int b) => _count[b];

    /// <summary>The first real step of sample <paramref name="b"/>, or <see cref="Time"/> when it has none.</summary>
    public int FirstReal(int b) => _first[b];

    /// <summary>The last real step of sample <paramref name="b"/>, or −1 when it has none.</summary>
    public int LastReal(int b) => _last[b];

    /// <summary>The real steps of all samples.</summary>
    public long TotalRealSteps { get; private set; }

    /// <summary>Shapes the mask (contents undefined until filled and <see cref="Update"/>d); grows only.</summary>
    internal void Resize(int batch, int time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(time);
        int length = checked(batch * time);
        if (_real.Length < length)
        {
            _real = new bool[length];
        }

        if (_first.Length < batch)
        {
            _first = new int[batch];
            _last = new int[batch];
            _count = new int[batch];
        }

        Batch = batch;
        Time = time;
        _real.AsSpan(0, length).Clear();
    }

    /// <summary>Recomputes the per-sample summaries after the values were written.</summary>
    internal void Update()
    {
        bool all = true, contiguous = true;
        long total = 0;
        for (int b = 0; b < Batch; b++)
        {
            ReadOnlySpan<bool> row = _real.AsSpan(b * Time, Time);
            int first = row.IndexOf(true);
            int last = row.LastIndexOf(true);
            int count = 0;
            foreach (bool r in row)
            {
                count += r ? 1 : 0;
            }

            _first[b] = first < 0 ? Time : first;
            _last[b] = last;
            _count[b] = count;
            total += count;
            all &= count == Time;
            contiguous &= count == 0 || last - first + 1 == count;
        }

        AllReal = all;
        Contiguous = contiguous;
        TotalRealSteps = total;
    }

    /// <summary>This mask's values into <paramref name="other"/> (shaped like this one).</summary>
    internal void CopyTo(SequenceMask other)
    {
        ArgumentNullException.ThrowIfNull(other);
        other.Resize(Batch, Time);
        Values.CopyTo(other.Values);
        other.Update();
    }
}
