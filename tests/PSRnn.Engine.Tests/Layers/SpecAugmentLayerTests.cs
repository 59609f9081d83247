using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Tests.Serialization;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Layers;

public sealed class SpecAugmentLayerTests
{
    private static readonly FixtureCases Draws = new("augment17", "specaugment.json", "cases");

    public static TheoryData<string> DrawCases => Draws.Names;

    // One mask per sample over many batches (fixed seed: the counts are always the same), against torchaudio's exact
    // (width, start) table from the fixture script. The bound is the chi-square quantile at p = 1e-9 for the table's
    // degrees of freedom; the same counts against a plausible wrong draw (start uniform over the integers 0 … L − width)
    // must exceed it, so the test has the power to tell them apart.
    [Theory]
    [MemberData(nameof(DrawCases))]
    public void MaskWidthsAndStartsFollowTorchaudiosDistribution(string name)
    {
        JsonElement c = Draws[name];
        int length = c.GetProperty("length").GetInt32(), width = c.GetProperty("width").GetInt32(), draws = c.GetProperty("draws").GetInt32();
        double bound = c.GetProperty("chi_square_bound").GetDouble();
        Dictionary<(int Width, int Start), double> expected = c.GetProperty("cells").EnumerateArray()
            .ToDictionary(e => (e.GetProperty("width").GetInt32(), e.GetProperty("start").GetInt32()), e => e.GetProperty("p").GetDouble());

        bool frequency = name.StartsWith("frequency", StringComparison.Ordinal);
        // Time cases run under a sequence mask (10 padding steps before the 20 real ones), except the proportion case.
        bool padded = name == "time_20_w8";
        int time = frequency ? 2 : padded ? length + 10 : length, features = frequency ? length : 1;
        SpecAugmentLayer layer = frequency ? new SpecAugmentLayer(1, width, 0, 0)
            : name.Contains("p0.3", StringComparison.Ordinal) ? new SpecAugmentLayer(0, 0, 1, 15, 0.3) : new SpecAugmentLayer(0, 0, 1, width);
        Built(layer, SampleShape.Sequence(time, features), 17);
        const int batch = 1000;
        var x = new Activations(batch, time, features, true);
        x.Span.Fill(1f);
        if (padded)
        {
            x.Mask = SequenceMask.FromLengths(Enumerable.Repeat(length, batch).ToArray(), time, padBefore: true);
        }

        var counts = new Dictionary<(int, int), int>();
        for (int round = 0; round < draws / batch; round++)
        {
            float[] y = layer.Forward(x, training: true).Span.ToArray();
            for (int b = 0; b < batch; b++)
            {
                // The masked indices along the axis: feature columns of step 0, or the sample's steps.
                float[] axis = frequency ? y.AsSpan(b * time * features, features).ToArray()
                    : Enumerable.Range(0, time).Select(t => y[(b * time) + t]).ToArray();
                if (padded)
                {
                    Assert.All(axis[..10], v => Assert.Equal(1f, v));
                    axis = axis[10..];
                }

                int[] zeros = Enumerable.Range(0, axis.Length).Where(i => axis[i] == 0f).ToArray();
                (int, int) key = zeros.Length == 0 ? (0, -1) : (zeros.Length, zeros[0]);
                Assert.True(zeros.Length == 0 || zeros[^1] - zeros[0] == zeros.Length - 1, "a mask is one run");
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        Assert.True(counts.Keys.All(expected.ContainsKey), $"a (width, start) torchaudio never draws: {string.Join(", ", counts.Keys.Where(k => !expected.ContainsKey(k)))}");
        double chiSquare = ChiSquare(counts, expected, draws);
        Assert.True(chiSquare < bound, $"chi-square {chiSquare:F1} ≥ {bound:F1}");

        var wrong = expected.ToDictionary(e => e.Key, e => e.Key.Width == 0 ? 1.0 / width : 1.0 / width / (length - e.Key.Width + 1));
        Assert.True(ChiSquare(counts, wrong, draws) > bound, "the test cannot tell an integer-uniform start from torchaudio's");
    }

    private static double ChiSquare(Dictionary<(int, int), int> counts, Dictionary<(int Width, int Start), double> p, int n) =>
        p.Sum(e => Math.Pow(counts.GetValueOrDefault(e.Key) - (n * e.Value), 2) / (n * e.Value));

    [Fact]
    public void IsTheIdentityInInferenceAndTheSameSeedGivesTheSameMasks()
    {
        SpecAugmentLayer a = Built(new SpecAugmentLayer(2, 3, 2, 4, maskValue: SpecAugmentMaskValue.Mean), SampleShape.Sequence(12, 6), 3);
        SpecAugmentLayer b = Built(new SpecAugmentLayer(2, 3, 2, 4, maskValue: SpecAugmentMaskValue.Mean), SampleShape.Sequence(12, 6), 3);
        Activations x = GradientCheck.RandomInput(5, 12, 6, true, 2);
        Assert.Equal(x.Span.ToArray(), a.Forward(x, training: false).Span.ToArray());
        Activations dy = GradientCheck.RandomInput(5, 12, 6, true, 9);
        Assert.Equal(dy.Span.ToArray(), a.Backward(dy, true)!.Span.ToArray());

        float[] first = a.Forward(x, training: true).Span.ToArray();
        Assert.NotEqual(x.Span.ToArray(), first);
        Assert.Equal(first, b.Forward(x, training: true).Span.ToArray());
        Assert.NotEqual(first, a.Forward(x, training: true).Span.ToArray());
    }

    [Theory]
    [InlineData(SpecAugmentMaskValue.Zero)]
    [InlineData(SpecAugmentMaskValue.Mean)]
    public void MasksWithTheValueAndBackwardMasksTheGradient(SpecAugmentMaskValue value)
    {
        SpecAugmentLayer layer = Built(new SpecAugmentLayer(1, 4, 2, 5, maskValue: value), SampleShape.Sequence(10, 7), 4);
        Activations x = GradientCheck.RandomInput(4, 10, 7, true, 5);
        // Padding before: 3, 0, 6 and 1 steps.
        x.Mask = SequenceMask.FromLengths([7, 10, 4, 9], 10, padBefore: true);
        Rng stream = layer.RandomStreams[0];
        RngState saved = stream.GetState();
        float[] y = layer.Forward(x, training: true).Span.ToArray();
        for (int b = 0; b < 4; b++)
        {
            double mean = 0;
            int real = x.Mask.RealSteps(b);
            for (int t = 10 - real; t < 10; t++)
            {
                for (int f = 0; f < 7; f++)
                {
                    mean += x.Span[(((b * 10) + t) * 7) + f];
                }
            }

            float fill = value == SpecAugmentMaskValue.Mean ? (float)(mean / (real * 7)) : 0f;
            for (int i = b * 70; i < (b + 1) * 70; i++)
            {
                bool padding = (i - (b * 70)) / 7 < 10 - real;
                Assert.True(y[i] == x.Span[i] || (!padding && y[i] == fill), $"y[{i}] = {y[i]}, x = {x.Span[i]}, fill {fill}");
            }
        }

        // The objective Σ G ⊙ y with the same masks (the stream rewound) is linear in x: central differences are exact
        // up to rounding, the mean's share included.
        Activations dy = GradientCheck.RandomInput(4, 10, 7, true, 6);
        float[] dx = layer.Backward(dy, true)!.Span.ToArray();
        double Objective()
        {
            stream.SetState(saved);
            float[] o = layer.Forward(x, training: true).Span.ToArray();
            return o.Select((v, i) => (double)v * dy.Span[i]).Sum();
        }

        for (int i = 0; i < x.Length; i += 3)
        {
            float keep = x.Span[i];
            x.Span[i] = keep + 0.01f;
            double plus = Objective();
            x.Span[i] = keep - 0.01f;
            double minus = Objective();
            x.Span[i] = keep;
            Assert.Equal((plus - minus) / 0.02, dx[i], 3e-3);
        }
    }

    [Fact]
    public void RejectsWidthsLargerThanTheInputAndBadSettings()
    {
        var model = new Sequential(SampleShape.Sequence(20, 13), "m", 1);
        ModelException f = Assert.Throws<ModelException>(() => model.Add(new SpecAugmentLayer(1, 14, 0, 0)));
        Assert.Equal("SpecAugmentWidthTooLarge", f.ErrorId);
        Assert.Contains("at most 13", f.Message, StringComparison.Ordinal);
        ModelException t = Assert.Throws<ModelException>(() => model.Add(new SpecAugmentLayer(0, 0, 1, 21)));
        Assert.Equal("SpecAugmentWidthTooLarge", t.ErrorId);
        Assert.Equal("LayerNeedsSequence", Assert.Throws<ModelException>(() => new Sequential(SampleShape.Vector(5), "v", 1).Add(new SpecAugmentLayer(1, 2, 0, 0))).ErrorId);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpecAugmentLayer(-1, 2, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpecAugmentLayer(0, 0, 1, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpecAugmentLayer(0, 0, 1, 2, double.NaN));
        // Variable-length input: the time width is bounded by each sample's steps when it runs.
        new Sequential(SampleShape.Sequence(null, 13), "n", 1).Add(new SpecAugmentLayer(0, 0, 1, 500));
    }

    [Fact]
    public void TheModelFileKeepsTheLayerAndItsStreamAndOnnxLeavesItOut()
    {
        Sequential model = Model();
        Dataset data = ModelFileTests.Data(model, 30);
        Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(0.01f), new FitOptions { Epochs = 1, BatchSize = 10 });
        Sequential loaded = ModelFileTests.RoundTrip(model, true).Model;
        var layer = Assert.IsType<SpecAugmentLayer>(loaded.Layers[0]);
        Assert.Equal(("spec_augment", 1, 2, 1, 3, 0.5, SpecAugmentMaskValue.Mean),
            (layer.Name, layer.FrequencyMasks, layer.FrequencyMaskWidth, layer.TimeMasks, layer.TimeMaskWidth, layer.TimeMaskProportion, layer.MaskValue));
        Assert.Equal(model.Layers[0].RandomStreams[0].GetState(), layer.RandomStreams[0].GetState());
        Assert.Equal(model.SnapshotWeights(), loaded.SnapshotWeights());

        using var onnx = new MemoryStream();
        OnnxExporter.Export(model, onnx, new OnnxExportOptions());
        Assert.DoesNotContain("spec_augment", System.Text.Encoding.UTF8.GetString(onnx.ToArray()), StringComparison.Ordinal);
    }

    // The masks' stream is saved in the checkpoint and restored: the resumed run draws the same masks.
    [Fact]
    public void ResumingFromACheckpointEndsBitIdenticalToAnUninterruptedRun() => CheckpointResumeTests.ResumesBitIdentical(Model, earlyStopping: false);

    private static Sequential Model()
    {
        var model = new Sequential(SampleShape.Sequence(6, 2), "augment", 21);
        model.Add(new SpecAugmentLayer(1, 2, 1, 3, 0.5, SpecAugmentMaskValue.Mean));
        model.Add(new Lstm(5));
        model.Add(new Dense(2, ActivationKind.Softmax));
        return model;
    }

    private static SpecAugmentLayer Built(SpecAugmentLayer layer, SampleShape input, ulong seed)
    {
        layer.Build(input);
        layer.Initialize(new Rng(seed));
        return layer;
    }
}
