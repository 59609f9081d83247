using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// Samples and targets converted to float32 and checked against a model once, before any training work: sample counts,
/// shapes, NaN and infinity (naming the first bad sample), and class labels against the output width.
/// Batches are gathered from it into reusable buffers.
/// </summary>
public sealed partial class Dataset
{
    // Read only, never written: a float32 X's own elements in place (a view's window of its shared array) or a conversion.
    private readonly ReadOnlyMemory<float> _x;
    private readonly float[]? _y;

    /// <summary>Inputs whose largest magnitude exceeds this look unscaled: tanh and sigmoid gates saturate on them.</summary>
    public const float UnscaledThreshold = 20f;

    private Dataset(ReadOnlyMemory<float> x, int count, int time, int features, bool isSequence, float[]? y, int targetWidth, bool sparse, long inexact)
    {
        _x = x;
        Count = count;
        Time = time;
        Features = features;
        IsSequence = isSequence;
        _y = y;
        TargetWidth = targetWidth;
        SparseTargets = sparse;
        InexactValues = inexact;
    }

    /// <summary>Samples.</summary>
    public int Count { get; }

    /// <summary>Steps per sample (1 for vectors).</summary>
    public int Time { get; }

    /// <summary>Features per step.</summary>
    public int Features { get; }

    /// <summary>Whether samples are sequences.</summary>
    public bool IsSequence { get; }

    /// <summary>Whether there are targets.</summary>
    public bool HasTargets => _y is not null;

    /// <summary>Target values per output row: classes or features, or 1 for sparse class labels.</summary>
    public int TargetWidth { get; }

    /// <summary>Whether the targets are class indices (one per output row) rather than rows of values.</summary>
    public bool SparseTargets { get; }

    /// <summary>How many input or target values were rounded converting to float32.</summary>
    public long InexactValues { get; }

    /// <summary>The largest |value| among the inputs (among the steps it keeps when the model starts with Masking).</summary>
    public float MaxAbsInput { get; private init; }

    /// <summary>
    /// Whether the inputs look unscaled (<see cref="MaxAbsInput"/> above <see cref="UnscaledThreshold"/>): recurrent layers
    /// learn poorly from raw values such as MFCCs; normalize each feature to mean 0 and variance 1. Token ids for an
    /// Embedding are not features and never count as unscaled, nor do the padding steps a first Masking layer skips.
    /// </summary>
    public bool LooksUnscaled { get; private init; }

    /// <summary>
    /// Converts and checks <paramref name="x"/> (and <paramref name="y"/>) for <paramref name="model"/>.
    /// </summary>
    /// <param name="x">Samples: (N, T, F) for sequence models, (N, T) token ids for Embedding models, (N, F) for vector models.</param>
    /// <param name="y">Targets: (N, C) values or one-hot rows, or (N,) / (N, 1) class labels; per-step outputs (N, T, C) or (N, T); or null.</param>
    /// <param name="model">The model the data is for.</param>
    /// <param name="name">How to call the data in messages (<c>-X</c>, <c>validation data</c>).</param>
    /// <exception cref="ModelException">The data does not fit the model; <see cref="ModelException.ErrorId"/> says how.</exception>
    public static Dataset Create(Tensor x, Tensor? y, Sequential model, string name = "X")
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(model);
        SampleShape input = model.InputShape;
        int[] shape = x.Shape;
        bool expectSequence = input.IsSequence;
        int count, time, features;
        if (expectSequence)
        {
            if (shape.Length == 2 && model.Layers.Count > 0 && model.Layers[0] is RecurrentLayer or Bidirectional)
            {
                throw new ModelException("InputNotSequence",
                    $"{name} has shape {x.ShapeText}, but the model's first layer is recurrent and takes sequences (samples, time steps, features) " +
                    $"= (N, {TimeText(input.Time)}, {input.Features}). Reshape it, e.g. ConvertTo-RnnTensor $x -Shape N,T,F.");
            }

            if (shape.Length != 3)
            {
                throw new ModelException("InputShapeMismatch",
                    $"{name} has shape {x.ShapeText}; the model takes (samples, {TimeText(input.Time)}, {input.Features}).");
            }

            (count, time, features) = (shape[0], shape[1], shape[2]);
            if (features != input.Features || (input.Time is { } t && t != time))
            {
                throw new ModelException("InputShapeMismatch",
                    $"{name} has {time} steps of {features} features per sample, but the model takes {TimeText(input.Time)} steps of {input.Features}.");
            }
        }
        else
        {
            if (shape.Length != 2 || shape[1] != input.Features)
            {
                throw new ModelException("InputShapeMismatch",
                    $"{name} has shape {x.ShapeText}; the model takes (samples, {input.Features}).");
            }

            (count, time, features) = (shape[0], 1, shape[1]);
        }

        if (count == 0)
        {
            throw new ModelException("InputEmpty", $"{name} holds no samples.");
        }

        // Read in place when X is float32 already, as Keras's NumPy adapter slices the caller's array batch by batch: a
        // script that trains -Epochs 1 in a loop would otherwise copy (and page in) all of X on every call. The dataset
        // only ever reads it. A view (Select-RnnSample -First, Slice) is read in place too.
        ReadOnlyMemory<float> xs = x.SinglesToRead(out long inexact);
        CheckFinite(xs.Span, count, name);

        float[]? ys = null;
        int width = 0;
        bool sparse = false;
        if (y is not null)
        {
            (ys, width, sparse, long lost) = Targets(y, count, model, name);
            inexact += lost;
        }

        float maxAbs = model.Layers.Count > 0 && model.Layers[0] is Masking masking && expectSequence
            ? MaxMagnitudeOfRealSteps(xs.Span, features, masking.MaskValue)
            : System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(xs.Span);
        return new Dataset(xs, count, time, features, expectSequence, ys, width, sparse, inexact)
        {
            MaxAbsInput = Math.Abs(maxAbs),
            LooksUnscaled = Math.Abs(maxAbs) > UnscaledThreshold && !(model.Layers.Count > 0 && model.Layers[0] is Embedding),
        };
    }

    // The largest |value| of the steps a first Masking layer keeps: its padding (say -1000) is zeroed before any layer
    // sees it, so it does not make the inputs look unscaled.
    private static float MaxMagnitudeOfRealSteps(ReadOnlySpan<float> xs, int features, float maskValue)
    {
        float largest = 0;
        for (int start = 0; start < xs.Length; start += features)
        {
            ReadOnlySpan<float> step = xs.Slice(start, features);
            if (step.IndexOfAnyExcept(maskValue) >= 0)
            {
                largest = Math.Max(largest, Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(step)));
            }
        }

        return largest;
    }

    /// <summary>The last <paramref name="fraction"/> of the samples (Keras's validation_split) and the rest.</summary>
    public (Dataset Train, Dataset Validation) SplitTail(double fraction)
    {
        int splitAt = (int)(Count * (1 - fraction));
        if (splitAt <= 0 || splitAt >= Count)
        {
            throw new ModelException("ValidationSplitEmpty",
                $"A validation split of {fraction} leaves {splitAt} training and {Count - splitAt} validation samples of {Count}; both need at least one.");
        }

        return (Slice(0, splitAt), Slice(splitAt, Count - splitAt));
    }

    /// <summary>Copies the samples at <paramref name="indices"/> into <paramref name="batch"/> (and their targets into <paramref name="targets"/>).</summary>
    public void Gather(ReadOnlySpan<int> indices, Activations batch, float[]? targets)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int sample = Time * Features;
        batch.Resize(indices.Length, Time, Features, IsSequence);
        Span<float> dest = batch.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            _x.Span.Slice(indices[i] * sample, sample).CopyTo(dest.Slice(i * sample, sample));
        }

        if (targets is not null && _y is not null)
        {
            int perSample = _y.Length / Count;
            for (int i = 0; i < indices.Length; i++)
            {
                _y.AsSpan(indices[i] * perSample, perSample).CopyTo(targets.AsSpan(i * perSample, perSample));
            }
        }
    }

    /// <summary>
    /// Copies steps <paramref name="start"/> to <paramref name="start"/> + <paramref name="steps"/> of the samples at
    /// <paramref name="indices"/> into <paramref name="batch"/> (a window for truncated BPTT: only the window is copied,
    /// never a whole sequence), and their targets into <paramref name="targets"/>: the same steps of per-step targets
    /// when <paramref name="perStepTargets"/>, else the samples' whole targets.
    /// </summary>
    public void GatherWindow(ReadOnlySpan<int> indices, int start, int steps, Activations batch, float[]? targets, bool perStepTargets)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + steps, Time);
        int window = steps * Features;
        long sample = (long)Time * Features;
        batch.Resize(indices.Length, steps, Features, IsSequence);
        Span<float> dest = batch.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            _x.Span.Slice((int)((indices[i] * sample) + ((long)start * Features)), window).CopyTo(dest.Slice(i * window, window));
        }

        if (targets is null || _y is null)
        {
            return;
        }

        int perSample = _y.Length / Count;
        if (!perStepTargets)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                _y.AsSpan(indices[i] * perSample, perSample).CopyTo(targets.AsSpan(i * perSample, perSample));
            }

            return;
        }

        int perStep = perSample / Time, length = steps * perStep;
        for (int i = 0; i < indices.Length; i++)
        {
            _y.AsSpan((indices[i] * perSample) + (start * perStep), length).CopyTo(targets.AsSpan(i * length, length));
        }
    }

    /// <summary>Target values per sample (rows × width).</summary>
    public int TargetsPerSample => _y is null ? 0 : _y.Length / Count;

    /// <summary>Every target, flat (empty without targets).</summary>
    internal ReadOnlySpan<float> TargetValues => _y;

    private Dataset Slice(int start, int length)
    {
        int sample = Time * Features;
        ReadOnlyMemory<float> x = _x.Slice(start * sample, length * sample); // read only: shared, not copied
        float[]? y = _y is null ? null : _y.AsSpan(start * TargetsPerSample, length * TargetsPerSample).ToArray();
        return new Dataset(x, length, Time, Features, IsSequence, y, TargetWidth, SparseTargets, 0) { HasLabelSequences = HasLabelSequences }
            .WithWeightsOf(this, start, length);
    }

    private static (float[] Values, int Width, bool Sparse, long Inexact) Targets(Tensor y, int count, Sequential model, string name)
    {
        string yName = name == "X" ? "Y" : name;
        int[] shape = y.Shape;
        if (shape.Length == 0 || shape[0] != count)
        {
            throw new ModelException("SampleCountMismatch",
                $"X has {count} samples but {yName} has {(shape.Length == 0 ? "a single value" : shape[0].ToString(System.Globalization.CultureInfo.InvariantCulture))}; give one target per sample.");
        }

        SampleShape output = model.OutputShape;
        int outputSteps = output.IsSequence ? (output.Time ?? -1) : 1;
        int[] perSample = shape[1..];
        bool matchesDense = output.IsSequence
            ? perSample.Length == 2 && perSample[1] == output.Features && (outputSteps < 0 || perSample[0] == outputSteps)
            : perSample.Length == 1 && perSample[0] == output.Features;
        // Class labels: one per output row, as (N,) or (N, 1) for vector outputs, (N, T) or (N, T, 1) per step.
        bool matchesSparse = output.Features > 1 && (output.IsSequence
            ? (perSample.Length == 1 || (perSample.Length == 2 && perSample[1] == 1)) && (outputSteps < 0 || perSample[0] == outputSteps)
            : perSample.Length == 0 || (perSample.Length == 1 && perSample[0] == 1));
        if (!matchesDense && !matchesSparse)
        {
            string want = output.IsSequence
                ? $"(N, {TimeText(output.Time)}, {output.Features}) or class labels (N, {TimeText(output.Time)})"
                : output.Features > 1 ? $"(N, {output.Features}) or class labels (N,)" : $"(N, {output.Features})";
            throw new ModelException("TargetShapeMismatch",
                $"{yName} has shape {y.ShapeText}, but the model's output is {output}: give targets of shape {want}.");
        }

        float[] values = y.ToSingleArray(out long inexact);
        CheckFinite(values, count, yName);
        if (matchesSparse && !matchesDense)
        {
            int rowsPerSample = values.Length / count;
            for (int i = 0; i < values.Length; i++)
            {
                float v = values[i];
                if (v != MathF.Floor(v))
                {
                    // A fraction is a different mistake from a class the model lacks: regression targets, or labels to round.
                    throw new ModelException("LabelNotInteger",
                        $"{yName}: sample {i / rowsPerSample} has the class label {v}, which is not a whole number. Class labels are integers "
                        + $"0 to {output.Features - 1}; round or map them, or give one-hot rows (ConvertTo-RnnOneHot).");
                }

                if (v < 0 || v >= output.Features)
                {
                    throw new ModelException("LabelOutOfRange",
                        $"{yName}: sample {i / rowsPerSample} has class label {v}, but the output layer has {output.Features} classes (0 to {output.Features - 1}).");
                }
            }

            return (values, 1, true, inexact);
        }

        return (values, output.Features, false, inexact);
    }

    private static void CheckFinite(ReadOnlySpan<float> values, int count, string name)
    {
        int perSample = values.Length / Math.Max(count, 1);
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ModelException("DataNotFinite",
                    $"{name}: sample {i / perSample} holds {(float.IsNaN(values[i]) ? "NaN" : "an infinite value")} (at flat position {i % perSample}); " +
                    "clean or impute it before training.");
            }
        }
    }

    private static string TimeText(int? time) => time is { } t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any";
}
