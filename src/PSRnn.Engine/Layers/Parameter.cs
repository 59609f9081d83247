using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// A trainable weight with its gradient: Keras's name (<c>kernel</c>, <c>recurrent_kernel</c>, <c>bias</c>, …) and
/// shape, values stored flat in C order. Layers accumulate into <see cref="Gradient"/> during backward
/// (<c>+=</c>), so one zeroing before a batch serves every contribution; optimizers read it and update
/// <see cref="Value"/> in place.
/// </summary>
/// <remarks>
/// The arrays are allocated on first use, not by the constructor: a model read from a file is built (shapes only),
/// checked against the file's tensors, and only then given memory — so a file whose configuration claims weights it does
/// not hold costs nothing — and a model that only predicts never allocates gradients.
/// </remarks>
public sealed class Parameter
{
    private float[]? _value;
    private float[]? _gradient;
    // One quantized copy per precision (index: the enum's value) and the version each was made from.
    private QuantizedMatrix?[]? _quantized;
    private int[]? _quantizedVersions;
    private int _version;

    /// <summary>Creates a parameter of zeros.</summary>
    /// <param name="name">The Keras name, such as <c>recurrent_kernel</c>.</param>
    /// <param name="shape">The Keras shape, such as (units, 4·units).</param>
    /// <exception cref="ModelException"><c>LayerTooLarge</c>: the shape holds more values than one .NET array.</exception>
    public Parameter(string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d);
        }

        long count = ElementCount(shape);
        if (count > Array.MaxLength)
        {
            throw TooLarge($"Weight '{name}'", shape, count);
        }

        Name = name;
        Shape = (int[])shape.Clone();
        Length = (int)count;
    }

    /// <summary>The Keras parameter name.</summary>
    public string Name { get; }

    /// <summary>The Keras shape (do not change it).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The values, C order (zeros until set).</summary>
    public float[] Value => _value ?? Allocate(ref _value);

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>, accumulated by backward passes.</summary>
    public float[] Gradient => _gradient ?? Allocate(ref _gradient);

    /// <summary>The penalty on this weight counted in the training loss (set by its layer), or null.</summary>
    public Regularizer? Regularizer { get; internal set; }

    /// <summary>Whether the optimizer updates it (Keras's <c>trainable</c>).</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>
    /// A constraint the optimizer applies after each update, as Keras applies a variable's constraint: every value is
    /// clipped to [−MaxAbs, MaxAbs] (IndRNN's bound on its recurrent weights); null for none.
    /// </summary>
    public float? MaxAbs { get; internal set; }

    /// <summary>Clips the values to <see cref="MaxAbs"/> (nothing without one).</summary>
    public void ApplyConstraint() => ApplyConstraint(0, Value.Length);

    /// <summary>Applies the constraint to elements [start, start + length) of <see cref="Value"/> (element-wise).</summary>
    internal void ApplyConstraint(int start, int length)
    {
        if (MaxAbs is float max)
        {
            Span<float> range = Value.AsSpan(start, length);
            System.Numerics.Tensors.TensorPrimitives.Clamp(range, -max, max, range);
        }
    }

    /// <summary>
    /// Counts the changes to <see cref="Value"/> made through the engine (optimizer steps, restored snapshots,
    /// initialization, Set-RnnLayerWeight): a prediction's quantized copy of the weight is rebuilt when it moves.
    /// </summary>
    internal int Version => _version;

    /// <summary>Records that <see cref="Value"/> changed (call after writing it), so the quantized copy is rebuilt.</summary>
    public void MarkChanged() => Interlocked.Increment(ref _version);

    /// <summary>
    /// This weight as a k×n kernel at <paramref name="precision"/> for prediction (<see cref="QuantizedMatrix"/>), made
    /// on first use and kept until <see cref="Value"/> changes (<see cref="MarkChanged"/>), one copy per precision asked
    /// for (a script alternating int8 and bfloat16 does not quantize at every call); null for float32 (the kernel is read
    /// as it is). Not saved in model files. One caller at a time, as prediction.
    /// </summary>
    internal QuantizedMatrix? QuantizedFor(WeightPrecision precision)
    {
        if (precision == WeightPrecision.Float32)
        {
            return null;
        }

        _quantized ??= new QuantizedMatrix?[Enum.GetValues<WeightPrecision>().Length];
        _quantizedVersions ??= new int[_quantized.Length];
        int slot = (int)precision;
        QuantizedMatrix? q = _quantized[slot];
        int version = _version;
        if (q is not null && _quantizedVersions[slot] == version)
        {
            return q;
        }

        int n = Shape[^1], k = n == 0 ? 0 : Length / n;
        q = QuantizedMatrix.Create(Value, k, n, precision);
        _quantized[slot] = q;
        _quantizedVersions[slot] = version;
        return q;
    }

    /// <summary>Sets the gradient to zero before a batch.</summary>
    public void ZeroGradient()
    {
        // Never allocated means never accumulated into: already zero.
        if (_gradient is not null)
        {
            Array.Clear(_gradient);
        }
    }

    /// <summary>The number of values a shape holds, or <see cref="long.MaxValue"/> when that overflows 64 bits.</summary>
    public static long ElementCount(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d != 0 && count > long.MaxValue / Math.Abs((long)d))
            {
                return long.MaxValue;
            }

            count *= d;
        }

        return count;
    }

    /// <summary>The standard error for a weight too large for one array (<c>LayerTooLarge</c>).</summary>
    /// <param name="subject">What the weight is, for the message: <c>Weight 'kernel'</c>, <c>The kernel of layer 'dense' (Dense)</c>.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="count">Its number of values (<see cref="ElementCount"/>).</param>
    internal static ModelException TooLarge(string subject, IReadOnlyList<int> shape, long count)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        string values = count == long.MaxValue ? "more than 2^63" : count.ToString("N0", c);
        return new ModelException("LayerTooLarge",
            $"{subject} would have the shape ({string.Join(", ", shape.Select(d => d.ToString(c)))}): {values} values, more than " +
            $"one .NET array holds ({Array.MaxLength.ToString("N0", c)}). Use fewer units, features or tokens.");
    }

    private float[] Allocate(ref float[]? slot)
    {
        // Two threads may ask at once (batch chunks run in parallel): both get the array that won.
        Interlocked.CompareExchange(ref slot, new float[Length], null);
        return slot;
    }
}
