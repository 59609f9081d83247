using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>GlobalPooling1D against PyTorch float64 (tests/fixtures/layers/make_pooling_fixtures.py), and its masking.</summary>
public sealed class GlobalPooling1DTests
{
    private const string FixtureFile = "pooling_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        int[] shape = WrapperFixtures.Shape(testCase.GetProperty("input"));
        (int batch, int time, int features) = (shape[0], shape[1], shape[2]);
        var x = new Activations(batch, time, features, true);
        double[] values = WrapperFixtures.Data(testCase.GetProperty("input"));
        for (int i = 0; i < values.Length; i++)
        {
            x.Span[i] = (float)values[i];
        }

        x.Mask = LayerCaseFile.Mask(testCase, batch, time);
        var layer = new GlobalPooling1D(testCase.GetProperty("mode").GetString() == "max" ? GlobalPoolingMode.Max : GlobalPoolingMode.Average);
        layer.Build(SampleShape.Sequence(time, features));
        Activations y = layer.Forward(x, training: true);
        Assert.False(y.IsSequence);
        WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
        Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
        WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
    }

    [Theory]
    [InlineData(GlobalPoolingMode.Average)]
    [InlineData(GlobalPoolingMode.Max)]
    public void GradientsMatchCentralDifferences(GlobalPoolingMode mode)
    {
        var layer = new GlobalPooling1D(mode);
        layer.Build(SampleShape.Sequence(5, 3));
        GradientCheck.Check(layer, GradientCheck.RandomInput(2, 5, 3, true, 11));
    }

    [Theory]
    [InlineData(GlobalPoolingMode.Average)]
    [InlineData(GlobalPoolingMode.Max)]
    public void PaddingChangesNothing(GlobalPoolingMode mode)
    {
        // Masking → LSTM(return_sequences) → pooling on a padded batch gives each sample's result run alone, unpadded.
        Sequential Model()
        {
            var m = new Sequential(SampleShape.Sequence(null, 2), "pool", 5);
            m.Add(new Masking());
            m.Add(new Lstm(3, returnSequences: true));
            m.Add(new GlobalPooling1D(mode));
            return m;
        }

        Sequential model = Model();
        var padded = new float[2 * 6 * 2];
        var rng = new Rng(9);
        for (int i = 0; i < 2 * 2; i++)
        {
            padded[i] = (float)rng.NextDouble() + 0.5f; // sample 0: 2 real steps, then padding
        }

        for (int i = 12; i < 24; i++)
        {
            padded[i] = (float)rng.NextDouble() + 0.5f; // sample 1: 6 real steps
        }

        float[] together = Trainer.Predict(model, Dataset.Create(new Tensor(padded, 2, 6, 2), null, model));
        float[] alone = Trainer.Predict(model, Dataset.Create(new Tensor(padded[..4], 1, 2, 2), null, model));
        for (int u = 0; u < 3; u++)
        {
            Assert.Equal(alone[u], together[u], 6);
        }
    }

    [Fact]
    public void KerasNamesAndConfig()
    {
        var model = new Sequential(SampleShape.Sequence(4, 2), "m", 1);
        model.Add(new GlobalPooling1D(GlobalPoolingMode.Average));
        model.Add(new Dense(1));
        Assert.Equal("GlobalAveragePooling1D", model.Layers[0].KerasClassName);
        Assert.Equal("global_average_pooling1d", model.Layers[0].Name);
        Assert.Equal("GlobalMaxPooling1D", new GlobalPooling1D(GlobalPoolingMode.Max).KerasClassName);
        Assert.Equal(2, model.Layers[0].OutputShape.Features);
        Assert.False(model.Layers[0].OutputShape.IsSequence);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GlobalPooling1D((GlobalPoolingMode)7));
    }
}
