using System.Collections;
using System.Runtime.CompilerServices;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>
/// Jagged label sequences as -Y takes them for CTC (<c>[int[][]]</c>, or an array of arrays of different lengths): padded
/// with 0 after each sequence into a (samples, longest) tensor, which remembers the real lengths, so that a 0 inside a
/// sequence stays an error rather than turning into padding, and a loss that needs a tensor of the output's shape can
/// refuse a jagged array by name (TargetsRagged) instead of reading its padding.
/// </summary>
internal static class RaggedTargets
{
    private static readonly ConditionalWeakTable<Tensor, int[]> Lengths = [];

    /// <summary>The real lengths of a tensor <see cref="TryPad"/> made, or null for any other tensor.</summary>
    public static int[]? LengthsOf(Tensor tensor) => Lengths.TryGetValue(tensor, out int[]? lengths) ? lengths : null;

    /// <summary>
    /// Pads <paramref name="value"/> when it is a list whose items are lists of numbers (or single numbers) of different
    /// lengths; false for anything else (the caller's conversion error then stands).
    /// </summary>
    public static bool TryPad(object? value, out Tensor tensor)
    {
        tensor = null!;
        if (TensorArgument.Unwrap(value) is not IList outer || outer.Count == 0)
        {
            return false;
        }

        var rows = new List<double[]>(outer.Count);
        foreach (object? item in outer)
        {
            object? row = TensorArgument.Unwrap(item);
            if (row is IList list)
            {
                var values = new double[list.Count];
                for (int j = 0; j < list.Count; j++)
                {
                    if (!TryNumber(TensorArgument.Unwrap(list[j]), out values[j]))
                    {
                        return false;
                    }
                }

                rows.Add(values);
            }
            else if (TryNumber(row, out double single))
            {
                rows.Add([single]);
            }
            else
            {
                return false;
            }
        }

        int width = rows.Max(r => r.Length);
        var padded = new double[rows.Count * width];
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].CopyTo(padded, i * width);
        }

        tensor = new Tensor(padded, rows.Count, width);
        Lengths.Add(tensor, [.. rows.Select(r => r.Length)]);
        return true;
    }

    private static bool TryNumber(object? value, out double number)
    {
        switch (value)
        {
            case byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal:
                number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                return true;
            default:
                number = 0;
                return false;
        }
    }
}
