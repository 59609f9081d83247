namespace PSRnn.Engine.Layers;

/// <summary>Rows of a step product's operand: sample b's row starts at <see cref="Offset"/> + b·<see cref="Stride"/>.</summary>
/// <param name="Array">The buffer.</param>
/// <param name="Offset">Where sample 0's row starts.</param>
/// <param name="Stride">Elements from one sample's row to the next's.</param>
internal readonly record struct StepOperand(float[] Array, int Offset, int Stride)
{
    /// <summary>Where sample <paramref name="b"/>'s row starts.</summary>
    public int Row(int b) => Offset + (b * Stride);
}
