namespace PSRnn.Engine.Training;

/// <summary>
/// One parameter's optimizer slots (momentum, velocity, …) restricted to the elements [start, start + length): what an
/// update rule sees of them when <see cref="Optimizer.Step"/> splits a large parameter over the compute threads. Every
/// rule is element-wise, so a range's update is the unsplit update's on those elements.
/// </summary>
internal readonly ref struct OptimizerSlotSpans
{
    private readonly float[][] _slots;
    private readonly int _start;
    private readonly int _length;

    public OptimizerSlotSpans(float[][] slots, int start, int length)
    {
        _slots = slots;
        _start = start;
        _length = length;
    }

    /// <summary>Slot <paramref name="index"/> over the range.</summary>
    public Span<float> this[int index] => _slots[index].AsSpan(_start, _length);
}
