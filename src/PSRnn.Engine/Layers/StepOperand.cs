namespace PSRnn.Engine.Layers;

/// <summary>
/// Rows of a step product's operand: sample b's row starts at <see cref="Offset"/> + b·<see cref="Stride"/>, or, mapped
/// (a compacted buffer of real rows), at <see cref="Map"/>[<see cref="MapStart"/> + b·<see cref="MapStride"/>]·<see cref="Stride"/>
/// + <see cref="Offset"/>: then the rows of neighbouring samples are not evenly spaced.
/// </summary>
/// <param name="Array">The buffer.</param>
/// <param name="Offset">Where sample 0's row starts (mapped: the column within a row).</param>
/// <param name="Stride">Elements from one sample's row to the next's (mapped: the row width).</param>
/// <param name="Map">The row index of each b·T + t, or null.</param>
/// <param name="MapStart">The input step t (mapped).</param>
/// <param name="MapStride">The steps T (mapped).</param>
internal readonly record struct StepOperand(float[] Array, int Offset, int Stride, int[]? Map = null, int MapStart = 0, int MapStride = 0)
{
    /// <summary>Where sample <paramref name="b"/>'s row starts.</summary>
    public int Row(int b) => Map is null ? Offset + (b * Stride) : (Map[MapStart + (b * MapStride)] * Stride) + Offset;

    /// <summary>Whether rows of consecutive samples are <see cref="Stride"/> apart (not mapped).</summary>
    public bool EvenlySpaced => Map is null;

    /// <summary>
    /// Whether a step's active samples have consecutive rows, <see cref="Stride"/> apart, whichever samples they are:
    /// a mapped (compacted, step-major) gate buffer, whose rows of a step are its real ones in sample order.
    /// </summary>
    public bool ActiveRowsContiguous => Map is not null;
}
