using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Training;
using Tensor = PSRnn.Engine.Tensors.Tensor;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>The Normalization layer's maths, gradient, frozen statistics and ONNX export (issue 22, item 4).</summary>
public sealed class NormalizationTests
{
    private static readonly float[] MeanValues = [0.5f, -1f, 2000f];
    private static readonly float[] VarianceValues = [4f, 0.25f, 1e-16f];   // the last below ε²: the scale is ε

    [Fact]
    public void ForwardIsKerasFormulaAndBackwardDividesByTheScale()
    {
        foreach (bool invert in new[] { false, true })
        {
            var model = new Sequential(SampleShape.Sequence(2, 3), seed: 1);
            var layer = new Normalization(invert, mean: MeanValues, variance: VarianceValues);
            model.Add(layer);
            float[] x = [1f, 2f, 2000.5f, -3f, 0f, 1999f];
            var input = new Activations(1, 2, 3, true);
            x.CopyTo(input.Span);
            float[] y = model.Forward(input, training: false).Span.ToArray();
            float[] scale = [2f, 0.5f, 1e-7f];
            for (int i = 0; i < x.Length; i++)
            {
                float expected = invert ? MeanValues[i % 3] + (x[i] * scale[i % 3]) : (x[i] - MeanValues[i % 3]) / scale[i % 3];
                Assert.Equal(expected, y[i]);
            }

            var dy = new Activations(1, 2, 3, true);
            float[] g = [1f, -2f, 3f, 0.5f, 4f, -1f];
            g.CopyTo(dy.Span);
            float[] dx = layer.Backward(dy, computeInputGradient: true)!.Span.ToArray();
            for (int i = 0; i < g.Length; i++)
            {
                Assert.Equal(invert ? g[i] * scale[i % 3] : g[i] / scale[i % 3], dx[i]);
            }
        }
    }

    [Fact]
    public void StatisticsAreFrozenInTraining()
    {
        var model = new Sequential(SampleShape.Sequence(4, 3), seed: 2);
        model.Add(new Normalization(mean: MeanValues, variance: [1f, 2f, 3f]));
        model.Add(new Lstm(4));
        model.Add(new Dense(2, ActivationKind.Softmax));
        var rng = new PSRnn.Engine.Tensors.Rng(3);
        float[] x = [.. Enumerable.Range(0, 8 * 4 * 3).Select(_ => (float)rng.Uniform(-2, 2))];
        var data = Dataset.Create(new Tensor(x, 8, 4, 3), new Tensor(new long[] { 0, 1, 0, 1, 1, 0, 0, 1 }, 8), model);
        Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, "sparse_categorical_crossentropy", data), new Adam(0.01f),
            new FitOptions { Epochs = 2, BatchSize = 4, Seed = 1 });
        var layer = (Normalization)model.Layers[0];
        Assert.Equal(MeanValues, layer.Mean.Value);
        Assert.Equal([1f, 2f, 3f], layer.Variance.Value);
        Assert.False(layer.Mean.Trainable);
    }

    [Fact]
    public void AdaptLeavesMaskedStepsOut()
    {
        var model = new Sequential(SampleShape.Sequence(3, 2), seed: 4);
        model.Add(new Masking(0f));
        var layer = new Normalization();
        model.Add(layer);
        // Two samples: 3 and 1 real steps; the padding (zeros) must not pull the mean to 0.
        float[] x = [1f, 10f, 3f, 20f, 5f, 30f, 7f, 40f, 0f, 0f, 0f, 0f];
        NormalizationAdapter.Adapt(model, layer, Dataset.Create(new Tensor(x, 2, 3, 2), null, model), batchSize: 1);
        Assert.Equal([4f, 25f], layer.Mean.Value);
        Assert.Equal([5f, 125f], layer.Variance.Value);   // NumPy: var([1, 3, 5, 7]) = 5, var([10, 20, 30, 40]) = 125
        Assert.True(layer.IsAdapted);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnnxRuntimeAgreesOnMaskedBatches(bool invert)
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), seed: 5);
        model.Add(new Masking(0f));
        model.Add(new Normalization(invert, mean: MeanValues, variance: [4f, 0.25f, 9f]));
        model.Add(new Lstm(4, returnSequences: true));
        model.Add(new Dense(2));
        var rng = new PSRnn.Engine.Tensors.Rng(6);
        const int batch = 3, time = 5;
        float[] x = [.. Enumerable.Range(0, batch * time * 3).Select(_ => (float)rng.Uniform(-3, 3))];
        Array.Clear(x, (1 * time * 3) + 6, 9);   // sample 1: two real steps, then padding
        float[] expected = Trainer.Predict(model, Dataset.Create(new Tensor(x, batch, time, 3), null, model));
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        using var session = new InferenceSession(stream.ToArray());
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, new DenseTensor<float>(x, [batch, time, 3]))]);
        float[] actual = Assert.Single(results).AsTensor<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + (1e-5 * Math.Abs(expected[i])), $"element {i}: {actual[i]} against {expected[i]}");
        }
    }

    [Fact]
    public void StatisticsOfTheWrongWidthAreRefused()
    {
        var model = new Sequential(SampleShape.Sequence(2, 4), seed: 1);
        ModelException e = Assert.Throws<ModelException>(() => model.Add(new Normalization(mean: MeanValues, variance: VarianceValues)));
        Assert.Equal("NormalizationStatisticsMismatch", e.ErrorId);
        Assert.Throws<ArgumentException>(() => new Normalization(mean: MeanValues));
        Assert.Throws<ArgumentException>(() => new Normalization(mean: [0f], variance: [-1f]));
    }
}
