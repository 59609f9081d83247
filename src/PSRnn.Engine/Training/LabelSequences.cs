using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// The targets of a sequence loss (CTC): one label sequence per sample, of its own length (possibly empty). Labels are
/// symbol indices 1 … classes − 1; 0 is CTC's blank and never a label.
/// </summary>
/// <remarks>
/// In a <see cref="Dataset"/> they are packed as rows of Lmax + 1 floats — the length, then the labels, then zeros — so
/// batches, shuffles and validation splits move them as any targets (floats hold labels exactly up to 2²⁴).
/// </remarks>
public sealed class LabelSequences
{
    private readonly int[][] _labels;

    /// <summary>The label sequences, one per sample (copied).</summary>
    public LabelSequences(IEnumerable<int[]> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _labels = [.. labels.Select(l => (int[])(l ?? throw new ArgumentException("A label sequence is null; give an empty array for an empty target.", nameof(labels))).Clone())];
    }

    /// <summary>Samples.</summary>
    public int Count => _labels.Length;

    /// <summary>The longest sequence's length.</summary>
    public int MaxLength => _labels.Length == 0 ? 0 : _labels.Max(l => l.Length);

    /// <summary>The labels of sample <paramref name="sample"/>.</summary>
    public ReadOnlySpan<int> this[int sample] => _labels[sample];

    /// <summary>
    /// Label sequences from a padded tensor: (N, L) rows, or (N) one label a sample. With <paramref name="lengths"/>
    /// (PyTorch's target_lengths) row i's first lengths[i] values are its labels and the rest is ignored; without, a row
    /// is its labels followed by zeros (Keras's form: 0 is the blank, so it pads), and a 0 before a label is an error.
    /// </summary>
    /// <param name="padded">The tensor.</param>
    /// <param name="lengths">Each row's length, or null.</param>
    /// <param name="name">How to call the targets in messages (<c>-Y</c>).</param>
    /// <exception cref="ModelException">LabelNotInteger, CtcLabelIsBlank, TargetLengthsCountMismatch, TargetLengthOutOfRange.</exception>
    public static LabelSequences FromPadded(Tensor padded, IReadOnlyList<int>? lengths, string name = "Y")
    {
        ArgumentNullException.ThrowIfNull(padded);
        int[] shape = padded.Shape;
        if (shape.Length is not (1 or 2))
        {
            throw new ModelException("TargetShapeMismatch", string.Create(CultureInfo.InvariantCulture,
                $"{name} has shape {padded.ShapeText}; CTC takes label sequences: (samples, labels) padded with 0, or one array of labels per sample."));
        }

        int count = shape[0], width = shape.Length == 2 ? shape[1] : 1;
        if (lengths is not null && lengths.Count != count)
        {
            throw new ModelException("TargetLengthsCountMismatch", string.Create(CultureInfo.InvariantCulture,
                $"-TargetLengths has {lengths.Count} values but {name} has {count} rows; give one length per sample."));
        }

        // Labels are small whole numbers: one that float32 cannot hold exactly is a fraction or absurdly large.
        float[] values = padded.ToSingleArray(out long inexact);
        if (inexact > 0)
        {
            throw new ModelException("LabelNotInteger", string.Create(CultureInfo.InvariantCulture,
                $"{name} holds {inexact} values that are not whole numbers below 2^24; labels are symbol indices 1 … classes − 1."));
        }

        var labels = new int[count][];
        for (int i = 0; i < count; i++)
        {
            int n;
            if (lengths is not null)
            {
                n = lengths[i];
                if (n < 0 || n > width)
                {
                    throw new ModelException("TargetLengthOutOfRange", string.Create(CultureInfo.InvariantCulture,
                        $"-TargetLengths gives sample {i} {n} labels, but {name}'s rows hold {width}; each length must be 0 … {width}."));
                }
            }
            else
            {
                n = width;
                while (n > 0 && values[(i * width) + n - 1] == 0)
                {
                    n--;
                }
            }

            labels[i] = new int[n];
            for (int j = 0; j < n; j++)
            {
                float v = values[(i * width) + j];
                if (v != MathF.Floor(v))
                {
                    throw new ModelException("LabelNotInteger", string.Create(CultureInfo.InvariantCulture,
                        $"{name}: sample {i} has the label {v} at position {j}, which is not a whole number; labels are symbol indices 1 … classes − 1."));
                }

                labels[i][j] = (int)v;
            }
        }

        return new LabelSequences(labels);
    }

    /// <summary>
    /// Fails unless every label is a symbol of an output of <paramref name="classes"/> (blank included): not the blank
    /// (CtcLabelIsBlank), not negative nor ≥ classes (LabelOutOfRange).
    /// </summary>
    internal void Check(int classes, string name)
    {
        for (int i = 0; i < _labels.Length; i++)
        {
            int[] row = _labels[i];
            for (int j = 0; j < row.Length; j++)
            {
                if (row[j] == CtcLoss.Blank)
                {
                    throw new ModelException("CtcLabelIsBlank", string.Create(CultureInfo.InvariantCulture,
                        $"{name}: sample {i} has the label 0 at position {j}, but 0 is CTC's blank, which no target may contain. Labels are 1 … {classes - 1}: shift the symbols by one (0 pads a padded row's end only)."));
                }

                if (row[j] < 0 || row[j] >= classes)
                {
                    throw new ModelException("LabelOutOfRange", string.Create(CultureInfo.InvariantCulture,
                        $"{name}: sample {i} has the label {row[j]} at position {j}, but the output layer has {classes} symbols (0 the blank, labels 1 … {classes - 1})."));
                }
            }
        }
    }

    /// <summary>The sequences as rows of <paramref name="width"/> floats: the length, the labels, zeros.</summary>
    internal float[] Pack(int width)
    {
        var packed = new float[(long)_labels.Length * width];
        for (int i = 0; i < _labels.Length; i++)
        {
            packed[i * width] = _labels[i].Length;
            for (int j = 0; j < _labels[i].Length; j++)
            {
                packed[(i * width) + 1 + j] = _labels[i][j];
            }
        }

        return packed;
    }

    /// <summary>The labels of one packed row into <paramref name="labels"/>; returns how many.</summary>
    internal static int Unpack(ReadOnlySpan<float> row, Span<int> labels)
    {
        int n = (int)row[0];
        for (int j = 0; j < n; j++)
        {
            labels[j] = (int)row[1 + j];
        }

        return n;
    }
}
