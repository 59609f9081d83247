using System.Globalization;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// One axis of a NumPy-style basic index, for <see cref="Tensor.Slice"/>: a single position (the axis is dropped, as
/// <c>x[2]</c>), a range <c>start:stop:step</c> with NumPy's rules (negative positions count from the end, omitted
/// parts take the whole axis in the step's direction, out-of-range bounds are clipped), or the ellipsis <c>...</c>
/// (as many whole axes as the other ranges leave).
/// </summary>
public readonly record struct TensorRange
{
    private TensorRange(bool single, bool ellipsis, int? start, int? stop, int step)
    {
        IsSingle = single;
        IsEllipsis = ellipsis;
        Start = start;
        Stop = stop;
        Step = step;
    }

    /// <summary>True for a single position (<see cref="Start"/>), which drops the axis.</summary>
    public bool IsSingle { get; }

    /// <summary>True for <c>...</c>.</summary>
    public bool IsEllipsis { get; }

    /// <summary>The first position (or the single one); null for the axis's start in the step's direction.</summary>
    public int? Start { get; }

    /// <summary>The position the range stops before; null for past the axis's end in the step's direction.</summary>
    public int? Stop { get; }

    /// <summary>The step (not zero); 1 by default, negative to go backwards.</summary>
    public int Step { get; }

    /// <summary>The whole axis, <c>:</c>.</summary>
    public static TensorRange All { get; } = new(false, false, null, null, 1);

    /// <summary><c>...</c>: whole axes for the ones not given.</summary>
    public static TensorRange Ellipsis { get; } = new(false, true, null, null, 1);

    /// <summary>A single position (negative counts from the end).</summary>
    public static TensorRange At(int index) => new(true, false, index, null, 1);

    /// <summary>The range <c>start:stop:step</c>.</summary>
    /// <exception cref="ArgumentException">The step is zero.</exception>
    public static TensorRange Of(int? start, int? stop, int step = 1)
    {
        if (step == 0)
        {
            throw new ArgumentException("A slice step cannot be zero.", nameof(step));
        }

        return new TensorRange(false, false, start, stop, step);
    }

    /// <summary>Reads NumPy's notation: <c>3</c>, <c>-1</c>, <c>:</c>, <c>1:</c>, <c>:5</c>, <c>::2</c>, <c>8:2:-2</c>, <c>...</c>.</summary>
    /// <exception cref="FormatException">The text is not one of those.</exception>
    public static TensorRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s == "...")
        {
            return Ellipsis;
        }

        string[] parts = s.Split(':');
        if (parts.Length == 1)
        {
            return At(Number(parts[0], text) ?? throw new FormatException($"'{text}' is not a position or a slice such as 1:5, ::2 or -1."));
        }

        if (parts.Length > 3)
        {
            throw new FormatException($"'{text}' has more than two colons; a slice is start:stop:step.");
        }

        int? step = parts.Length == 3 ? Number(parts[2], text) : null;
        if (step == 0)
        {
            throw new FormatException($"'{text}' has a step of zero.");
        }

        return Of(Number(parts[0], text), Number(parts[1], text), step ?? 1);
    }

    /// <summary>The positions this range takes on an axis of <paramref name="size"/>: first, step and count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A single position outside the axis.</exception>
    public (int First, int Step, int Count) Resolve(int size, int axis)
    {
        if (IsSingle)
        {
            int i = Start!.Value < 0 ? Start.Value + size : Start.Value;
            if ((uint)i >= (uint)size)
            {
                throw new ArgumentOutOfRangeException(nameof(size), string.Create(CultureInfo.InvariantCulture,
                    $"Index {Start.Value} is out of range for axis {axis} with size {size}."));
            }

            return (i, 1, 1);
        }

        // NumPy's PySlice_AdjustIndices.
        if (Step > 0)
        {
            int start = Clip(Start ?? 0, size, 0, size);
            int stop = Clip(Stop ?? size, size, 0, size);
            return (start, Step, stop > start ? (int)(((long)stop - start + Step - 1) / Step) : 0);
        }
        else
        {
            int start = Clip(Start ?? (size - 1), size, -1, size - 1);
            int stop = Stop is int given ? Clip(given, size, -1, size - 1) : -1;
            return (start, Step, start > stop ? (int)(((long)start - stop - Step - 1) / -Step) : 0);
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsEllipsis ? "..." : IsSingle ? Start!.Value.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Start}:{Stop}{(Step == 1 ? "" : ":" + Step)}");

    private static int Clip(int value, int size, int low, int high)
    {
        long v = value < 0 ? (long)value + size : value;
        return (int)Math.Clamp(v, low, high);
    }

    private static int? Number(string part, string text)
    {
        string p = part.Trim();
        if (p.Length == 0)
        {
            return null;
        }

        return int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new FormatException($"'{text}': '{p}' is not a whole number.");
    }
}
