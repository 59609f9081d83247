using System.Collections;
using System.Globalization;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// Keras's <c>keras.utils.pad_sequences</c>: sequences of different lengths — each (T_i) values or (T_i, F) rows — made
/// into one float32 batch (N, maxlen, F). A sample longer than maxlen loses steps at its start ('pre') or end ('post');
/// a shorter one is filled with the value before ('pre') or after ('post') its steps. maxlen is the longest sample's
/// length unless given. As in Keras, the feature width comes from the first non-empty sample, empty samples become all
/// padding, and the defaults are 'pre' for both. Unlike Keras (whose default dtype is int32, truncating fractions), the
/// batch is always float32, and a (T_i) sample is one feature per step: the batch is (N, maxlen, 1).
/// </summary>
public static class SequencePadding
{
    /// <summary>Error id: there are no samples.</summary>
    public const string EmptyErrorId = "SequenceBatchEmpty";

    /// <summary>Error id: a sample is not a sequence of steps — a single number, a tensor of rank 0 or above 2, rows of no features.</summary>
    public const string SampleShapeErrorId = "SequenceSampleShape";

    /// <summary>Error id: a sample's steps have a different number of features from the first non-empty sample's, or from its own first step's.</summary>
    public const string FeatureMismatchErrorId = "SequenceFeatureMismatch";

    /// <summary>Error id: a sample, step or feature is not a number (text, null, another kind of object).</summary>
    public const string NotNumericErrorId = "SequenceValueNotNumeric";

    /// <summary>Error id: the maximum length is zero or negative.</summary>
    public const string MaxLengthErrorId = "SequenceMaxLengthNotPositive";

    /// <summary>Error id: the batch would hold more values than one array can.</summary>
    public const string TooLargeErrorId = "SequenceBatchTooLarge";

    /// <summary>
    /// Splits what a caller passes as a whole batch into its samples: the rows of a tensor or .NET array of rank 2 or
    /// more (a (N, T) or (N, T, F) batch), the elements of a list, or the value itself as the only sample.
    /// </summary>
    /// <param name="value">The batch.</param>
    /// <param name="unwrap">Unwraps host wrappers (PowerShell's PSObject) around values and elements; may be null.</param>
    /// <returns>The samples, in order; empty for an empty list or null.</returns>
    public static IReadOnlyList<object?> SplitBatch(object? value, Func<object?, object?>? unwrap = null)
    {
        unwrap ??= static v => v;
        value = unwrap(value);
        if (value is Array { Rank: > 1 } rectangular && DTypeInfo.TryFromElementType(rectangular.GetType().GetElementType()!, out _))
        {
            value = Tensor.FromArray(rectangular);
        }

        switch (value)
        {
            case null:
                return [];
            case Tensor { Rank: >= 2 } tensor:
                var rows = new object?[tensor.Dim(0)];
                int[] rowShape = tensor.Shape[1..];
                int rowLength = (int)Tensor.ElementCount(rowShape);
                Type elementType = tensor.DType.ElementType();
                for (int n = 0; n < rows.Length; n++)
                {
                    Array row = Array.CreateInstance(elementType, rowLength);
                    (Array from, int origin) = tensor.InPlace();
                    Array.Copy(from, origin + ((long)n * rowLength), row, 0, rowLength);
                    rows[n] = new Tensor(row, rowShape);
                }

                return rows;
            case Tensor tensor:
                // A (T) tensor or a scalar as a batch: its elements are the samples, which Pad then refuses as single numbers.
                var values = new object?[tensor.Length];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = tensor.FlatValue(i);
                }

                return values;
            case string:
                return [value];
            case IList list:
                var samples = new object?[list.Count];
                for (int i = 0; i < samples.Length; i++)
                {
                    samples[i] = list[i];
                }

                return samples;
            default:
                return [value];
        }
    }

    /// <summary>Pads float32 tensors; see <see cref="Pad(IReadOnlyList{object?}, int?, SequenceSide, SequenceSide, float, Func{object?, object?}?)"/>.</summary>
    /// <exception cref="DataFormatException">The samples or sizes are unusable; <see cref="DataFormatException.ErrorId"/> says how.</exception>
    public static PaddedSequences Pad(IReadOnlyList<Tensor> samples, int? maxLength = null, SequenceSide padding = SequenceSide.Pre,
        SequenceSide truncating = SequenceSide.Pre, float value = 0f)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return Pad(samples.Cast<object?>().ToList(), maxLength, padding, truncating, value);
    }

    /// <summary>Pads or truncates the samples to one length and stacks them.</summary>
    /// <param name="samples">
    /// The sequences: each a tensor or .NET array of shape (T) or (T, F), of any numeric dtype, or a list of T numbers,
    /// or a list of T lists (rows) of F numbers. A sample may be empty (all padding).
    /// </param>
    /// <param name="maxLength">The length of every row of the batch (Keras's maxlen); null for the longest sample's.</param>
    /// <param name="padding">Where the padding goes: before the steps (Pre, Keras's default) or after them.</param>
    /// <param name="truncating">Which steps a longer sample loses: the first ones (Pre, Keras's default) or the last ones.</param>
    /// <param name="value">The padding value (0 by default).</param>
    /// <param name="unwrap">Unwraps host wrappers (PowerShell's PSObject) around samples and elements; may be null.</param>
    /// <returns>The float32 (N, maxlen, F) batch and each row's real length.</returns>
    /// <exception cref="DataFormatException">The samples or sizes are unusable; <see cref="DataFormatException.ErrorId"/> says how.</exception>
    public static PaddedSequences Pad(IReadOnlyList<object?> samples, int? maxLength = null, SequenceSide padding = SequenceSide.Pre,
        SequenceSide truncating = SequenceSide.Pre, float value = 0f, Func<object?, object?>? unwrap = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        unwrap ??= static v => v;
        if (maxLength is <= 0)
        {
            throw Error(MaxLengthErrorId, DataErrorKind.InvalidData, Invariant(
                $"The maximum length is {maxLength}; it must be a positive number of steps (or left out for the longest sample's length)."));
        }

        if (samples.Count == 0)
        {
            throw Error(EmptyErrorId, DataErrorKind.InvalidData,
                "There are no sequences to pad; give one or more samples (arrays or tensors of shape (T) or (T, F)).");
        }

        // Everything is read and checked before the batch is made: an error leaves nothing half-built.
        var read = new Sample[samples.Count];
        long rounded = 0;
        int features = -1, widthFrom = -1;
        for (int i = 0; i < read.Length; i++)
        {
            read[i] = ReadSample(unwrap(samples[i]), i, unwrap);
            rounded += read[i].Rounded;
            if (read[i].Steps == 0)
            {
                continue; // as Keras: an empty sample says nothing about the width and is all padding
            }

            if (features < 0)
            {
                (features, widthFrom) = (read[i].Features, i);
            }
            else if (read[i].Features != features)
            {
                throw Error(FeatureMismatchErrorId, DataErrorKind.InvalidData, Invariant(
                    $"Sample {i} has {read[i].Features} feature{Plural(read[i].Features)} per step, but sample {widthFrom} has {features}: every sample needs the same number of features."));
            }
        }

        if (features < 0)
        {
            // No sample has a step: take the width an empty (0, F) tensor states, else one value per step.
            features = read.FirstOrDefault(s => s.Features >= 0).Features;
            features = features > 0 ? features : 1;
        }

        int length = maxLength ?? read.Max(s => s.Steps);
        long total = (long)read.Length * length * features;
        if (total > Array.MaxLength)
        {
            throw Error(TooLargeErrorId, DataErrorKind.LimitsExceeded, Invariant(
                $"{read.Length} sequences of {length} steps × {features} features are {total} values, more than one array can hold; use a smaller maximum length or fewer samples."));
        }

        var x = new float[total];
        var lengths = new int[read.Length];
        int rowSize = length * features;
        if (value != 0f || float.IsNegative(value))
        {
            x.AsSpan().Fill(value);
        }

        for (int n = 0; n < read.Length; n++)
        {
            Sample s = read[n];
            int keep = Math.Min(s.Steps, length);
            int from = truncating == SequenceSide.Pre ? s.Steps - keep : 0;
            int to = padding == SequenceSide.Pre ? length - keep : 0;
            s.Values.AsSpan(from * features, keep * features).CopyTo(x.AsSpan((n * rowSize) + (to * features), keep * features));
            lengths[n] = keep;
        }

        return new PaddedSequences(new Tensor(x, read.Length, length, features), lengths, padding, truncating, value, rounded);
    }

    /// <summary>One sample's values, row-major (steps × features); Features is −1 for an empty list (width unknown).</summary>
    private readonly record struct Sample(float[] Values, int Steps, int Features, long Rounded);

    private static Sample ReadSample(object? sample, int index, Func<object?, object?> unwrap)
    {
        if (sample is Array { Rank: > 1 } rectangular && DTypeInfo.TryFromElementType(rectangular.GetType().GetElementType()!, out _))
        {
            sample = Tensor.FromArray(rectangular);
        }
        else if (sample is Array { Rank: 1 } vector && DTypeInfo.TryFromElementType(vector.GetType().GetElementType()!, out _))
        {
            sample = new Tensor(vector, vector.Length); // read, not kept: ToSingleArray copies
        }

        switch (sample)
        {
            case Tensor tensor:
                return FromTensor(tensor, index);
            case string text:
                throw Error(NotNumericErrorId, DataErrorKind.InvalidData, Invariant(
                    $"Sample {index} is the text '{Shorten(text)}', not a sequence of numbers."));
            case IList list:
                return FromList(list, index, unwrap);
            case bool:
            case not null when ScalarConversion.IsNumeric(sample):
                throw Error(SampleShapeErrorId, DataErrorKind.InvalidData, Invariant(
                    $"Sample {index} is a single number ({Describe(sample)}), not a sequence. Each sample is a whole sequence: pipe arrays of steps (write ,@(1, 2, 3) for a single one) or pass the list of sequences to -InputObject."));
            default:
                throw Error(NotNumericErrorId, DataErrorKind.InvalidData, Invariant(
                    $"Sample {index} is {Describe(sample)}, not a sequence of numbers (an array, a list or a tensor)."));
        }
    }

    private static Sample FromTensor(Tensor tensor, int index)
    {
        if (tensor.Rank is not (1 or 2))
        {
            throw Error(SampleShapeErrorId, DataErrorKind.InvalidData, tensor.Rank == 0
                ? Invariant($"Sample {index} is a tensor of one number, not a sequence: give (T) values or (T, F) rows.")
                : Invariant($"Sample {index} has shape {tensor.ShapeText}; a sample is (T) values or (T, F) rows. A (N, T) or (N, T, F) batch is given whole, as the list of its rows (-InputObject), not as one sample."));
        }

        int steps = tensor.Dim(0);
        int features = tensor.Rank == 2 ? tensor.Dim(1) : 1;
        CheckWidth(steps, features, index);
        float[] values = tensor.ToSingleArray(out long inexact);
        long rounded = 0;
        if (tensor.DType == DType.Float64)
        {
            foreach (double v in tensor.AsSpan<double>())
            {
                rounded += RoundsWhole(v) ? 1 : 0;
            }
        }
        else if (!tensor.DType.IsFloatingPoint() && tensor.DType != DType.Bool)
        {
            rounded = inexact;
        }

        return new Sample(values, steps, tensor.Rank == 2 || steps > 0 ? features : -1, rounded);
    }

    private static Sample FromList(IList list, int index, Func<object?, object?> unwrap)
    {
        int steps = list.Count;
        if (steps == 0)
        {
            return new Sample([], 0, -1, 0);
        }

        // The first step decides: a number makes (T) values, a list (or array, or 1-D tensor) makes (T, F) rows.
        object?[] first = Row(unwrap(list[0]), index, 0, unwrap, out bool firstIsRow);
        int features = first.Length;
        CheckWidth(steps, features, index);
        var values = new float[(long)steps * features];
        long rounded = 0;
        for (int t = 0; t < steps; t++)
        {
            bool isRow = firstIsRow;
            object?[] row = t == 0 ? first : Row(unwrap(list[t]), index, t, unwrap, out isRow);
            if (isRow != firstIsRow || row.Length != features)
            {
                throw Error(FeatureMismatchErrorId, DataErrorKind.InvalidData, Invariant(
                    $"Sample {index}, step {t} is {Width(row.Length, isRow)}, but its step 0 is {Width(features, firstIsRow)}: every step of a sample needs the same number of features."));
            }

            for (int f = 0; f < features; f++)
            {
                values[(t * features) + f] = ToSingle(row[f], index, t, firstIsRow ? f : null, ref rounded);
            }
        }

        return new Sample(values, steps, features, rounded);

        static string Width(int n, bool isRow) => isRow ? $"a row of {n} value{Plural(n)}" : "a single number";
    }

    /// <summary>The values of step <paramref name="t"/>: its elements when it is a row, else the step itself.</summary>
    private static object?[] Row(object? step, int index, int t, Func<object?, object?> unwrap, out bool isRow)
    {
        if (step is Array { Rank: > 1 } || step is Tensor { Rank: > 1 })
        {
            throw Error(SampleShapeErrorId, DataErrorKind.InvalidData, Invariant(
                $"Sample {index}, step {t} holds a table of values: a sample is (T) values or (T, F) rows, not of rank 3 or more."));
        }

        isRow = true;
        switch (step)
        {
            case Tensor { Rank: 1 } tensor:
                var fromTensor = new object?[tensor.Length];
                for (int f = 0; f < fromTensor.Length; f++)
                {
                    fromTensor[f] = tensor.FlatValue(f);
                }

                return fromTensor;
            case Tensor tensor:
                isRow = false;
                return [tensor.FlatValue(0)];
            case string:
                isRow = false;
                return [step];
            case IList list:
                var row = new object?[list.Count];
                for (int f = 0; f < row.Length; f++)
                {
                    object? element = unwrap(list[f]);
                    if (element is IList || element is Tensor { Rank: > 0 })
                    {
                        throw Error(SampleShapeErrorId, DataErrorKind.InvalidData, Invariant(
                            $"Sample {index}, step {t}, feature {f} is a list: a sample is (T) values or (T, F) rows, not of rank 3 or more."));
                    }

                    row[f] = element is Tensor scalar ? scalar.FlatValue(0) : element;
                }

                return row;
            default:
                isRow = false;
                return [step];
        }
    }

    private static float ToSingle(object? element, int index, int t, int? feature, ref long rounded)
    {
        if (element is bool b)
        {
            return b ? 1f : 0f;
        }

        if (element is null || !ScalarConversion.IsNumeric(element))
        {
            string where = feature is { } f ? Invariant($"step {t}, feature {f}") : Invariant($"step {t}");
            throw Error(NotNumericErrorId, DataErrorKind.InvalidData, Invariant(
                $"Sample {index}, {where} is {Describe(element)}, not a number."));
        }

        var single = (float)ScalarConversion.ToDType(element, DType.Float32);
        if (element is not (float or Half) && ScalarConversion.TryInteger(element, out decimal whole) && Differs(single, whole))
        {
            rounded++;
        }

        return single;
    }

    // |whole| is below 7.9e28 (TryInteger's bound), so a float at or beyond it differs, and below it converts to decimal.
    private static bool Differs(float single, decimal whole) => Math.Abs((double)single) >= 7.9e28 || (decimal)(double)single != whole;

    private static bool RoundsWhole(double v) => double.IsFinite(v) && Math.Floor(v) == v && (double)(float)v != v;

    private static void CheckWidth(int steps, int features, int index)
    {
        if (features == 0 && steps > 0)
        {
            throw Error(SampleShapeErrorId, DataErrorKind.InvalidData, Invariant(
                $"Sample {index} has {steps} steps of no features; each step needs one or more values."));
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => Invariant($"the text '{Shorten(s)}'"),
        bool b => b ? "True" : "False",
        _ when ScalarConversion.IsNumeric(value) => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => Invariant($"a {value.GetType().Name}"),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");

    private static string Plural(int n) => n == 1 ? "" : "s";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static DataFormatException Error(string errorId, DataErrorKind kind, string message) => new(errorId, kind, null, message);
}
