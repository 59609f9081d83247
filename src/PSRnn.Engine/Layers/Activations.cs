namespace PSRnn.Engine.Layers;

/// <summary>
/// A batch of activations (or of their gradients): (batch, time, features) row-major and contiguous, or
/// (batch, features) for vectors, when <see cref="Time"/> is 1 and <see cref="IsSequence"/> false.
/// The buffer only grows: after the first batch has sized it, <see cref="Resize"/> allocates nothing.
/// </summary>
public sealed class Activations
{
    private float[] _buffer = [];

    /// <summary>Creates an empty batch.</summary>
    public Activations()
    {
    }

    /// <summary>Creates a batch of zeros of the given size.</summary>
    public Activations(int batch, int time, int features, bool isSequence) => Resize(batch, time, features, isSequence);

    /// <summary>Samples in the batch.</summary>
    public int Batch { get; private set; }

    /// <summary>Time steps per sample (1 for vectors).</summary>
    public int Time { get; private set; }

    /// <summary>Features per step.</summary>
    public int Features { get; private set; }

    /// <summary>Whether the samples are sequences (batch, time, features) or vectors (batch, features).</summary>
    public bool IsSequence { get; private set; }

    /// <summary>Batch × time × features.</summary>
    public int Length => Batch * Time * Features;

    /// <summary>Rows of a (batch·time, features) view: what a per-step Dense or a loss sees.</summary>
    public int Rows => Batch * Time;

    /// <summary>The backing array; it may be longer than <see cref="Length"/>.</summary>
    public float[] Buffer => _buffer;

    /// <summary>The live elements.</summary>
    public Span<float> Span => _buffer.AsSpan(0, Length);

    /// <summary>Sets the size, growing the buffer only when it is too small. Contents are not cleared.</summary>
    public void Resize(int batch, int time, int features, bool isSequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(time);
        ArgumentOutOfRangeException.ThrowIfNegative(features);
        int length = checked(batch * time * features);
        if (_buffer.Length < length)
        {
            _buffer = new float[length];
        }

        Batch = batch;
        Time = time;
        Features = features;
        IsSequence = isSequence;
    }

    /// <summary>
    /// Makes these activations a second view of <paramref name="other"/>'s live elements (same buffer, same shape), for a
    /// layer whose output equals its input bit for bit: no copy. Valid until <paramref name="other"/> is resized.
    /// </summary>
    internal void ViewOf(Activations other)
    {
        _buffer = other._buffer;
        RowsByChunks = other.RowsByChunks;
        Batch = other.Batch;
        Time = other.Time;
        Features = other.Features;
        IsSequence = other.IsSequence;
    }

    /// <summary>
    /// Whether the rows were written by a recurrent layer's time loop split over the cores by samples
    /// (<see cref="BatchSplit"/>): each core then holds its chunk's rows in its cache, and a row gather is fastest run over
    /// the same chunks. Rows written on the calling thread (the batch a model is fed, a Dense or Masking output) are in
    /// its cache, and a split gather would only add a hand-off. The producer sets it at each forward pass.
    /// </summary>
    internal bool RowsByChunks { get; set; }

    /// <summary>
    /// The sequence mask that goes with these activations (Keras's <c>_keras_mask</c>): which steps are real. Null when
    /// every step is (no Masking layer or mask_zero upstream, or the activations are not a sequence).
    /// </summary>
    public SequenceMask? Mask { get; set; }

    /// <summary>Sets the size to that of <paramref name="other"/>.</summary>
    public void ResizeLike(Activations other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Resize(other.Batch, other.Time, other.Features, other.IsSequence);
    }

    /// <summary>The shape of one sample.</summary>
    public SampleShape SampleShape => IsSequence ? SampleShape.Sequence(Time, Features) : SampleShape.Vector(Features);
}
