using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Tests.Serialization;
using PSRnn.Engine.Training;
using PSRnn.Serving;
using Tensor = PSRnn.Engine.Tensors.Tensor;

namespace PSRnn.Engine.Tests.Serving;

/// <summary>
/// <see cref="OnnxRuntimePredictor"/> (Invoke-RnnPrediction -Engine OnnxRuntime): the same outputs as
/// <see cref="Trainer.Predict"/> within 1e-5 for every exportable case, ragged batches and token input included, laid out
/// the same way at any batch size; sessions reused while nothing changed and remade when the weights or settings do; and
/// a provider the native library lacks refused with its error ID.
/// </summary>
public sealed class OnnxRuntimePredictorTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Cases() => OnnxExportTests.SequenceCaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPredictOnEveryExportableCase(string name)
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, 3), OnnxExportTests.SequenceCases[name], 11);
        Tensor x = Random(7, 6, 3, 5);
        Dataset data = Dataset.Create(x, null, model);
        float[] expected = Trainer.Predict(model, data, batchSize: 3);
        using OnnxRuntimePredictor predictor = OnnxRuntimePredictor.Create(model, new OnnxRuntimeSettings());
        foreach (int batch in new[] { 1, 3, 7 })
        {
            AssertClose(expected, predictor.Predict(data, batch), name);
        }
    }

    [Fact]
    public void RaggedBatchesBehindMaskingMatchPredict()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, 3), m =>
        {
            m.Add(new Masking());
            m.Add(new Bidirectional(new Gru(5, returnSequences: true)));
            m.Add(new Lstm(4));
            m.Add(new Dense(3, ActivationKind.Softmax));
        }, 5);
        Tensor x = Random(6, 8, 3, 9);
        float[] values = (float[])x.Data;
        int[] lengths = [8, 1, 5, 3, 8, 6];
        for (int b = 0; b < lengths.Length; b++)
        {
            Array.Clear(values, ((b * 8) + lengths[b]) * 3, (8 - lengths[b]) * 3);
        }

        Dataset data = Dataset.Create(x, null, model);
        using OnnxRuntimePredictor predictor = OnnxRuntimePredictor.Create(model, new OnnxRuntimeSettings { ThreadCount = 1 });
        AssertClose(Trainer.Predict(model, data), predictor.Predict(data, 4), "masked");
    }

    [Fact]
    public void TokenIdsFeedAnEmbeddingModelAsInt64()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Vector(6), m =>
        {
            m.Add(new Embedding(9, 4) { MaskZero = true });
            m.Add(new Lstm(5));
            m.Add(new Dense(2, ActivationKind.Softmax));
        }, 3);
        float[] ids = [1, 2, 3, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 2, 0, 0, 0, 0];
        Dataset data = Dataset.Create(new Tensor(ids, 3, 6), null, model);
        using OnnxRuntimePredictor predictor = OnnxRuntimePredictor.Create(model, new OnnxRuntimeSettings());
        AssertClose(Trainer.Predict(model, data), predictor.Predict(data), "embedding");
    }

    [Fact]
    public void TheCachedSessionIsReusedUntilTheWeightsOrSettingsChange()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(4, 2), m => { m.Add(new SimpleRnn(3)); m.Add(new Dense(2)); }, 8);
        var settings = new OnnxRuntimeSettings { ThreadCount = 1 };
        OnnxRuntimePredictor first = OnnxRuntimePredictor.For(model, settings);
        Assert.Same(first, OnnxRuntimePredictor.For(model, new OnnxRuntimeSettings { ThreadCount = 1 }));

        // A changed weight must not be served by the old graph.
        model.Parameters[0].Value[0] += 0.25f;
        OnnxRuntimePredictor second = OnnxRuntimePredictor.For(model, settings);
        Assert.NotSame(first, second);
        Dataset data = Dataset.Create(Random(2, 4, 2, 1), null, model);
        AssertClose(Trainer.Predict(model, data), second.Predict(data), "after the change");

        Assert.NotSame(second, OnnxRuntimePredictor.For(model, new OnnxRuntimeSettings { ThreadCount = 2 }));
    }

    [Fact]
    public void SettingsCompareByValueWithTheProviderCaseInsensitive()
    {
        var a = new OnnxRuntimeSettings { Provider = "cuda", DeviceId = 1, ProviderOptions = new Dictionary<string, string> { ["gpu_mem_limit"] = "1" } };
        var b = new OnnxRuntimeSettings { Provider = "CUDA", DeviceId = 1, ProviderOptions = new Dictionary<string, string> { ["gpu_mem_limit"] = "1" } };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { DeviceId = 0 });
        Assert.NotEqual(a, b with { ProviderOptions = new Dictionary<string, string> { ["gpu_mem_limit"] = "2" } });
    }

    [Theory]
    [InlineData("CUDA")]
    [InlineData("DirectML")]
    [InlineData("TensorRT")]
    [InlineData("NoSuchProvider")]
    public void AProviderTheLibraryLacksIsRefusedNamingTheOnesItHas(string provider)
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(4, 2), m => m.Add(new Gru(3)), 2);
        ModelException e = Assert.Throws<ModelException>(() => OnnxRuntimePredictor.Create(model, new OnnxRuntimeSettings { Provider = provider }));
        Assert.Equal(OnnxRuntimePredictor.ProviderUnavailableErrorId, e.ErrorId);
        Assert.Contains("CPUExecutionProvider", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuOptionsAreRefusedRatherThanIgnored()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(4, 2), m => m.Add(new Gru(3)), 2);
        var settings = new OnnxRuntimeSettings { ProviderOptions = new Dictionary<string, string> { ["arena"] = "0" } };
        ModelException e = Assert.Throws<ModelException>(() => OnnxRuntimePredictor.Create(model, settings));
        Assert.Equal(OnnxRuntimePredictor.ProviderUnavailableErrorId, e.ErrorId);
    }

    private static Tensor Random(int n, int t, int f, ulong seed)
    {
        var rng = new Rng(seed);
        float[] values = new float[n * t * f];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)rng.Uniform(-1, 1);
        }

        return new Tensor(values, n, t, f);
    }

    private static void AssertClose(float[] expected, float[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = Tolerance * (1 + Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{name}: element {i}: {expected[i]} against ONNX Runtime's {actual[i]}");
        }
    }
}
