using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// What the recurrent layers' fixture tests share: each case of a layer fixture file run whole, uncompacted and over
/// batch chunks, compared with its PyTorch float64 output and gradients; and a stream fed in chunks against one pass.
/// </summary>
internal static class RecurrentCaseRunner
{
    /// <summary>Every case of <paramref name="file"/>, whole, never compacted, and split over batch chunks.</summary>
    public static TheoryData<string, bool, bool> Variants(string file)
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string name in LayerCaseFile.Names(file))
        {
            data.Add(name, false, false);
            data.Add(name, true, false);
            data.Add(name, false, true);
        }

        return data;
    }

    /// <summary>
    /// Builds <paramref name="layer"/> for the case's input, loads its weights, applies its mask, runs forward and
    /// backward and asserts the output, the input gradient and every weight gradient within 1e-5. With
    /// <paramref name="splitBatch"/> the <paramref name="directions"/>' time loops run over batch chunks on two threads;
    /// with <paramref name="neverCompact"/> a masked batch keeps every row.
    /// </summary>
    public static void AssertCase(JsonElement testCase, Layer layer, IEnumerable<RecurrentLayer> directions, bool splitBatch,
        bool neverCompact = false)
    {
        Activations x = WrapperFixtures.Input(testCase);
        foreach (RecurrentLayer d in directions.Where(_ => splitBatch))
        {
            d.BatchSplitMinRows = 2;
            d.BatchSplitMinChunkMacs = 0;
        }

        layer.Build(SampleShape.Sequence(x.Time, x.Features));
        layer.Initialize(new Rng(1));
        WrapperFixtures.LoadWeights(layer, testCase);
        if (testCase.TryGetProperty("mask", out _))
        {
            x.Mask = LayerCaseFile.Mask(testCase, x.Batch, x.Time);
        }

        bool before = RecurrentWorkspace.NeverCompact;
        RecurrentWorkspace.NeverCompact = neverCompact;
        try
        {
            using (ComputeThreads.Use(splitBatch ? 2 : null))
            {
                Activations y = layer.Forward(x, training: true);
                WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
                Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
                WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
                LayerCaseFile.AssertParameterGradients(layer, testCase);
            }
        }
        finally
        {
            RecurrentWorkspace.NeverCompact = before;
        }
    }

    /// <summary>
    /// Feeds <paramref name="x"/> (B, T, F) to a stream of <paramref name="model"/> (returning sequences of
    /// <paramref name="width"/>) in chunks of 3, 1 and 3 steps and asserts the outputs equal one whole pass bit for bit.
    /// </summary>
    public static RnnStream AssertStreamEqualsWholePass(Sequential model, Activations x, int width)
    {
        int batch = x.Batch, time = x.Time, features = x.Features;
        float[] whole = model.Forward(x, false).Span.ToArray();
        var stream = new RnnStream(model, batch);
        var steps = new float[batch * time * width];
        for (int start = 0, c = 0; start < time; c++)
        {
            int t = Math.Min(c % 2 == 0 ? 3 : 1, time - start);
            var chunk = new float[batch * t * features];
            for (int b = 0; b < batch; b++)
            {
                x.Span.Slice(((b * time) + start) * features, t * features).CopyTo(chunk.AsSpan(b * t * features, t * features));
            }

            ReadOnlySpan<float> y = stream.Predict(chunk, t).Span;
            for (int b = 0; b < batch; b++)
            {
                y.Slice(b * t * width, t * width).CopyTo(steps.AsSpan(((b * time) + start) * width, t * width));
            }

            start += t;
        }

        Assert.Equal(whole, steps);
        return stream;
    }
}
