namespace PSRnn.Engine.Layers;

/// <summary>
/// The carried state of one recurrent layer for <see cref="Batch"/> independent sequences (Keras's stateful states,
/// PyTorch's hx): h, and c for LSTM, each (batch, units), zeros at the start. While a layer's
/// <see cref="RecurrentLayer.State"/> is set, a forward pass starts from it instead of zeros and leaves the state after
/// the last step in it (a masked step leaves it alone); the backward pass stops at it (truncated BPTT).
/// </summary>
public sealed class RecurrentState
{
    /// <summary>Zero states for <paramref name="batch"/> sequences of a layer of <paramref name="units"/> units.</summary>
    /// <param name="batch">The sequences.</param>
    /// <param name="units">The layer's units.</param>
    /// <param name="count">The state vectors per step: 1 (h) or 2 (h and c).</param>
    public RecurrentState(int batch, int units, int count)
        : this(batch, units, count, units)
    {
    }

    /// <summary>Zero states for a layer whose h is <paramref name="hWidth"/> wide (an LSTM with a projection) and c <paramref name="units"/>.</summary>
    /// <param name="batch">The sequences.</param>
    /// <param name="units">The layer's units (c's width).</param>
    /// <param name="count">The state vectors per step: 1 (h) or 2 (h and c).</param>
    /// <param name="hWidth">h's width: the units, or the projection size.</param>
    public RecurrentState(int batch, int units, int count, int hWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hWidth);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 2);
        Batch = batch;
        Units = units;
        HWidth = hWidth;
        H = new float[checked(batch * hWidth)];
        C = count > 1 ? new float[batch * units] : null;
    }

    /// <summary>The width of h: <see cref="Units"/>, or an LSTM's projection size.</summary>
    public int HWidth { get; }

    /// <summary>The sequences.</summary>
    public int Batch { get; }

    /// <summary>The units of each state vector.</summary>
    public int Units { get; }

    /// <summary>The state vectors per step: 1 (h) or 2 (h and c).</summary>
    public int Count => C is null ? 1 : 2;

    /// <summary>h (Batch, HWidth), row-major.</summary>
    public float[] H { get; }

    /// <summary>LSTM's c (Batch, Units), or null.</summary>
    public float[]? C { get; }

    /// <summary>The names of the state vectors as <c>h</c> and <c>c</c>.</summary>
    public IReadOnlyList<string> Names => C is null ? ["h"] : ["h", "c"];

    /// <summary>Zeroes every sequence's state.</summary>
    public void Reset()
    {
        Array.Clear(H);
        if (C is not null)
        {
            Array.Clear(C);
        }
    }

    /// <summary>Zeroes sequence <paramref name="index"/>'s state.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such sequence.</exception>
    public void Reset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Batch);
        Array.Clear(H, index * HWidth, HWidth);
        if (C is not null)
        {
            Array.Clear(C, index * Units, Units);
        }
    }
}
