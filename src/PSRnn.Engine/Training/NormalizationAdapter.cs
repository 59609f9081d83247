using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's Normalization.adapt() inside a model: the data goes through the layers before the Normalization layer
/// (in inference mode: a Masking layer finds the padding, which the statistics leave out), batch by batch.
/// </summary>
public static class NormalizationAdapter
{
    /// <summary>Measures and sets the statistics of <paramref name="layer"/> from the model inputs <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The layer is not in the model, the data has no real steps, or a value is not finite.</exception>
    public static void Adapt(Sequential model, Normalization layer, Dataset data, int batchSize = 256, int? threadCount = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(data);
        int index = model.Layers.ToList().IndexOf(layer);
        if (index < 0)
        {
            throw new ArgumentException($"Layer '{layer.Name}' is not a layer of model '{model.Name}'.", nameof(layer));
        }

        using ComputeThreads.Scope threads = ComputeThreads.Use(threadCount);
        batchSize = Math.Clamp(batchSize, 1, data.Count);
        var batch = new Activations();
        var indices = new int[batchSize];
        float[] values = [];
        bool[] real = [];

        IEnumerable<(float[] Values, int Rows, bool[]? Real)> Batches()
        {
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int size = Math.Min(batchSize, data.Count - start);
                for (int i = 0; i < size; i++)
                {
                    indices[i] = start + i;
                }

                data.Gather(indices.AsSpan(0, size), batch, null);
                Activations x = model.ForwardThrough(batch, index, training: false);
                int rows = x.Batch * (x.IsSequence ? x.Time : 1);
                if (values.Length < x.Length)
                {
                    values = new float[x.Length];
                }

                x.Span.CopyTo(values);
                SequenceMask? mask = x.IsSequence ? x.Mask : null;
                if (mask is null)
                {
                    yield return (values, rows, null);
                    continue;
                }

                if (real.Length < rows)
                {
                    real = new bool[rows];
                }

                mask.Values.CopyTo(real);
                yield return (values, rows, real);
            }
        }

        layer.Adapt(Batches);
    }
}
