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

    /// <summary>Every case, whole, compacted or not (a masked case), and split over batch chunks.</summary>
    public static TheoryData<string, bool, bool> Variants()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string name in LayerCaseFile.Names(FixtureFile))
        {
            data.Add(name, false, false);
            data.Add(name, true, false);
            data.Add(name, false, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void MatchesPyTorch(string name, bool neverCompact, bool splitBatch)
    {
        bool before = RecurrentWorkspace.NeverCompact;
        RecurrentWorkspace.NeverCompact = neverCompact;
        try
        {
            Verify(name, splitBatch);
        }
        finally
        {
            RecurrentWorkspace.NeverCompact = before;
        }
    }

    /// <summary>One case: forward, input and weight gradients within 1e-5 of the fixture.</summary>
    internal static void Verify(string name, bool splitBatch = false)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        JsonElement config = testCase.GetProperty("config");
        Activations x = WrapperFixtures.Input(testCase);
        var cell = new IndRnn(config.GetProperty("units").GetInt32(), config.GetProperty("return_sequences").GetBoolean(),
            config.GetProperty("go_backwards").GetBoolean())
        {
            UseBias = config.GetProperty("use_bias").GetBoolean(),
            Activation = config.GetProperty("activation").GetString() == "relu" ? ActivationKind.Relu : ActivationKind.Tanh,
        };
        Layer layer = cell;
        RecurrentLayer[] directions = [cell];
        if (config.GetProperty("bidirectional").GetBoolean())
        {
            var wrapper = new Bidirectional(cell);
            directions = [wrapper.ForwardLayer, wrapper.BackwardLayer];
            layer = wrapper;
        }

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

        using (ComputeThreads.Use(splitBatch ? 2 : null))
        {
            Activations y = layer.Forward(x, training: true);
            WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
            Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
            WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
            LayerCaseFile.AssertParameterGradients(layer, testCase);
        }
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
        const int batch = 2, time = 7;
        var model = new Sequential(SampleShape.Sequence(null, 3), "stream", 5);
        model.Add(new IndRnn(5, returnSequences: true));
        Activations x = GradientCheck.RandomInput(batch, time, 3, true, 6);
        float[] whole = model.Forward(x, false).Span.ToArray();
        var stream = new RnnStream(model, batch);
        var steps = new float[batch * time * 5];
        int start = 0;
        foreach (int t in new[] { 3, 1, 3 })
        {
            var chunk = new float[batch * t * 3];
            for (int b = 0; b < batch; b++)
            {
                x.Span.Slice(((b * time) + start) * 3, t * 3).CopyTo(chunk.AsSpan(b * t * 3, t * 3));
            }

            ReadOnlySpan<float> y = stream.Predict(chunk, t).Span;
            for (int b = 0; b < batch; b++)
            {
                y.Slice(b * t * 5, t * 5).CopyTo(steps.AsSpan(((b * time) + start) * 5, t * 5));
            }

            start += t;
        }

        Assert.Equal(whole, steps);
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
