using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// Keras's masking semantics in every recurrent cell (keras/src/backend/*/rnn.py with a mask, layers/core/masking.py):
/// a masked step leaves the states unchanged, the returned sequence repeats the last real output there (zeros before the
/// first), go_backwards and Bidirectional start at each sample's own last real step, and padding before or after the data
/// gives the result of the unpadded sequence. The reference is the same layer run on each sample's real steps alone;
/// the gradients are checked against central differences of the masked function itself.
/// </summary>
public sealed class MaskingTests
{
    public static TheoryData<string, bool, bool> Cells()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string cell in new[] { "simple", "lstm", "gru", "gru_before" })
        {
            foreach (bool sequences in new[] { false, true })
            {
                foreach (bool backwards in new[] { false, true })
                {
                    data.Add(cell, sequences, backwards);
                }
            }
        }

        return data;
    }

    internal static RecurrentLayer Create(string cell, int units, bool sequences, bool backwards, string name = "rnn") => cell switch
    {
        "simple" => new SimpleRnn(units, sequences, backwards, name: name),
        "lstm" => new Lstm(units, sequences, backwards, name: name),
        "gru" => new Gru(units, sequences, backwards, resetAfter: true, name: name),
        _ => new Gru(units, sequences, backwards, resetAfter: false, name: name),
    };

    private static RecurrentLayer Built(string cell, int units, bool sequences, bool backwards, int features, int? time, int seed)
    {
        RecurrentLayer layer = Create(cell, units, sequences, backwards);
        layer.Build(SampleShape.Sequence(time, features));
        layer.Initialize(new Rng((ulong)seed));
        var rng = new Rng((ulong)seed + 50);
        foreach (Parameter p in layer.Parameters.Where(p => p.Name == "bias"))
        {
            for (int i = 0; i < p.Length; i++)
            {
                p.Value[i] = (float)rng.Uniform(-0.5, 0.5);
            }
        }

        return layer;
    }

    private static void CopyWeights(Layer from, Layer to)
    {
        for (int i = 0; i < from.Parameters.Count; i++)
        {
            from.Parameters[i].Value.CopyTo(to.Parameters[i].Value, 0);
        }
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void PaddingBeforeOrAfterGivesTheUnpaddedResult(string cell, bool sequences, bool backwards)
    {
        const int batch = 5, time = 7, features = 3, units = 4;
        int[] lengths = [7, 3, 5, 1, 6];
        foreach (bool padBefore in new[] { false, true })
        {
            RecurrentLayer masked = Built(cell, units, sequences, backwards, features, time, 3);
            Activations x = GradientCheck.RandomInput(batch, time, features, true, 11);
            x.Mask = SequenceMask.FromLengths(lengths, time, padBefore);
            float[] y = masked.Forward(x, training: false).Span.ToArray();

            for (int b = 0; b < batch; b++)
            {
                int n = lengths[b], first = padBefore ? time - n : 0;
                RecurrentLayer single = Built(cell, units, sequences, backwards, features, null, 3);
                CopyWeights(masked, single);
                var xb = new Activations(1, n, features, true);
                x.Span.Slice(((b * time) + first) * features, n * features).CopyTo(xb.Span);
                float[] yb = single.Forward(xb, training: false).Span.ToArray();
                if (!sequences)
                {
                    AssertClose(yb, y.AsSpan(b * units, units), $"{cell} pad {(padBefore ? "pre" : "post")} sample {b} last state");
                    continue;
                }

                // Processing step s of the masked run reads input step t(s); its real steps are the unpadded run's steps, in order.
                int k = 0;
                for (int s = 0; s < time; s++)
                {
                    int t = backwards ? time - 1 - s : s;
                    ReadOnlySpan<float> row = y.AsSpan(((b * time) + s) * units, units);
                    bool real = t >= first && t < first + n;
                    if (real)
                    {
                        AssertClose(yb.AsSpan(k * units, units), row, $"{cell} sample {b} step {s}");
                        k++;
                    }
                    else
                    {
                        // Keras: the last real output repeats; zeros before the first real step.
                        ReadOnlySpan<float> expected = k == 0 ? new float[units] : yb.AsSpan((k - 1) * units, units);
                        AssertClose(expected, row, $"{cell} sample {b} masked step {s}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void GradientsUnderAMaskMatchCentralDifferences(string cell, bool sequences, bool backwards)
    {
        const int batch = 4, time = 6, features = 3, units = 5;
        RecurrentLayer layer = Built(cell, units, sequences, backwards, features, time, 5);
        Activations x = GradientCheck.RandomInput(batch, time, features, true, 21);
        // Post padding, pre padding, a gap in the middle (Keras masks any step) and a sample of padding alone.
        bool[] real =
        [
            true, true, true, true, false, false,
            false, false, true, true, true, true,
            true, false, true, false, false, true,
            false, false, false, false, false, false,
        ];
        x.Mask = new SequenceMask(batch, time, real);
        GradientCheck.Check(layer, x, seed: 3, h: 2e-3f, tolerance: 4e-3);
    }

    [Fact]
    public void ASampleOfPaddingAloneGivesKerasOutputAndNoGradient()
    {
        foreach (string cell in new[] { "simple", "lstm", "gru", "gru_before" })
        {
            RecurrentLayer layer = Built(cell, 3, true, false, 2, 4, 9);
            Activations x = GradientCheck.RandomInput(2, 4, 2, true, 4);
            x.Mask = SequenceMask.FromLengths([4, 0], 4, padBefore: false);
            Activations y = layer.Forward(x, training: true);
            Assert.All(y.Span.Slice(4 * 3, 4 * 3).ToArray(), v => Assert.Equal(0f, v));
            var dy = new Activations();
            dy.ResizeLike(y);
            dy.Span.Fill(1f);
            Activations dx = layer.Backward(dy, true)!;
            Assert.All(dx.Span.Slice(4 * 2, 4 * 2).ToArray(), v => Assert.Equal(0f, v));
            Assert.All(layer.Parameters.SelectMany(p => p.Gradient), v => Assert.True(float.IsFinite(v)));
        }
    }

    [Theory]
    [InlineData("lstm", false)]
    [InlineData("gru", true)]
    [InlineData("simple", true)]
    public void BidirectionalStartsEachSampleAtItsLastRealStep(string cell, bool sequences)
    {
        const int batch = 3, time = 6, features = 2, units = 3;
        int[] lengths = [6, 2, 4];
        var bi = new Bidirectional(Create(cell, units, sequences, false), name: "bi");
        bi.Build(SampleShape.Sequence(time, features));
        bi.Initialize(new Rng(7));
        Activations x = GradientCheck.RandomInput(batch, time, features, true, 8);
        x.Mask = SequenceMask.FromLengths(lengths, time, padBefore: false);
        float[] y = bi.Forward(x, training: false).Span.ToArray();
        for (int b = 0; b < batch; b++)
        {
            int n = lengths[b];
            var single = new Bidirectional(Create(cell, units, sequences, false), name: "bi");
            single.Build(SampleShape.Sequence(null, features));
            CopyWeights(bi, single);
            var xb = new Activations(1, n, features, true);
            x.Span.Slice(b * time * features, n * features).CopyTo(xb.Span);
            float[] yb = single.Forward(xb, training: false).Span.ToArray();
            if (sequences)
            {
                AssertClose(yb, y.AsSpan(b * time * 2 * units, n * 2 * units), $"{cell} sample {b}");
            }
            else
            {
                AssertClose(yb, y.AsSpan(b * 2 * units, 2 * units), $"{cell} sample {b}");
            }
        }
    }

    [Fact]
    public void MaskingLayerZeroesPaddingAndHandsTheMaskOn()
    {
        var masking = new Masking(-1f, "m");
        masking.Build(SampleShape.Sequence(3, 2));
        var x = new Activations(1, 3, 2, true);
        float[] values = [1, -1, -1, -1, float.NaN, -1];
        values.CopyTo(x.Span);
        Activations y = masking.Forward(x, training: false);
        Assert.Equal([1f, -1f, 0f, 0f, float.NaN, -1f], y.Span.ToArray());
        Assert.True(masking.Mask[0, 0]);
        Assert.False(masking.Mask[0, 1]);
        Assert.True(masking.Mask[0, 2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Masking(float.NaN));
    }

    [Fact]
    public void MaskValueZeroPassesTheInputThroughBitForBit()
    {
        // Keras computes x·m: with mask value 0 a padding step is ±0, and ±0·0 keeps its sign, so y is x's bits.
        var masking = new Masking(0f, "m");
        masking.Build(SampleShape.Sequence(4, 2));
        var x = new Activations(1, 4, 2, true);
        float[] values = [1, 0, -0f, 0, float.NaN, 0, 0, -2];
        values.CopyTo(x.Span);
        Activations y = masking.Forward(x, training: false);
        Assert.Equal(
            values.Select(BitConverter.SingleToInt32Bits).ToArray(),
            y.Span.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray());
        Assert.Equal([true, false, true, true], Enumerable.Range(0, 4).Select(t => masking.Mask[0, t]).ToArray());
        var dy = new Activations(1, 4, 2, true);
        dy.Span.Fill(1f);
        Activations dx = masking.Backward(dy, computeInputGradient: true)!;
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 1f, 1f, 1f], dx.Span.ToArray());
    }

    [Fact]
    public void AMaskValueThatMatchesNothingMasksNothing()
    {
        var model = new Sequential(SampleShape.Sequence(4, 2), "m", 1);
        model.Add(new Masking(99f));
        model.Add(new Lstm(3, name: "lstm"));
        var plain = new Sequential(SampleShape.Sequence(4, 2), "p", 1);
        plain.Add(new Lstm(3, name: "lstm"));
        CopyWeights(model.Layers[1], plain.Layers[0]);
        Activations x = GradientCheck.RandomInput(2, 4, 2, true, 3);
        Assert.Equal(plain.Forward(x, false).Span.ToArray(), model.Forward(x, false).Span.ToArray());
    }

    [Fact]
    public void MaskingMustComeFirstAndNotAfterAnEmbedding()
    {
        var model = new Sequential(SampleShape.Sequence(4, 2), "m", 1);
        model.Add(new Dense(3));
        Assert.Equal("MaskingNotFirst", Assert.Throws<ModelException>(() => model.Add(new Masking())).ErrorId);
        var tokens = new Sequential(SampleShape.Sequence(4, 1), "t", 1);
        tokens.Add(new Embedding(10, 3) { MaskZero = true });
        Assert.Equal("MaskingAfterEmbedding", Assert.Throws<ModelException>(() => tokens.Add(new Masking())).ErrorId);
        Assert.Single(model.Layers);
    }

    [Fact]
    public void EmbeddingMaskZeroMasksTokenZero()
    {
        var model = new Sequential(SampleShape.Sequence(5, 1), "m", 1);
        model.Add(new Embedding(6, 3) { MaskZero = true });
        model.Add(new Gru(4, name: "gru"));
        var plain = new Sequential(SampleShape.Sequence(null, 1), "p", 1);
        plain.Add(new Embedding(6, 3));
        plain.Add(new Gru(4, name: "gru"));
        CopyWeights(model.Layers[0], plain.Layers[0]);
        CopyWeights(model.Layers[1], plain.Layers[1]);
        var x = new Activations(1, 5, 1, true);
        float[] ids = [0, 0, 3, 5, 1];
        ids.CopyTo(x.Span);
        var real = new Activations(1, 3, 1, true);
        new float[] { 3, 5, 1 }.CopyTo(real.Span);
        AssertClose(plain.Forward(real, false).Span, model.Forward(x, false).Span, "mask_zero");
    }

    [Fact]
    public void MaskedStepsAddNothingToTheLossOrMetrics()
    {
        // Per-step classification: Masking → LSTM(return_sequences) → Dense(softmax). Changing what the targets say at
        // padding steps must change nothing; the loss is the mean over the real steps (Keras's total/valid weighting).
        var model = new Sequential(SampleShape.Sequence(5, 2), "m", 1);
        model.Add(new Masking());
        model.Add(new Lstm(4, returnSequences: true, name: "lstm"));
        model.Add(new Dense(3, ActivationKind.Softmax, name: "out"));
        var x = new float[2 * 5 * 2];
        var rng = new Rng(2);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.Uniform(-1, 1);
        }

        // Sample 0: 3 real steps then padding; sample 1: 5 real steps.
        Array.Clear(x, 3 * 2, 2 * 2);
        var y = new float[2 * 5 * 3];
        for (int r = 0; r < 10; r++)
        {
            y[(r * 3) + (r % 3)] = 1;
        }

        var y2 = (float[])y.Clone();
        Array.Clear(y2, 3 * 3, 2 * 3);
        y2[(3 * 3) + 2] = 1;
        y2[(4 * 3) + 0] = 1;
        Loss loss = Losses.FromName("categorical_crossentropy");
        EvaluationResult a = Trainer.Evaluate(model, Dataset.Create(new Tensor(x, 2, 5, 2), new Tensor(y, 2, 5, 3), model), loss, batchSize: 2, metrics: ["accuracy"]);
        EvaluationResult b = Trainer.Evaluate(model, Dataset.Create(new Tensor(x, 2, 5, 2), new Tensor(y2, 2, 5, 3), model), loss, batchSize: 2, metrics: ["accuracy"]);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.Metrics["accuracy"], b.Metrics["accuracy"]);

        // The mean over the 8 real steps of −log p(target).
        var input = new Activations(2, 5, 2, true);
        x.CopyTo(input.Span);
        float[] p = model.Forward(input, false).Span.ToArray();
        double expected = 0;
        int[] realRows = [0, 1, 2, 5, 6, 7, 8, 9];
        foreach (int r in realRows)
        {
            expected -= Math.Log(p[(r * 3) + (r % 3)]);
        }

        Assert.Equal(expected / realRows.Length, a.Loss, 5);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9}");
        }
    }
}
