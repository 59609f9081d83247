using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>Turns Invoke-RnnPrediction -Stream's -X into the float32 values and step count of a stream's chunk.</summary>
internal static class StreamChunk
{
    /// <summary>
    /// The chunk's values, read in place from a float32 tensor (converted otherwise), and its steps: (Batch, t, F), or
    /// (t, F) for a stream of one sequence.
    /// </summary>
    /// <exception cref="ModelException"><c>StreamChunkShape</c> for another batch, width or rank;
    /// <c>DataNotFinite</c> for NaN or infinity.</exception>
    public static (ReadOnlyMemory<float> Values, int Steps) Read(RnnStream stream, Tensor x)
    {
        int features = stream.Model.InputShape.Features;
        int[] shape = x.Shape;
        int steps = shape switch
        {
            [int n, int t, int f] when n == stream.Batch && f == features => t,
            [int t, int f] when stream.Batch == 1 && f == features => t,
            _ => -1,
        };
        if (steps < 1)
        {
            string expected = stream.Batch == 1 ? $"(1, t, {features}) or (t, {features})" : $"({stream.Batch}, t, {features})";
            throw new ModelException("StreamChunkShape", string.Create(CultureInfo.InvariantCulture,
                $"X has shape {x.ShapeText}; the stream of {stream.Batch} sequence(s) of {features} features takes chunks {expected}, t ≥ 1 steps."));
        }

        ReadOnlyMemory<float> values = x.SinglesToRead(out _);
        int bad = FirstNotFinite(values.Span);
        if (bad >= 0)
        {
            float v = values.Span[bad];
            int perSequence = steps * features;
            throw new ModelException("DataNotFinite", string.Create(CultureInfo.InvariantCulture,
                $"X: sequence {bad / perSequence} holds {(float.IsNaN(v) ? "NaN" : "an infinite value")} at step {bad % perSequence / features} of the chunk; clean or impute it first: a stream would carry it in its state for good."));
        }

        return (values, steps);
    }

    private static int FirstNotFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
