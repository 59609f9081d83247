using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// LSTM with a projection (PyTorch's proj_size) against torch.nn.LSTM in float64
/// (tests/fixtures/layers/make_lstm_projection_fixtures.py), masked, go_backwards and Bidirectional; its gradients
/// against central differences, its file round trip, its stream, and its refusals.
/// </summary>
public sealed class LstmProjectionTests
{
    private const string FixtureFile = "lstm_projection_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    public static TheoryData<string, bool, bool> Variants() => RecurrentCaseRunner.Variants(FixtureFile);

    [Theory]
    [MemberData(nameof(Variants))]
    public void MatchesPyTorch(string name, bool neverCompact, bool splitBatch) => Verify(name, splitBatch, neverCompact);

    /// <summary>One case: forward, input and weight gradients within 1e-5 of the fixture.</summary>
    internal static void Verify(string name, bool splitBatch = false, bool neverCompact = false)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        Layer layer = Create(testCase.GetProperty("config"), out Lstm[] directions);
        RecurrentCaseRunner.AssertCase(testCase, layer, directions, splitBatch, neverCompact);
    }

    private static Layer Create(JsonElement config, out Lstm[] directions)
    {
        var lstm = new Lstm(config.GetProperty("units").GetInt32(), config.GetProperty("return_sequences").GetBoolean(),
            config.GetProperty("go_backwards").GetBoolean())
        {
            UseBias = config.GetProperty("use_bias").GetBoolean(),
            ProjectionSize = config.GetProperty("projection_size").GetInt32(),
        };
        if (!config.GetProperty("bidirectional").GetBoolean())
        {
            directions = [lstm];
            return lstm;
        }

        var wrapper = new Bidirectional(lstm, "bidirectional", BidirectionalMerge.Concat);
        directions = [(Lstm)wrapper.ForwardLayer, (Lstm)wrapper.BackwardLayer];
        return wrapper;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void GradientsMatchCentralDifferences(bool goBackwards, bool masked)
    {
        var layer = new Lstm(5, returnSequences: true, goBackwards: goBackwards) { ProjectionSize = 2 };
        layer.Build(SampleShape.Sequence(6, 3));
        layer.Initialize(new Rng(7));
        Activations x = GradientCheck.RandomInput(3, 6, 3, true, 8);
        if (masked)
        {
            x.Mask = new SequenceMask(3, 6, [true, true, true, true, true, true, true, true, true, false, false, false,
                false, true, true, false, true, true]);
        }

        GradientCheck.Check(layer, x);
    }

    [Fact]
    public void RecurrentDropoutGradientsMatchCentralDifferences()
    {
        var layer = new Lstm(4, returnSequences: false, dropout: 0.2f, recurrentDropout: 0.3f) { ProjectionSize = 3 };
        layer.Build(SampleShape.Sequence(5, 2));
        layer.Initialize(new Rng(9));
        Activations x = GradientCheck.RandomInput(2, 5, 2, true, 10);
        layer.Forward(x, training: true);
        layer.HoldDropoutMasks = true;
        GradientCheck.Check(layer, x);
    }

    [Fact]
    public void ShapesAndWeightNames()
    {
        var model = new Sequential(SampleShape.Sequence(7, 3), "m", 1);
        model.Add(new Lstm(6, returnSequences: true) { ProjectionSize = 2 });
        Layer lstm = model.Layers[0];
        Assert.Equal(["kernel", "recurrent_kernel", "bias", "weight_hr"], lstm.ParameterNames);
        Assert.Equal([3, 24], lstm.Parameters[0].Shape);
        Assert.Equal([2, 24], lstm.Parameters[1].Shape);
        Assert.Equal([6, 2], lstm.Parameters[3].Shape);
        Assert.Equal(SampleShape.Sequence(7, 2), lstm.OutputShape);
        Assert.Equal(2, lstm.GetConfig()["projection_size"]);
        // A plain LSTM's config stays Keras's: no key Keras would not know.
        Assert.False(new Lstm(4).GetConfig().ContainsKey("projection_size"));
    }

    [Fact]
    public void SaveAndLoadAreBitIdentical()
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), "proj", 3);
        model.Add(new Lstm(6, returnSequences: true) { ProjectionSize = 2 });
        model.Add(new Bidirectional(new Lstm(5) { ProjectionSize = 4 }, null, BidirectionalMerge.Concat));
        model.Add(new Dense(2));
        Activations x = GradientCheck.RandomInput(2, 5, 3, true, 4);
        float[] expected = model.Forward(x, false).Span.ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-proj-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, model, includeOptimizerState: false, overwrite: false);
            Sequential read = ModelFile.Load(path);
            Assert.Equal(4, ((Lstm)((Bidirectional)read.Layers[1]).BackwardLayer).ProjectionSize);
            Assert.Equal(model.Parameters.Select(p => p.Value), read.Parameters.Select(p => p.Value));
            Assert.Equal(expected, read.Forward(x, false).Span.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ChunkByChunkStreamEqualsTheWholeSequence()
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), "stream", 5);
        model.Add(new Lstm(5, returnSequences: true) { ProjectionSize = 3 });
        RnnStream stream = RecurrentCaseRunner.AssertStreamEqualsWholePass(model, GradientCheck.RandomInput(2, 7, 3, true, 6), 3);
        IReadOnlyDictionary<string, float[]> states = stream.GetStates();
        Assert.Equal(2 * 3, states["lstm.h"].Length);
        Assert.Equal(2 * 5, states["lstm.c"].Length);
    }

    [Fact]
    public void StepValuesGiveHAtTheProjectionWidth()
    {
        var model = new Sequential(SampleShape.Sequence(4, 2), "values", 2);
        model.Add(new Lstm(5, returnSequences: true) { ProjectionSize = 2 });
        var lstm = (Lstm)model.Layers[0];
        Activations x = GradientCheck.RandomInput(2, 4, 2, true, 3);
        float[] y = model.Forward(x, false).Span.ToArray();
        var h = new float[2 * 4 * 2];
        lstm.CopyStepValue(0, h);
        Assert.Equal(y, h);
        var c = new float[2 * 4 * 5];
        lstm.CopyStepValue(lstm.StepValueNames.ToList().IndexOf("c"), c);
        Assert.Contains(c, v => v != 0f);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(9)]
    public void ProjectionSizeOutsideOneToUnitsIsRefused(int size)
    {
        ModelException e = Assert.Throws<ModelException>(() => new Lstm(4) { ProjectionSize = size });
        Assert.Equal(Lstm.ProjectionSizeErrorId, e.ErrorId);
    }

    [Fact]
    public void OnnxExportIsRefused()
    {
        var model = new Sequential(SampleShape.Sequence(5, 3), "onnx", 1);
        model.Add(new Lstm(4) { ProjectionSize = 2 });
        using var stream = new MemoryStream();
        ModelException e = Assert.Throws<ModelException>(() => OnnxExporter.Export(model, stream));
        Assert.Equal(OnnxExporter.UnsupportedErrorId, e.ErrorId);
        Assert.Contains("no projection", e.Message, StringComparison.Ordinal);
    }
}
