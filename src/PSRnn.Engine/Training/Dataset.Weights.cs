using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

// Sample weights (Keras's sample_weight): data that follows its samples through splits, shuffles and batches.
public sealed partial class Dataset
{
    private float[]? _weights;

    // 1: a weight per sample (spread over every step of per-step targets); RowsPerSample: a weight per step.
    private int _weightsPerSample;

    /// <summary>Whether the samples carry weights (<see cref="WithSampleWeights"/>).</summary>
    public bool HasSampleWeights => _weights is not null;

    /// <summary>Output rows per sample: 1 for one target per sample, T for per-step targets.</summary>
    public int RowsPerSample => TargetWidth == 0 ? 1 : TargetsPerSample / TargetWidth;

    /// <summary>
    /// A fingerprint of the weights (FNV-1a over their bits and layout, hexadecimal), or null without weights: a checkpoint
    /// records it so that a resumed run can refuse different weights.
    /// </summary>
    public string? SampleWeightDigest
    {
        get
        {
            if (_weights is null)
            {
                return null;
            }

            ulong hash = 14695981039346656037UL;
            Mix(ref hash, (uint)_weightsPerSample);
            foreach (float w in _weights)
            {
                Mix(ref hash, BitConverter.SingleToUInt32Bits(w));
            }

            return hash.ToString("x16", CultureInfo.InvariantCulture);

            static void Mix(ref ulong h, uint value)
            {
                for (int i = 0; i < 4; i++)
                {
                    h = (h ^ ((value >> (8 * i)) & 0xFF)) * 1099511628211UL;
                }
            }
        }
    }

    /// <summary>
    /// This data with Keras's sample weights: <c>(N)</c> (or <c>(N, 1)</c>) a weight per sample, or <c>(N, T)</c> a weight
    /// per step of per-step targets. A weight multiplies its sample's (or step's) loss; the batch loss stays
    /// Σ wᵢ·lᵢ / (rows in the batch), Keras's sum_over_batch_size.
    /// </summary>
    /// <param name="weights">The weights.</param>
    /// <param name="name">How to call them in messages (<c>-SampleWeight</c>).</param>
    /// <exception cref="ModelException">Wrong count or shape (SampleWeightCountMismatch, SampleWeightShapeMismatch), a NaN or
    /// infinite weight (SampleWeightNotFinite), or a negative one (SampleWeightNegative).</exception>
    public Dataset WithSampleWeights(Tensor weights, string name = "-SampleWeight")
    {
        ArgumentNullException.ThrowIfNull(weights);
        int[] shape = weights.Shape;
        if (shape.Length == 0 || shape[0] != Count)
        {
            throw new ModelException("SampleWeightCountMismatch", string.Create(CultureInfo.InvariantCulture,
                $"{name} has {(shape.Length == 0 ? "a single value" : $"{shape[0]} weights")}, but there are {Count} samples; give one weight per sample."));
        }

        int perSample = shape.Length == 1 || (shape.Length == 2 && shape[1] == 1) ? 1
            : shape.Length == 2 && RowsPerSample > 1 && shape[1] == RowsPerSample ? RowsPerSample : -1;
        if (perSample < 0)
        {
            throw new ModelException("SampleWeightShapeMismatch", RowsPerSample > 1
                ? $"{name} has shape {weights.ShapeText}; give ({Count}) a weight per sample or ({Count}, {RowsPerSample}) a weight per step."
                : $"{name} has shape {weights.ShapeText}, but the targets are one per sample: give ({Count}) weights (a weight per step needs a model that returns sequences).");
        }

        float[] values = weights.ToSingleArray(out _);
        for (int i = 0; i < values.Length; i++)
        {
            float w = values[i];
            if (!float.IsFinite(w) || w < 0)
            {
                throw new ModelException(float.IsFinite(w) ? "SampleWeightNegative" : "SampleWeightNotFinite", string.Create(CultureInfo.InvariantCulture,
                    $"{name}: sample {i / perSample} has the weight {w}; weights must be finite and not negative (0 leaves a sample out of the loss)."));
            }
        }

        Dataset copy = (Dataset)MemberwiseClone();
        copy._weights = values;
        copy._weightsPerSample = perSample;
        return copy;
    }

    /// <summary>
    /// The weight of every output row of the samples at <paramref name="indices"/>, <paramref name="steps"/> rows a sample from
    /// step <paramref name="from"/> (1 and 0 for one target per sample), into <paramref name="rows"/>; ones without weights.
    /// </summary>
    internal void GatherRowWeights(ReadOnlySpan<int> indices, int from, int steps, Span<float> rows)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            Span<float> dest = rows.Slice(i * steps, steps);
            if (_weights is null)
            {
                dest.Fill(1f);
            }
            else if (_weightsPerSample == 1)
            {
                dest.Fill(_weights[indices[i]]);
            }
            else
            {
                _weights.AsSpan((indices[i] * _weightsPerSample) + from, steps).CopyTo(dest);
            }
        }
    }

    /// <summary>
    /// Each sample's class as Keras's class_weight reads it (data_adapter_utils.class_weight_to_sample_weights): the label of
    /// class-label targets, the first argmax of rows of several values, the rounded value (half to even, as NumPy) of a
    /// single one. Only for one target per sample.
    /// </summary>
    internal int[] TargetClasses()
    {
        if (_y is null)
        {
            return [];
        }

        var classes = new int[Count];
        int width = TargetsPerSample;
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<float> row = _y.AsSpan(i * width, width);
            classes[i] = width == 1 ? (int)Math.Round(row[0], MidpointRounding.ToEven)
                : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
        }

        return classes;
    }

    // A slice of source's weights for a dataset made of its samples start to start + length.
    private Dataset WithWeightsOf(Dataset source, int start, int length)
    {
        if (source._weights is { } w)
        {
            int per = source._weightsPerSample;
            _weights = w.AsSpan(start * per, length * per).ToArray();
            _weightsPerSample = per;
        }

        return this;
    }
}
