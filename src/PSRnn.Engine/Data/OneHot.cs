using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// One-hot encoding of class labels with Keras's <c>to_categorical(y, num_classes)</c> semantics,
/// except that labels Keras would silently truncate or misplace (fractions, NaN, negatives) are refused.
/// </summary>
public static class OneHot
{
    /// <summary>Error id: a label is not a whole number (a fraction, NaN or an infinity).</summary>
    public const string NonIntegerLabelErrorId = "OneHotNonIntegerLabel";

    /// <summary>Error id: a label is negative, or not below the number of classes.</summary>
    public const string LabelOutOfRangeErrorId = "OneHotLabelOutOfRange";

    /// <summary>Error id: there are no labels to infer the number of classes from.</summary>
    public const string EmptyLabelsErrorId = "OneHotEmptyLabels";

    /// <summary>Error id: the encoded tensor would have more elements than one array can hold.</summary>
    public const string OutputTooLargeErrorId = "OneHotOutputTooLarge";

    /// <summary>
    /// Encodes <paramref name="labels"/> as float32 one-hot rows of shape <c>labels.shape + (numClasses,)</c>.
    /// As in Keras, a trailing dimension of 1 is dropped first when the labels have more than one dimension,
    /// so labels of shape (N, 1) give (N, C), not (N, 1, C); a scalar gives (C,).
    /// </summary>
    /// <param name="labels">Labels of any integer dtype, bool (0/1), or a float dtype holding whole numbers.</param>
    /// <param name="numClasses">The number of classes; null takes the largest label + 1, as Keras does.</param>
    /// <returns>A new float32 tensor with 1 at each label's class and 0 elsewhere.</returns>
    /// <exception cref="DataFormatException">A label is not a whole number, is negative or is not below
    /// <paramref name="numClasses"/>; or there are no labels and <paramref name="numClasses"/> is null.
    /// The message names the first offending value and its index.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
    public static Tensor Encode(Tensor labels, int? numClasses = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (numClasses is < 1)
        {
            // Keras reads 0 as "infer"; an explicit count below 1 is more likely a mistake, so say so.
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses,
                "The number of classes must be at least 1; leave it out to use the largest label + 1.");
        }

        int[] inputShape = labels.Shape;
        int n = labels.Length;
        var classes = new long[n];
        long max = -1;
        for (int i = 0; i < n; i++)
        {
            object value = labels.FlatValue(i)!;
            if (!TryWholeNumber(value, out long label, out bool tooLarge))
            {
                throw Error(NonIntegerLabelErrorId,
                    $"The label {Format(value)} at index {Position(inputShape, i)} is not a whole number. One-hot encoding needs integer class labels 0, 1, 2, …; round or map the labels first.");
            }

            if (tooLarge || label < 0 || (numClasses is int k && label >= k))
            {
                string range = numClasses is int c
                    ? string.Create(CultureInfo.InvariantCulture, $"0 to {c - 1} ({c} classes)")
                    : "0 or more";
                throw Error(LabelOutOfRangeErrorId,
                    $"The label {Format(value)} at index {Position(inputShape, i)} is outside the class range {range}. Class labels must be in 0 … number of classes - 1.");
            }

            classes[i] = label;
            max = Math.Max(max, label);
        }

        if (numClasses is null && n == 0)
        {
            throw Error(EmptyLabelsErrorId,
                $"The labels (shape {labels.ShapeText}) are empty, so the number of classes cannot be inferred. Give the number of classes.");
        }

        long count = numClasses ?? max + 1;

        // Keras: drop a trailing 1 when there is more than one dimension ((N, 1) -> (N,)).
        int keep = inputShape.Length > 1 && inputShape[^1] == 1 ? inputShape.Length - 1 : inputShape.Length;
        var outputShape = new int[keep + 1];
        Array.Copy(inputShape, outputShape, keep);
        if (count > Array.MaxLength || (long)n * count > Array.MaxLength)
        {
            throw new DataFormatException(OutputTooLargeErrorId, DataErrorKind.LimitsExceeded, null,
                string.Create(CultureInfo.InvariantCulture,
                    $"One-hot encoding {n} labels into {count} classes needs {(decimal)n * count} values, more than one array can hold. Check the labels, or encode fewer at a time."));
        }

        outputShape[keep] = (int)count;
        var output = new float[n * (int)count];
        for (int i = 0; i < n; i++)
        {
            output[(i * count) + classes[i]] = 1f;
        }

        return new Tensor(output, outputShape);
    }

    /// <summary>Reads a label exactly; false when it is not a whole number.</summary>
    private static bool TryWholeNumber(object value, out long label, out bool tooLarge)
    {
        tooLarge = false;
        label = 0;
        switch (value)
        {
            case bool b:
                label = b ? 1 : 0;
                return true;
            case ulong u:
                tooLarge = u > long.MaxValue;
                label = tooLarge ? long.MaxValue : (long)u;
                return true;
            case sbyte or byte or short or ushort or int or uint or long:
                label = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                return true;
            default:
                double x = value is Half h ? (double)h : Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (!double.IsFinite(x) || Math.Floor(x) != x)
                {
                    return false;
                }

                // Whole but beyond long: certainly out of any class range.
                tooLarge = Math.Abs(x) >= 9.2e18;
                label = tooLarge ? (x < 0 ? -1 : long.MaxValue) : (long)x;
                return true;
        }
    }

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>The multi-index of flat position <paramref name="flat"/>, as <c>[i, j, …]</c>.</summary>
    private static string Position(int[] shape, int flat)
    {
        if (shape.Length == 0)
        {
            return "[] (the scalar label)";
        }

        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }

        return "[" + string.Join(", ", index.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]";
    }

    private static DataFormatException Error(string errorId, string message) =>
        new(errorId, DataErrorKind.InvalidData, null, message);
}
