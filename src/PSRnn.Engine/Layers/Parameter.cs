namespace PSRnn.Engine.Layers;

/// <summary>
/// A trainable weight with its gradient: Keras's name (<c>kernel</c>, <c>recurrent_kernel</c>, <c>bias</c>, …) and
/// shape, values stored flat in C order. Layers accumulate into <see cref="Gradient"/> during backward
/// (<c>+=</c>), so one zeroing before a batch serves every contribution; optimizers read it and update
/// <see cref="Value"/> in place.
/// </summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter of zeros.</summary>
    /// <param name="name">The Keras name, such as <c>recurrent_kernel</c>.</param>
    /// <param name="shape">The Keras shape, such as (units, 4·units).</param>
    public Parameter(string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Shape = (int[])shape.Clone();
        int count = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d);
            count = checked(count * d);
        }

        Value = new float[count];
        Gradient = new float[count];
    }

    /// <summary>The Keras parameter name.</summary>
    public string Name { get; }

    /// <summary>The Keras shape (do not change it).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Length => Value.Length;

    /// <summary>The values, C order.</summary>
    public float[] Value { get; }

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>, accumulated by backward passes.</summary>
    public float[] Gradient { get; }

    /// <summary>Whether the optimizer updates it (Keras's <c>trainable</c>).</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>Sets the gradient to zero before a batch.</summary>
    public void ZeroGradient() => Array.Clear(Gradient);
}
