using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// MinGRU and MinLSTM against a PyTorch float64 transcription of the paper's log-space scan
/// (tests/fixtures/layers/make_min_rnn_fixtures.py), in both of PSRnn's forms (the log-space scan training runs and the
/// step-by-step form prediction runs), and the two forms against each other.
/// </summary>
public sealed class MinRecurrentTests
{
    private const string FixtureFile = "min_rnn_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in LayerCaseFile.Names(FixtureFile))
        {
            data.Add(name, nameof(MinScanMode.LogSpace));
            data.Add(name, nameof(MinScanMode.Sequential));
        }

        return data;
    }

    /// <summary>The layer a case describes, built for its input, with its weights.</summary>
    private static (MinRecurrentLayer Layer, Activations Input) FromCase(JsonElement testCase)
    {
        JsonElement config = testCase.GetProperty("config");
        int units = config.GetProperty("units").GetInt32();
        bool sequences = config.GetProperty("return_sequences").GetBoolean(), backwards = config.GetProperty("go_backwards").GetBoolean();
        bool bias = config.GetProperty("use_bias").GetBoolean();
        MinRecurrentLayer layer = testCase.GetProperty("kind").GetString() == "MinGRU"
            ? new MinGru(units, sequences, backwards, bias)
            : new MinLstm(units, sequences, backwards, bias);
        Activations x = WrapperFixtures.Input(testCase);
        if (testCase.TryGetProperty("mask", out _))
        {
            x.Mask = LayerCaseFile.Mask(testCase, x.Batch, x.Time);
        }

        layer.Build(SampleShape.Sequence(x.Time, x.Features));
        layer.Initialize(new Rng(1));
        WrapperFixtures.LoadWeights(layer, testCase);
        return (layer, x);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name, string mode)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        (MinRecurrentLayer layer, Activations x) = FromCase(testCase);
        layer.ScanMode = Enum.Parse<MinScanMode>(mode);
        Activations y = layer.Forward(x, training: true);
        WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
        Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
        WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
        LayerCaseFile.AssertParameterGradients(layer, testCase);
    }

    [Fact]
    public void TrainingRunsTheLogSpaceScanAndPredictionTheSequentialForm()
    {
        // The two forms round differently, so their bits tell which ran.
        (MinRecurrentLayer layer, Activations x) = FromCase(LayerCaseFile.Case(FixtureFile, "minlstm_saturated_long"));
        float[] training = layer.Forward(x, training: true).Span.ToArray();
        float[] prediction = layer.Forward(x, training: false).Span.ToArray();
        layer.ScanMode = MinScanMode.LogSpace;
        Assert.Equal(training, layer.Forward(x, training: false).Span.ToArray());
        layer.ScanMode = MinScanMode.Sequential;
        Assert.Equal(prediction, layer.Forward(x, training: true).Span.ToArray());
        Assert.NotEqual(training, prediction);
    }

    [Theory]
    [InlineData("MinGRU", false)]
    [InlineData("MinGRU", true)]
    [InlineData("MinLSTM", false)]
    [InlineData("MinLSTM", true)]
    public void LogSpaceScanMatchesTheSequentialFormOnLongMaskedSequences(string kind, bool backwards)
    {
        // 300 steps of gates near 0 and 1: the prefix a* falls far below float32's range of exp, which the re-centred
        // scan never forms; the two forms must still agree.
        Activations x = GradientCheck.RandomInput(5, 300, 6, true, 4);
        foreach (ref float v in x.Span)
        {
            v *= 3f;
        }

        x.Mask = SequenceMask.FromLengths([300, 250, 17, 1, 0], 300, padBefore: kind == "MinGRU");
        Activations g = GradientCheck.RandomInput(5, 300, 16, true, 5);
        (float[] Output, float[] Dx) Run(MinScanMode mode)
        {
            MinRecurrentLayer layer = kind == "MinGRU" ? new MinGru(16, true, backwards) : new MinLstm(16, true, backwards);
            layer.Build(SampleShape.Sequence(null, 6));
            layer.Initialize(new Rng(7));
            layer.ScanMode = mode;
            float[] output = layer.Forward(x, training: true).Span.ToArray();
            return (output, layer.Backward(g, true)!.Span.ToArray());
        }

        (float[] sequential, float[] dxSequential) = Run(MinScanMode.Sequential);
        (float[] logSpace, float[] dxLogSpace) = Run(MinScanMode.LogSpace);
        AssertNear(sequential, logSpace, 2e-6, "output");
        AssertNear(dxSequential, dxLogSpace, 2e-6, "input gradient");
        Assert.All(logSpace, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData("MinGRU", nameof(MinScanMode.LogSpace), false)]
    [InlineData("MinGRU", nameof(MinScanMode.Sequential), true)]
    [InlineData("MinLSTM", nameof(MinScanMode.LogSpace), true)]
    [InlineData("MinLSTM", nameof(MinScanMode.Sequential), false)]
    public void GradientsMatchCentralDifferences(string kind, string mode, bool sequences)
    {
        MinRecurrentLayer layer = kind == "MinGRU" ? new MinGru(4, sequences, goBackwards: sequences) : new MinLstm(4, sequences);
        layer.Build(SampleShape.Sequence(6, 3));
        layer.Initialize(new Rng(5));
        layer.ScanMode = Enum.Parse<MinScanMode>(mode);
        Activations x = GradientCheck.RandomInput(3, 6, 3, true, 6);
        x.Mask = SequenceMask.FromLengths([6, 4, 2], 6, padBefore: false);
        // g has a kink at 0 (slopes 1 and 1/4): a central difference across it measures neither. The candidate biases
        // (±0.6 by unit, so both branches are checked) with the candidate kernel scaled down keep every pre-activation well off it.
        int u = layer.Units, first = (layer.GateCount - 1) * u, width = layer.GateCount * u;
        float[] kernel = layer.Parameters[0].Value, bias = layer.Parameters[1].Value;
        for (int j = 0; j < u; j++)
        {
            bias[first + j] = j % 2 == 0 ? 0.6f : -0.6f;
            for (int f = 0; f < x.Features; f++)
            {
                kernel[(f * width) + first + j] *= 0.2f;
            }
        }

        for (int r = 0; r < x.Rows; r++)
        {
            for (int j = first; j < width; j++)
            {
                double k = bias[j];
                for (int f = 0; f < x.Features; f++)
                {
                    k += x.Span[(r * x.Features) + f] * kernel[(f * width) + j];
                }

                Assert.True(Math.Abs(k) > 0.1, $"pre-activation {k} of row {r}, column {j} is near g's kink");
            }
        }

        GradientCheck.Check(layer, x, h: 5e-3f);
    }

    [Theory]
    [InlineData("MinGRU")]
    [InlineData("MinLSTM")]
    public void BatchChunksOnTwoThreadsGiveTheSameBits(string kind)
    {
        Activations x = GradientCheck.RandomInput(9, 11, 3, true, 8);
        x.Mask = SequenceMask.FromLengths([11, 3, 7, 0, 11, 1, 5, 9, 2], 11, padBefore: true);
        float[]? reference = null, referenceDx = null;
        foreach (bool split in new[] { false, true })
        {
            MinRecurrentLayer layer = kind == "MinGRU" ? new MinGru(5, true) : new MinLstm(5, true);
            layer.Build(SampleShape.Sequence(11, 3));
            layer.Initialize(new Rng(9));
            layer.BatchSplitMinChunkMacs = split ? 0 : long.MaxValue;
            layer.BatchSplitMinRows = 2;
            using (ComputeThreads.Use(split ? 2 : 1))
            {
                Activations y = layer.Forward(x, training: true);
                var g = new Activations();
                g.ResizeLike(y);
                g.Span.Fill(0.5f);
                float[] output = y.Span.ToArray(), dx = layer.Backward(g, true)!.Span.ToArray();
                reference ??= output;
                referenceDx ??= dx;
                Assert.Equal(reference, output);
                Assert.Equal(referenceDx, dx);
            }
        }
    }

    [Fact]
    public void MaskedStepsKeepTheStateAndGetNoGradient()
    {
        var layer = new MinGru(3, returnSequences: true);
        layer.Build(SampleShape.Sequence(5, 2));
        layer.Initialize(new Rng(2));
        Activations x = GradientCheck.RandomInput(1, 5, 2, true, 3);
        x.Mask = new SequenceMask(1, 5, [false, true, false, true, false]);
        float[] y = layer.Forward(x, training: true).Span.ToArray();
        Assert.Equal([0f, 0f, 0f], y[..3]);
        Assert.Equal(y[3..6], y[6..9]);
        Assert.Equal(y[9..12], y[12..15]);
        var g = new Activations();
        g.ResizeLike(layer.Forward(x, training: true));
        g.Span.Fill(1f);
        float[] dx = layer.Backward(g, true)!.Span.ToArray();
        Assert.Equal([0f, 0f], dx[..2]);
        Assert.Equal([0f, 0f], dx[4..6]);
        Assert.Equal([0f, 0f], dx[8..10]);
        Assert.NotEqual(0f, dx[2]);
    }

    [Fact]
    public void ShapesNamesAndSettings()
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), "m", 1);
        model.Add(new MinGru(4, returnSequences: true));
        model.Add(new MinLstm(5));
        Assert.Equal(["min_gru", "min_lstm"], model.Layers.Select(l => l.Name));
        Assert.Equal(["kernel", "bias"], model.Layers[0].ParameterNames);
        Assert.Equal([3, 8], model.Layers[0].Parameters[0].Shape);
        Assert.Equal([4, 15], model.Layers[1].Parameters[0].Shape);
        Assert.Equal([15], model.Layers[1].Parameters[1].Shape);
        Assert.Equal(SampleShape.Vector(5), model.OutputShape);
        Assert.Equal((3 * 8) + 8 + (4 * 15) + 15, model.Layers.Sum(l => l.ParameterCount));
        var noBias = new MinGru(2, useBias: false);
        noBias.Build(SampleShape.Sequence(4, 2));
        Assert.Single(noBias.Parameters);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinLstm(0));
        var vectors = new Sequential(SampleShape.Vector(3), "v", 1);
        Assert.Equal("LayerNeedsSequence", Assert.Throws<ModelException>(() => vectors.Add(new MinGru(2))).ErrorId);
    }

    [Theory]
    [InlineData("MinGRU", nameof(MinScanMode.LogSpace))]
    [InlineData("MinGRU", nameof(MinScanMode.Sequential))]
    [InlineData("MinLSTM", nameof(MinScanMode.LogSpace))]
    [InlineData("MinLSTM", nameof(MinScanMode.Sequential))]
    public void ACarriedStateContinuesTheSequence(string kind, string mode)
    {
        // Steps 0..9 at once against 0..3 then 4..9 with the state carried: the same outputs, in either form.
        MinRecurrentLayer layer = kind == "MinGRU" ? new MinGru(4, returnSequences: true) : new MinLstm(4, returnSequences: true);
        layer.Build(SampleShape.Sequence(null, 3));
        layer.Initialize(new Rng(3));
        layer.ScanMode = Enum.Parse<MinScanMode>(mode);
        Activations whole = GradientCheck.RandomInput(2, 10, 3, true, 4);
        float[] expected = layer.Forward(whole, training: true).Span.ToArray();
        var state = new RecurrentState(2, 4, 1);
        layer.State = state;
        foreach ((int from, int steps) in new[] { (0, 4), (4, 6) })
        {
            var chunk = new Activations(2, steps, 3, true);
            for (int b = 0; b < 2; b++)
            {
                whole.Span.Slice(((b * 10) + from) * 3, steps * 3).CopyTo(chunk.Span.Slice(b * steps * 3, steps * 3));
            }

            float[] y = layer.Forward(chunk, training: true).Span.ToArray();
            for (int b = 0; b < 2; b++)
            {
                AssertNear(expected.AsSpan(((b * 10) + from) * 4, steps * 4).ToArray(), y.AsSpan(b * steps * 4, steps * 4).ToArray(), 1e-6, $"chunk at {from}");
            }
        }

        layer.State = null;
    }

    [Fact]
    public void AStreamStepByStepGivesTheWholeSequencesOutputs()
    {
        var model = new Sequential(SampleShape.Sequence(null, 2), "m", 1);
        model.Add(new MinLstm(5, returnSequences: true));
        model.Add(new MinGru(3, returnSequences: true));
        Activations x = GradientCheck.RandomInput(2, 7, 2, true, 5);
        float[] whole = model.Forward(x, training: false).Span.ToArray();
        var stream = new RnnStream(model, 2);
        Assert.Equal(["min_lstm.h", "min_gru.h"], stream.GetStates().Keys);
        for (int t = 0; t < 7; t++)
        {
            float[] step = [x.Span[(t * 2) + 0], x.Span[(t * 2) + 1], x.Span[14 + (t * 2)], x.Span[14 + (t * 2) + 1]];
            float[] y = stream.Predict(step, 1).Span.ToArray();
            for (int b = 0; b < 2; b++)
            {
                for (int j = 0; j < 3; j++)
                {
                    Assert.Equal(whole[(((b * 7) + t) * 3) + j], y[(b * 3) + j], 6);
                }
            }
        }

        var backwards = new Sequential(SampleShape.Sequence(null, 2), "b", 1);
        backwards.Add(new MinGru(3, goBackwards: true));
        Assert.Equal("StreamGoBackwards", Assert.Throws<ModelException>(() => new RnnStream(backwards)).ErrorId);
        var layer = (MinGru)backwards.Layers[0];
        layer.State = new RecurrentState(3, 3, 1);
        Assert.Equal("StreamStateMismatch", Assert.Throws<ModelException>(() => layer.Forward(x, false)).ErrorId);
    }

    private static void AssertNear(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            Assert.True(excess <= tolerance, $"{what}[{i}]: {expected[i]:G9} against {actual[i]:G9}");
        }
    }
}
