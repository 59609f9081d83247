using System.Collections;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// Builds tensors from what scripts hold: tensors, rectangular .NET arrays of any rank, nested lists
/// (jagged arrays, <c>object[]</c> of <c>object[]</c>) and single numbers. The dtype is inferred as NumPy's
/// <c>np.array</c> would (bool, else integer, else float, widest wins), unless one is asked for.
/// </summary>
public static class TensorConverter
{
    /// <summary>Converts <paramref name="value"/> to a tensor.</summary>
    /// <param name="value">A <see cref="Tensor"/>, an array, a nested <see cref="IList"/> of numbers, or a number.</param>
    /// <param name="dtype">The dtype wanted; null infers it. Integer dtypes take only whole numbers in range.</param>
    /// <param name="unwrap">Unwraps host wrappers (PowerShell's PSObject) around values and elements; may be null.</param>
    /// <param name="inexact">How many elements were rounded by the conversion to <paramref name="dtype"/>.</param>
    /// <exception cref="ArgumentException">The value is ragged, empty of numbers where a type is needed, or not numeric.</exception>
    /// <exception cref="InvalidCastException">A value does not fit the requested integer dtype.</exception>
    public static Tensor FromObject(object? value, DType? dtype, Func<object?, object?>? unwrap, out long inexact)
    {
        unwrap ??= static v => v;
        value = unwrap(value);
        Tensor natural = value switch
        {
            null => throw new ArgumentException("The value is null; give numbers, an array or a tensor."),
            Tensor t => t,
            Array { Rank: > 1 } a when DTypeInfo.TryFromElementType(a.GetType().GetElementType()!, out _) => Tensor.FromArray(a),
            Array { Rank: 1 } a when DTypeInfo.TryFromElementType(a.GetType().GetElementType()!, out _) =>
                new Tensor((Array)a.Clone(), a.Length),
            _ => FromNested(value, unwrap),
        };

        if (dtype is null || dtype == natural.DType)
        {
            inexact = 0;
            return ReferenceEquals(natural, value) ? natural.Clone() : natural;
        }

        return natural.AsType(dtype.Value, out inexact);
    }

    private static Tensor FromNested(object value, Func<object?, object?> unwrap)
    {
        // The shape comes from the first element at each depth; the walk then checks every list against it.
        var shape = new List<int>();
        for (object? node = value; unwrap(node) is IList list; node = list.Count > 0 ? list[0] : null)
        {
            shape.Add(list.Count);
            if (list.Count == 0)
            {
                break;
            }
        }

        var leaves = new List<object>();
        Walk(value, 0, []);
        DType inferred = Infer(leaves);
        Array data = Array.CreateInstance(inferred.ElementType(), leaves.Count);
        for (int i = 0; i < leaves.Count; i++)
        {
            data.SetValue(ScalarConversion.ToDType(leaves[i], inferred), i);
        }

        return new Tensor(data, [.. shape]);

        void Walk(object? node, int depth, List<int> path)
        {
            node = unwrap(node);
            if (depth < shape.Count)
            {
                if (node is not IList list || list.Count != shape[depth])
                {
                    throw Ragged(path);
                }

                for (int i = 0; i < list.Count; i++)
                {
                    path.Add(i);
                    Walk(list[i], depth + 1, path);
                    path.RemoveAt(path.Count - 1);
                }

                return;
            }

            if (node is IList)
            {
                throw Ragged(path);
            }

            if (node is Tensor)
            {
                throw new ArgumentException("A list of tensors cannot be combined here; build the tensor from numbers, or use one tensor.");
            }

            if (node is null || !(node is bool || ScalarConversion.IsNumeric(node)))
            {
                string what = node is null ? "null" : $"'{node}' ({node.GetType().Name})";
                throw new ArgumentException($"Element {FormatPath(path)} is {what}, not a number or boolean.");
            }

            leaves.Add(node);
        }
    }

    private static ArgumentException Ragged(List<int> path) =>
        new($"The nested lists are ragged at element {FormatPath(path)}: every list at one depth must have the same length.");

    private static string FormatPath(List<int> path) => path.Count == 0 ? "(top)" : "[" + string.Join("][", path) + "]";

    // NumPy's promotion, reduced to what scripts produce: bool < integers < floats; widest wins,
    // and integers mixed with floats give float64 as np.array does.
    private static DType Infer(List<object> leaves)
    {
        if (leaves.Count == 0)
        {
            return DType.Float64; // np.array([]) is float64
        }

        bool allBool = true, anyInt = false, anyWide = false, anyHuge = false, anyNegative = false;
        DType? widestFloat = null;
        foreach (object v in leaves)
        {
            switch (v)
            {
                case bool:
                    continue;
                case Half:
                    widestFloat ??= DType.Float16;
                    break;
                case float:
                    widestFloat = widestFloat == DType.Float64 ? DType.Float64 : DType.Float32;
                    break;
                case double or decimal:
                    widestFloat = DType.Float64;
                    break;
                case ulong u:
                    anyInt = anyWide = true;
                    anyHuge |= u > long.MaxValue;
                    break;
                case long or uint:
                    anyInt = anyWide = true;
                    anyNegative |= v is long lv && lv < 0;
                    break;
                default:
                    anyInt = true;
                    anyNegative |= Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) < 0;
                    break;
            }

            allBool = false;
        }

        if (allBool)
        {
            return DType.Bool;
        }

        if (widestFloat is { } f)
        {
            return anyInt ? DType.Float64 : f;
        }

        if (anyHuge)
        {
            return anyNegative ? DType.Float64 : DType.UInt64; // NumPy also falls back to float64 here
        }

        return anyWide ? DType.Int64 : DType.Int32;
    }
}
