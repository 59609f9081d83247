using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// An n-dimensional array of one <see cref="DType"/>, stored flat in C (row-major) order.
/// It keeps values exactly as they were read or given; the engine converts to float32 only
/// when it consumes data (<see cref="ToSingleArray(out long)"/>), and reports what that loses.
/// </summary>
/// <remarks>
/// <para>A tensor is a window of a backing array: <see cref="Length"/> elements from <see cref="Offset"/>. A tensor made
/// from an array owns it whole (offset 0); <see cref="Rows"/>, <see cref="Slice"/> when its result is one contiguous
/// block, and <see cref="Reshape"/> share the source's array, as NumPy views do, and writes through either (indexers,
/// <see cref="SetValue"/>, <see cref="AsSpan{T}"/>) show in both. Selections that are not one block copy.</para>
/// <para>A .NET array cannot alias part of another, so <see cref="Data"/> of a window (<see cref="IsWindow"/>) is the one
/// place a view copies: the first read copies the window into an array of the tensor's own and the tensor keeps that
/// array from then on, as if it had been a copy all along (later writes to the source no longer reach it, nor its
/// writes the source). Code that reads or writes <see cref="Data"/> therefore stays correct; the engine reads windows in
/// place through <see cref="AsSpan{T}"/>, <see cref="AsMemory{T}"/> and <see cref="BackingArray"/>.</para>
/// The type deliberately does not implement <see cref="System.Collections.IEnumerable"/>, so that
/// PowerShell passes a tensor down the pipeline as one object instead of unrolling it.
/// </remarks>
public sealed class Tensor
{
    private readonly int[] _shape;
    private readonly int[] _strides;
    private readonly int _length;

    // The array and the offset of element 0 in it, swapped as one reference when Data detaches a window, so a reader on
    // another thread never pairs the old array with the new offset.
    private volatile Storage _storage;

    /// <summary>Wraps a flat array (C order) of a supported element type with a shape.</summary>
    /// <param name="data">A one-dimensional array of <c>bool</c>, <c>sbyte</c>, <c>byte</c>, <c>short</c>,
    /// <c>ushort</c>, <c>int</c>, <c>uint</c>, <c>long</c>, <c>ulong</c>, <c>Half</c>, <c>float</c> or <c>double</c>.
    /// It is used as is, not copied.</param>
    /// <param name="shape">The dimensions; none for a 0-d (scalar) tensor.</param>
    public Tensor(Array data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        if (data.Rank != 1)
        {
            throw new ArgumentException("The data array must be one-dimensional (flat, C order).", nameof(data));
        }

        Type elementType = data.GetType().GetElementType()!;
        if (!DTypeInfo.TryFromElementType(elementType, out DType dtype))
        {
            throw new ArgumentException($"Element type {elementType} is not a supported tensor dtype.", nameof(data));
        }

        long count = ElementCount(shape);
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape {FormatShape(shape)} holds {count} elements but the data has {data.Length}.", nameof(shape));
        }

        DType = dtype;
        _storage = new Storage(data, 0);
        _length = data.Length;
        _shape = (int[])shape.Clone();
        _strides = RowMajorStrides(_shape);
    }

    // A window of `length` elements of `array` from `offset`, already checked by the caller.
    private Tensor(Array array, int offset, int length, DType dtype, int[] shape)
    {
        DType = dtype;
        _storage = new Storage(array, offset);
        _length = length;
        _shape = shape;
        _strides = RowMajorStrides(shape);
    }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The dimensions (a copy).</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The number of dimensions; 0 for a scalar.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length => _length;

    /// <summary>
    /// The values as a flat array of exactly <see cref="Length"/> elements in C order; its element type matches
    /// <see cref="DType"/>. For a tensor that owns its whole backing array this is that array (no copy, writes go to the
    /// tensor and to every view of it). For a window (<see cref="IsWindow"/>) the first read copies the window into an
    /// array of the tensor's own, which it keeps: from then on the tensor no longer shares memory with its source.
    /// </summary>
    public Array Data
    {
        get
        {
            Storage storage = _storage;
            if (storage.Offset == 0 && storage.Array.Length == _length)
            {
                return storage.Array;
            }

            Array own = Array.CreateInstance(storage.Array.GetType().GetElementType()!, _length);
            Array.Copy(storage.Array, storage.Offset, own, 0, _length);
            // Two threads may race here: one copy wins and both return it.
            Storage mine = new(own, 0);
            Storage seen = Interlocked.CompareExchange(ref _storage, mine, storage);
            return ReferenceEquals(seen, storage) ? own : seen.Array;
        }
    }

    /// <summary>
    /// The array the elements live in, shared with every view of it (read without copying): this tensor's elements are
    /// <see cref="Length"/> of them from <see cref="Offset"/>. Prefer <see cref="AsSpan{T}"/>.
    /// </summary>
    public Array BackingArray => _storage.Array;

    /// <summary>The position of this tensor's first element in <see cref="BackingArray"/>.</summary>
    public int Offset => _storage.Offset;

    /// <summary>
    /// The backing array and the offset read as one pair: a <see cref="Data"/> read on another thread between reading
    /// <see cref="BackingArray"/> and <see cref="Offset"/> would otherwise pair its new array with the old offset.
    /// </summary>
    internal (Array Array, int Offset) InPlace()
    {
        Storage storage = _storage;
        return (storage.Array, storage.Offset);
    }

    /// <summary>
    /// Whether the tensor is a part of a larger backing array (a view from <see cref="Rows"/> or <see cref="Slice"/>), so
    /// that reading <see cref="Data"/> would copy it.
    /// </summary>
    public bool IsWindow
    {
        get
        {
            Storage storage = _storage;
            return storage.Offset != 0 || storage.Array.Length != _length;
        }
    }

    /// <summary>The array's name inside a .npz archive, or null.</summary>
    public string? Name { get; set; }

    /// <summary>The shape as NumPy prints it: <c>(2, 3)</c>, <c>(5,)</c> or <c>()</c>.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>A NumPy-like preview of the values, summarized with <c>...</c> past 1000 elements.</summary>
    public string Preview => TensorFormatter.Format(this);

    /// <summary>One element, by its index along every dimension.</summary>
    public object this[params int[] index]
    {
        get => GetValue(index);
        set => SetValue(value, index);
    }

    // Fixed-arity indexers: PowerShell's $t[i, j] binds to these, not to the params form.

    /// <summary>One element of a 1-d tensor.</summary>
    public object this[int i]
    {
        get => GetValue(i);
        set => SetValue(value, i);
    }

    /// <summary>One element of a 2-d tensor.</summary>
    public object this[int i, int j]
    {
        get => GetValue(i, j);
        set => SetValue(value, i, j);
    }

    /// <summary>One element of a 3-d tensor.</summary>
    public object this[int i, int j, int k]
    {
        get => GetValue(i, j, k);
        set => SetValue(value, i, j, k);
    }

    /// <summary>One element of a 4-d tensor.</summary>
    public object this[int i, int j, int k, int l]
    {
        get => GetValue(i, j, k, l);
        set => SetValue(value, i, j, k, l);
    }

    /// <summary>Returns the dimension <paramref name="axis"/>'s length.</summary>
    public int Dim(int axis) => _shape[axis];

    /// <summary>The elements as a span of their own type, in place (a view's span is its window of the shared array).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not this tensor's element type.</exception>
    public Span<T> AsSpan<T>()
        where T : unmanaged => AsMemory<T>().Span;

    /// <summary>The elements as memory of their own type, in place, to keep past a call (as <see cref="AsSpan{T}"/>).</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not this tensor's element type.</exception>
    public Memory<T> AsMemory<T>()
        where T : unmanaged
    {
        Storage storage = _storage;
        // Exact type test: the CLR lets a byte[] pass `is sbyte[]` (and uint[] pass `is int[]`, ...).
        if (storage.Array.GetType() != typeof(T[]))
        {
            throw new InvalidOperationException($"This tensor holds {DType.NumpyName()}, not {typeof(T).Name}.");
        }

        return new Memory<T>((T[])storage.Array, storage.Offset, _length);
    }

    /// <summary>One element, by its index along every dimension (negative indices count from the end).</summary>
    public object GetValue(params int[] index) => FlatValue(FlatIndex(index));

    /// <summary>Sets one element; the value is converted to the tensor's dtype and must fit it exactly.</summary>
    public void SetValue(object value, params int[] index)
    {
        ArgumentNullException.ThrowIfNull(value);
        object converted = ScalarConversion.ToDType(value, DType);
        int flat = FlatIndex(index);
        Storage storage = _storage;
        storage.Array.SetValue(converted, storage.Offset + flat);
    }

    /// <summary>The element at a flat (C order) position, 0 to <see cref="Length"/> − 1, read in place.</summary>
    public object FlatValue(int flat)
    {
        if ((uint)flat >= (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(flat), $"Flat index {flat} is outside the {_length} elements.");
        }

        Storage storage = _storage;
        return storage.Array.GetValue(storage.Offset + flat)!;
    }

    /// <summary>The flat (C order) offset of a full index.</summary>
    public int FlatIndex(params int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Length != _shape.Length)
        {
            throw new ArgumentException(
                $"A tensor of shape {ShapeText} takes {_shape.Length} indices, not {index.Length}.", nameof(index));
        }

        int flat = 0;
        for (int d = 0; d < index.Length; d++)
        {
            int i = index[d] < 0 ? index[d] + _shape[d] : index[d];
            if ((uint)i >= (uint)_shape[d])
            {
                throw new ArgumentOutOfRangeException(nameof(index),
                    $"Index {index[d]} is out of range for axis {d} with size {_shape[d]}.");
            }

            flat += i * _strides[d];
        }

        return flat;
    }

    /// <summary>
    /// The values as a .NET array of the element type with the tensor's rank (<c>float[,,]</c> for a
    /// 3-d float32 tensor). A 0-d tensor gives a one-element one-dimensional array.
    /// </summary>
    public Array ToArray()
    {
        Type elementType = DType.ElementType();
        Array result = _shape.Length <= 1 ? Array.CreateInstance(elementType, _length) : Array.CreateInstance(elementType, _shape);
        int itemSize = DType.ItemSize();
        int bytes = Length * itemSize;
        if (bytes > 0)
        {
            Storage storage = _storage;
            ref byte src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(storage.Array), (nint)storage.Offset * itemSize);
            ref byte dst = ref MemoryMarshal.GetArrayDataReference(result);
            Unsafe.CopyBlockUnaligned(ref dst, ref src, (uint)bytes);
        }

        return result;
    }

    /// <summary>The single value of a tensor with one element, as NumPy's <c>item()</c>.</summary>
    public object ToScalar()
    {
        if (Length != 1)
        {
            throw new InvalidOperationException($"ToScalar() needs exactly one element; this tensor has {Length}.");
        }

        return FlatValue(0);
    }

    /// <summary>
    /// The values converted to float32, the engine's compute type, in C order.
    /// </summary>
    /// <param name="inexact">How many elements did not convert exactly (rounded, or out of float32's range).</param>
    public float[] ToSingleArray(out long inexact)
    {
        Storage storage = _storage;
        return ScalarConversion.ToSingle(storage.Array, storage.Offset, _length, out inexact);
    }

    /// <summary>
    /// The values as float32 to read: a float32 tensor's own elements in place (no copy, a view's window of the shared
    /// array; the caller must not write them), any other dtype converted as <see cref="ToSingleArray"/> does.
    /// </summary>
    /// <param name="inexact">How many elements did not convert exactly.</param>
    public ReadOnlyMemory<float> SinglesToRead(out long inexact)
    {
        if (DType == DType.Float32)
        {
            inexact = 0;
            return AsMemory<float>();
        }

        return ToSingleArray(out inexact);
    }

    /// <summary>
    /// A copy converted to <paramref name="dtype"/>, as NumPy's <c>astype</c> but never silently wrong: integer
    /// dtypes refuse fractions and out-of-range values (<see cref="InvalidCastException"/>); float dtypes round.
    /// </summary>
    /// <param name="dtype">The dtype wanted.</param>
    /// <param name="inexact">How many elements were rounded or overflowed to infinity.</param>
    public Tensor AsType(DType dtype, out long inexact)
    {
        if (dtype == DType)
        {
            inexact = 0;
            return Clone();
        }

        if (dtype == DType.Float32)
        {
            return new Tensor(ToSingleArray(out inexact), _shape) { Name = Name };
        }

        Array target = Array.CreateInstance(dtype.ElementType(), Length);
        long lost = 0;
        for (int i = 0; i < Length; i++)
        {
            object source = FlatValue(i);
            object converted = ScalarConversion.ToDType(source, dtype);
            target.SetValue(converted, i);
            if (dtype.IsFloatingPoint() && !ScalarConversion.SameValue(source, converted))
            {
                lost++;
            }
        }

        inexact = lost;
        return new Tensor(target, _shape) { Name = Name };
    }

    /// <summary>
    /// A tensor with the same data and a new shape, sharing this one's memory (a view of a view is a view of the same
    /// array); one dimension may be -1 and is inferred.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int[] resolved = ResolveShape(shape, Length);
        Storage storage = _storage;
        return new Tensor(storage.Array, storage.Offset, _length, DType, resolved);
    }

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 along the first axis, as
    /// NumPy's <c>x[start:start + count]</c>: a view sharing this tensor's memory, not a copy (an empty selection is a new
    /// empty tensor).
    /// </summary>
    /// <exception cref="InvalidOperationException">A 0-d tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rows are not all inside the first axis.</exception>
    public Tensor Rows(int start, int count)
    {
        if (Rank == 0)
        {
            throw new InvalidOperationException("A 0-d tensor (a scalar) has no rows.");
        }

        if (start < 0 || count < 0 || start > _shape[0] - count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), string.Create(CultureInfo.InvariantCulture,
                $"Rows {start} to {start + (long)count - 1} are not all inside the first axis of size {_shape[0]}."));
        }

        int[] shape = Shape;
        shape[0] = count;
        return Window((long)start * _strides[0], shape);
    }

    /// <summary>
    /// A view of the contiguous elements from flat position <paramref name="first"/> with <paramref name="shape"/>, or a
    /// new empty tensor when the shape holds none.
    /// </summary>
    internal Tensor Window(long first, int[] shape)
    {
        int length = (int)ElementCount(shape);
        if (length == 0)
        {
            return new Tensor(Array.CreateInstance(DType.ElementType(), 0), shape) { Name = Name };
        }

        if (first < 0 || first > _length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(first), "The window is not inside the tensor.");
        }

        Storage storage = _storage;
        return new Tensor(storage.Array, storage.Offset + (int)first, length, DType, shape) { Name = Name };
    }

    /// <summary>
    /// NumPy's basic indexing, <c>x[1:3, ::2, -1]</c>: one <see cref="TensorRange"/> per leading axis (the rest whole); a
    /// single position drops its axis. A result that is one contiguous block of this tensor (a position or a step-1 range on
    /// the first axes, the rest whole, as <c>x[2]</c>, <c>x['2:5']</c>, <c>x[1, '0:2']</c>) is a view sharing its memory;
    /// any other (steps other than 1, ranges on inner axes) is a copy.
    /// </summary>
    /// <exception cref="ArgumentException">More ranges than axes, or several ellipses.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A single position outside its axis.</exception>
    public Tensor Slice(params TensorRange[] ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        return TensorCopy.Slice(this, ranges);
    }

    /// <summary>NumPy's <c>take</c>: the positions <paramref name="indices"/> (negative from the end, in any order,
    /// repeats allowed) along <paramref name="axis"/>, copied.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index or the axis out of range.</exception>
    public Tensor Take(ReadOnlySpan<int> indices, int axis = 0) => TensorCopy.Take(this, indices, axis);

    /// <summary>NumPy's <c>concatenate</c> along <paramref name="axis"/>: tensors of one dtype whose other dimensions match.</summary>
    /// <exception cref="ArgumentException">No tensors, shapes that differ off the axis, or 0-d tensors.</exception>
    /// <exception cref="ArrayTypeMismatchException">Tensors of different dtypes.</exception>
    public static Tensor Concatenate(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return TensorCopy.Concatenate(tensors, axis);
    }

    /// <summary>A deep copy (the name is kept).</summary>
    public Tensor Clone()
    {
        Storage storage = _storage;
        Array copy = Array.CreateInstance(storage.Array.GetType().GetElementType()!, _length);
        Array.Copy(storage.Array, storage.Offset, copy, 0, _length);
        return new Tensor(copy, _shape) { Name = Name };
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(DType dtype, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = ElementCount(shape);
        return new Tensor(Array.CreateInstance(dtype.ElementType(), count), shape);
    }

    /// <summary>
    /// A tensor from a rectangular .NET array of any rank (<c>float[,]</c>, <c>int[]</c>, …); the values are copied.
    /// </summary>
    public static Tensor FromArray(Array array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var shape = new int[array.Rank];
        for (int d = 0; d < shape.Length; d++)
        {
            if (array.GetLowerBound(d) != 0)
            {
                throw new ArgumentException("Arrays with non-zero lower bounds are not supported.", nameof(array));
            }

            shape[d] = array.GetLength(d);
        }

        Type elementType = array.GetType().GetElementType()!;
        if (!DTypeInfo.TryFromElementType(elementType, out DType dtype))
        {
            throw new ArgumentException($"Element type {elementType} is not a supported tensor dtype.", nameof(array));
        }

        Array flat = Array.CreateInstance(elementType, array.Length);
        int bytes = array.Length * dtype.ItemSize();
        if (bytes > 0)
        {
            Unsafe.CopyBlockUnaligned(
                ref MemoryMarshal.GetArrayDataReference(flat),
                ref MemoryMarshal.GetArrayDataReference(array),
                (uint)bytes);
        }

        return new Tensor(flat, shape);
    }

    /// <summary>The product of the dimensions, checked: negative dimensions and overflow past .NET's array limit throw.</summary>
    /// <exception cref="OverflowException">The product exceeds <see cref="Array.MaxLength"/>.</exception>
    public static long ElementCount(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        for (int d = 0; d < shape.Count; d++)
        {
            // An empty array holds no elements whatever its other dimensions ((2^20, 2^20, 0) is empty, as in NumPy).
            count = shape[d] == 0 ? 0 : count;
        }

        foreach (int dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"Dimension {dim} is negative in shape {FormatShape(shape)}.", nameof(shape));
            }

            count *= dim;
            if (count > Array.MaxLength)
            {
                throw new OverflowException(
                    $"Shape {FormatShape(shape)} has more elements than one .NET array can hold ({Array.MaxLength}).");
            }
        }

        return count;
    }

    /// <summary>Formats a shape as NumPy does: <c>(2, 3)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    public static string FormatShape(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)")
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
    }

    /// <summary>Resolves a requested shape with at most one -1 against an element count.</summary>
    /// <exception cref="ArgumentException">The shape does not fit the count; the message says why.</exception>
    public static int[] ResolveShape(IReadOnlyList<int> shape, long count)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return TryResolveShape(shape, count, out int[]? resolved, out string? problem)
            ? resolved
            : throw new ArgumentException($"Cannot reshape {count} elements into {FormatShape(shape)}: {problem}.", nameof(shape));
    }

    /// <summary>
    /// Resolves a requested shape with at most one -1 against an element count, or says why it cannot: the reason
    /// alone (such as "100 is not a multiple of 22050, the product of the other dimensions"), for callers that phrase
    /// the rest of the message themselves.
    /// </summary>
    public static bool TryResolveShape(IReadOnlyList<int> shape, long count, [NotNullWhen(true)] out int[]? resolved,
        [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(shape);
        resolved = null;
        int inferred = -1;
        long known = 1;
        bool beyond = false;
        for (int d = 0; d < shape.Count; d++)
        {
            if (shape[d] == -1)
            {
                if (inferred >= 0)
                {
                    problem = "only one dimension can be -1 (inferred)";
                    return false;
                }

                inferred = d;
            }
            else if (shape[d] < 0)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"dimension {shape[d]} is negative (only -1 stands for a dimension to infer)");
                return false;
            }
            else if (shape[d] == 0)
            {
                known = 0;
            }
            else if (known != 0 && !beyond)
            {
                // Both factors are at most int.MaxValue, so this cannot overflow; past any tensor's length the exact
                // product no longer matters (unless a later 0 makes it 0).
                known *= shape[d];
                beyond = known > int.MaxValue;
            }
        }

        if (beyond && known != 0)
        {
            problem = "that shape holds more elements than a tensor can";
            return false;
        }

        if (inferred >= 0)
        {
            if (known == 0 || count % known != 0)
            {
                problem = known == 0
                    ? "the other dimensions hold no elements, so -1 cannot be inferred"
                    : string.Create(CultureInfo.InvariantCulture, $"{count} is not a multiple of {known}, the product of the other dimensions");
                return false;
            }

            resolved = [.. shape];
            resolved[inferred] = (int)(count / known);
        }
        else if (known != count)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"that shape holds {known} elements");
            return false;
        }
        else
        {
            resolved = [.. shape];
        }

        problem = null;
        return true;
    }

    private static int[] RowMajorStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= Math.Max(shape[d], 1);
        }

        return strides;
    }

    /// <summary>Shape, dtype and preview, as the console shows a tensor.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Name is not null)
        {
            text.Append(Name).Append(": ");
        }

        text.Append("Tensor ").Append(ShapeText).Append(' ').Append(DType.NumpyName()).Append('\n').Append(Preview);
        return text.ToString();
    }

    // The backing array and where element 0 sits in it.
    private sealed record Storage(Array Array, int Offset);
}
