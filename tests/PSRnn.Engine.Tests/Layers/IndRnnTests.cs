using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// IndRNN against its equations written out in PyTorch float64 (tests/fixtures/layers/make_indrnn_fixtures.py), masked,
/// go_backwards and Bidirectional; its gradients against central differences, the recurrent bound after each update,
/// the file round trip, the stream, and its refusals.
/// </summary>
public sealed class IndRnnTests
{
    private const string FixtureFile = "indrnn_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    public static TheoryData<string, bool, bool> Variants() => RecurrentCaseRunner.Variants(FixtureFile);

    [Theory]
    [MemberData(nameof(Variants))]
    public void MatchesPyTorch(string name, bool neverCompact, bool splitBatch) => Verify(name, splitBatch, neverCompact);

    /// <summary>One case: forward, input and weight gradients within 1e-5 of the fixture.</summary>
    internal static void Verify(string name, bool splitBatch = false, bool neverCompact = false)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        JsonElement config = testCase.GetProperty("config");
        var cell = new IndRnn(config.GetProperty("units").GetInt32(), config.GetProperty("return_sequences").GetBoolean(),
            config.GetProperty("go_backwards").GetBoolean())
        {
            UseBias = config.GetProperty("use_bias").GetBoolean(),
            Activation = config.GetProperty("activation").GetString() == "relu" ? ActivationKind.Relu : ActivationKind.Tanh,
        };
        if (!config.GetProperty("bidirectional").GetBoolean())
        {
            RecurrentCaseRunner.AssertCase(testCase, cell, [cell], splitBatch, neverCompact);
            return;
        }

        var wrapper = new Bidirectional(cell);
        RecurrentCaseRunner.AssertCase(testCase, wrapper, [wrapper.ForwardLayer, wrapper.BackwardLayer], splitBatch, neverCompact);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void GradientsMatchCentralDifferences(bool goBackwards, bool masked)
    {
        // tanh: relu's kink would meet a finite difference somewhere.
        var layer = new IndRnn(5, returnSequences: true, goBackwards: goBackwards);
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
        var layer = new IndRnn(4, returnSequences: false, dropout: 0.2f, recurrentDropout: 0.3f);
        layer.Build(SampleShape.Sequence(5, 2));
        layer.Initialize(new Rng(9));
        Activations x = GradientCheck.RandomInput(2, 5, 2, true, 10);
        layer.Forward(x, training: true);
        layer.HoldDropoutMasks = true;
        GradientCheck.Check(layer, x);
    }

    [Fact]
    public void ShapesWeightsAndTheInitialRecurrentWeights()
    {
        var model = new Sequential(SampleShape.Sequence(7, 3), "m", 1);
        model.Add(new IndRnn(6, returnSequences: true) { RecurrentMax = 0.5f });
        Layer layer = model.Layers[0];
        Assert.Equal("ind_rnn", layer.Name);
        Assert.Equal(["kernel", "recurrent_kernel", "bias"], layer.ParameterNames);
        Assert.Equal([3, 6], layer.Parameters[0].Shape);
        Assert.Equal([6], layer.Parameters[1].Shape);
        Assert.Equal(SampleShape.Sequence(7, 6), layer.OutputShape);
        // Drawn from [0, 1] and clipped to the bound.
        Assert.All(layer.Parameters[1].Value, v => Assert.InRange(v, 0f, 0.5f));
        Assert.Equal(0.5, (double)layer.GetConfig()["recurrent_max"]!, 6);
        Assert.Null(new IndRnn(3).GetConfig()["recurrent_max"]);
    }

    [Fact]
    public void TheBoundHoldsAfterEveryUpdate()
    {
        var layer = new IndRnn(6, returnSequences: false) { RecurrentMax = 0.9f };
        layer.Build(SampleShape.Sequence(8, 2));
        layer.Initialize(new Rng(4));
        Optimizer sgd = Optimizers.Create("sgd", 5f);
        Activations x = GradientCheck.RandomInput(4, 8, 2, true, 3);
        for (int step = 0; step < 3; step++)
        {
            Activations y = layer.Forward(x, training: true);
            var dy = new Activations();
            dy.ResizeLike(y);
            dy.Span.Fill(step % 2 == 0 ? -20f : 20f);
            foreach (Parameter p in layer.Parameters)
            {
                p.ZeroGradient();
            }

            layer.Backward(dy, computeInputGradient: false);
            sgd.Step(layer.Parameters);
            Assert.All(layer.Parameters[1].Value, v => Assert.InRange(v, -0.9f, 0.9f));
        }

        // The large rate pushed weights onto the bound: the clip did something.
        Assert.Contains(layer.Parameters[1].Value, v => Math.Abs(v) == 0.9f);
    }

    [Fact]
    public void SaveAndLoadAreBitIdentical()
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), "ind", 3);
        model.Add(new IndRnn(6, returnSequences: true) { RecurrentMax = 1.5f, Activation = ActivationKind.Relu });
        model.Add(new Bidirectional(new IndRnn(5)));
        model.Add(new Dense(2));
        Activations x = GradientCheck.RandomInput(2, 5, 3, true, 4);
        float[] expected = model.Forward(x, false).Span.ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-indrnn-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, model, includeOptimizerState: false, overwrite: false);
            Sequential read = ModelFile.Load(path);
            var first = (IndRnn)read.Layers[0];
            Assert.Equal(1.5f, first.RecurrentMax);
            Assert.Equal(1.5f, first.Parameters[1].MaxAbs);
            Assert.Equal(ActivationKind.Relu, first.Activation);
            Assert.Null(((IndRnn)((Bidirectional)read.Layers[1]).BackwardLayer).RecurrentMax);
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
        model.Add(new IndRnn(5, returnSequences: true));
        RecurrentCaseRunner.AssertStreamEqualsWholePass(model, GradientCheck.RandomInput(2, 7, 3, true, 6), 5);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ABoundThatIsNotPositiveIsRefused(float max)
    {
        ModelException e = Assert.Throws<ModelException>(() => new IndRnn(4) { RecurrentMax = max });
        Assert.Equal(IndRnn.RecurrentMaxErrorId, e.ErrorId);
    }
}
