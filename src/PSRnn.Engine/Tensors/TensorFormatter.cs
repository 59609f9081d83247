using System.Globalization;
using System.Text;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// Prints a tensor as NumPy's <c>str()</c> does: nested brackets, elements padded to one width,
/// rows wrapped at 75 characters, and past 1000 elements only the first and last 3 along each axis.
/// Floats use the shortest text that reads back to the same value.
/// </summary>
internal static class TensorFormatter
{
    private const int Threshold = 1000;
    private const int EdgeItems = 3;
    private const int LineWidth = 75;

    public static string Format(Tensor tensor)
    {
        int[] shape = tensor.Shape;
        if (tensor.Rank == 0)
        {
            return FormatElement(tensor.FlatValue(0));
        }

        if (tensor.Length == 0)
        {
            return "[]"; // as NumPy prints any empty array, and without walking (2^20, 2^20, 0)'s empty rows
        }

        bool summarize = tensor.Length > Threshold;
        // Widths over the elements actually shown, as NumPy pads them; floats align on the decimal point.
        var pad = new Padding();
        foreach (int flat in ShownIndices(shape, summarize))
        {
            pad.Measure(FormatElement(tensor.FlatValue(flat)));
        }

        var text = new StringBuilder();
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= Math.Max(shape[d], 1);
        }

        Append(text, tensor, shape, strides, 0, 0, pad, summarize);
        return text.ToString();
    }

    private static void Append(StringBuilder text, Tensor tensor, int[] shape, int[] strides, int axis, int offset,
        Padding pad, bool summarize)
    {
        text.Append('[');
        int n = shape[axis];
        bool cut = summarize && n > 2 * EdgeItems;
        if (axis == shape.Length - 1)
        {
            int lineStart = text.Length - 1 - axis;
            for (int i = 0; i < n; i++)
            {
                if (cut && i == EdgeItems)
                {
                    AppendWrapped(text, "...", axis, ref lineStart, i > 0);
                    i = n - EdgeItems - 1;
                    continue;
                }

                string item = pad.Apply(FormatElement(tensor.FlatValue(offset + (i * strides[axis]))));
                AppendWrapped(text, item, axis, ref lineStart, i > 0);
            }
        }
        else
        {
            string separator = "\n" + new string('\n', shape.Length - axis - 2) + new string(' ', axis + 1);
            for (int i = 0; i < n; i++)
            {
                if (i > 0)
                {
                    text.Append(separator);
                }

                if (cut && i == EdgeItems)
                {
                    text.Append("...");
                    text.Append(separator);
                    i = n - EdgeItems;
                }

                Append(text, tensor, shape, strides, axis + 1, offset + (i * strides[axis]), pad, summarize);
            }
        }

        text.Append(']');
    }

    /// <summary>Pads integers to one width, and floats to one width left and right of the point.</summary>
    private sealed class Padding
    {
        private int _width;
        private int _left;
        private int _right;
        private bool _pointAligned = true;

        public void Measure(string item)
        {
            _width = Math.Max(_width, item.Length);
            int point = item.IndexOf('.', StringComparison.Ordinal);
            if (item.Contains('e', StringComparison.Ordinal))
            {
                _pointAligned = false;
            }
            else if (point >= 0)
            {
                _left = Math.Max(_left, point);
                _right = Math.Max(_right, item.Length - point - 1);
            }
        }

        public string Apply(string item)
        {
            int point = item.IndexOf('.', StringComparison.Ordinal);
            if (!_pointAligned || point < 0 || _left + _right == 0)
            {
                return item.PadLeft(Math.Max(_width, _pointAligned && _left + _right > 0 ? _left + 1 + _right : 0));
            }

            return (new string(' ', _left - point) + item).PadRight(_left + 1 + _right);
        }
    }

    private static void AppendWrapped(StringBuilder text, string item, int axis, ref int lineStart, bool separate)
    {
        if (separate)
        {
            if (text.Length - lineStart + 1 + item.Length + 1 > LineWidth)
            {
                text.Append('\n').Append(' ', axis + 1);
                lineStart = text.Length - axis - 1;
            }
            else
            {
                text.Append(' ');
            }
        }

        text.Append(item);
    }

    private static IEnumerable<int> ShownIndices(int[] shape, bool summarize)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= Math.Max(shape[d], 1);
        }

        return Walk(0, 0);

        IEnumerable<int> Walk(int axis, int offset)
        {
            if (axis == shape.Length)
            {
                yield return offset;
                yield break;
            }

            int n = shape[axis];
            for (int i = 0; i < n; i++)
            {
                if (summarize && n > 2 * EdgeItems && i == EdgeItems)
                {
                    i = n - EdgeItems;
                }

                foreach (int flat in Walk(axis + 1, offset + (i * strides[axis])))
                {
                    yield return flat;
                }
            }
        }
    }

    /// <summary>One element as NumPy shows it: <c>True</c>, <c>7</c>, <c>1.5</c>, <c>2.</c>, <c>nan</c>, <c>-inf</c>.</summary>
    public static string FormatElement(object value) => value switch
    {
        bool b => b ? "True" : "False",
        float f => FormatFloat(f, f.ToString("R", CultureInfo.InvariantCulture)),
        double d => FormatFloat(d, d.ToString("R", CultureInfo.InvariantCulture)),
        Half h => FormatFloat((double)h, h.ToString(CultureInfo.InvariantCulture)),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string FormatFloat(double value, string shortest)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (shortest.Contains('E', StringComparison.Ordinal))
        {
            // NumPy writes 1e-08, .NET 1E-08.
            return shortest.Replace("E", "e", StringComparison.Ordinal);
        }

        return shortest.Contains('.', StringComparison.Ordinal) ? shortest : shortest + ".";
    }
}
