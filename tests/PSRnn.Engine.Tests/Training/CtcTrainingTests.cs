using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>CTC through a recurrent model: central differences behind a mask, training, evaluation and model files.</summary>
public sealed class CtcTrainingTests
{
    // Symbol k (1 or 2) is two frames with feature k − 1 set, labels are one gap frame (feature 2) apart; zeros pad the rest.
    internal static (Tensor X, LabelSequences Y) Toy(int count, int time, int seed)
    {
        var rng = new Rng((ulong)seed);
        var x = new float[count * time * 3];
        var labels = new int[count][];
        for (int i = 0; i < count; i++)
        {
            int n = rng.NextInt(4);
            labels[i] = [.. Enumerable.Range(0, n).Select(_ => 1 + rng.NextInt(2))];
            int t = 0;
            foreach (int label in labels[i])
            {
                for (int r = 0; r < 2; r++)
                {
                    x[(((i * time) + t++) * 3) + label - 1] = 1;
                }

                x[(((i * time) + t++) * 3) + 2] = 1;
            }
        }

        return (new Tensor(x, count, time, 3), new LabelSequences(labels));
    }

    internal static Sequential Model(int seed)
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), seed: (ulong)seed);
        model.Add(new Masking());
        model.Add(new Gru(6, returnSequences: true));
        model.Add(new Dense(3, ActivationKind.Softmax));
        return model;
    }

    [Fact]
    public void GradientThroughMaskedGruMatchesCentralDifferences()
    {
        Sequential model = Model(5);
        (Tensor x, LabelSequences y) = Toy(4, 9, 3);
        Dataset data = Dataset.CreateWithLabelSequences(x, y, model);
        var loss = new CtcLoss(CtcReduction.Mean);
        var batch = new Activations();
        var targets = new float[data.Count * data.TargetsPerSample];
        data.Gather([0, 1, 2, 3], batch, targets);
        var dense = (Dense)model.Layers[^1];
        dense.FuseActivationIntoLoss = true;
        model.ZeroGradients();
        Activations output = model.Forward(batch, training: false);
        Assert.False(output.Mask!.AllReal);
        var gradient = new Activations();
        gradient.ResizeLike(output);
        Trainer.ComputeLoss(loss, output, targets, gradient.Span, fromLogits: true, new MaskedRows());
        model.Backward(gradient);

        double Objective() => Trainer.ComputeLoss(loss, model.Forward(batch, training: false), targets, Span<float>.Empty, true, new MaskedRows());

        int checkedCount = Tests.Models.ParameterGradients.AssertMatchCentralDifferences(model, Objective, 30);
        Assert.True(checkedCount > 50);
    }

    [Fact]
    public void FitLowersTheLossAndTheErrorRateAndTheModelFileKeepsTheLoss()
    {
        Sequential model = Model(7);
        (Tensor x, LabelSequences y) = Toy(48, 12, 11);
        Dataset train = Dataset.CreateWithLabelSequences(x, y, model);
        Loss loss = Trainer.ResolveLoss(model, "ctc", train, new Dictionary<string, object?> { ["reduction"] = "mean" });
        EvaluationResult before = Trainer.Evaluate(model, train, loss);
        Assert.True(before.Metrics[CtcErrorRate.Name] > 0.3);
        Trainer.Fit(model, train, null, loss, new Adam(0.05f), new FitOptions { Epochs = 25, BatchSize = 16 });
        EvaluationResult after = Trainer.Evaluate(model, train, loss);
        Assert.True(after.Loss < before.Loss / 4, $"loss {before.Loss} → {after.Loss}");
        Assert.True(after.Metrics[CtcErrorRate.Name] < 0.1, $"error rate {after.Metrics[CtcErrorRate.Name]}");
        CtcHypothesis[] greedy = CtcDecoder.Decode(model, train, CtcDecoding.Greedy);
        CtcHypothesis[] beam = CtcDecoder.Decode(model, train, CtcDecoding.Beam, beamWidth: 8);
        Assert.Equal(y[0].ToArray(), greedy[0].Labels);
        Assert.All(beam.Zip(greedy), p => Assert.True(p.First.LogProbability >= p.Second.LogProbability - 1e-9));

        string path = Path.Combine(Path.GetTempPath(), $"ctc-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, model, includeOptimizerState: true, overwrite: false);
            Sequential loaded = ModelFile.Load(path);
            var ctc = Assert.IsType<CtcLoss>(loaded.Loss);
            Assert.Equal(CtcReduction.Mean, ctc.Reduction);
            Assert.Equal(after.Loss, Trainer.Evaluate(loaded, train, ctc).Loss, 12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadTargetsHaveTheirOwnErrors()
    {
        Sequential model = Model(1);
        (Tensor x, _) = Toy(3, 6, 1);
        Assert.Equal("CtcLabelIsBlank", Assert.Throws<ModelException>(() =>
            Dataset.CreateWithLabelSequences(x, new LabelSequences([[1], [0, 2], []]), model)).ErrorId);
        Assert.Equal("LabelOutOfRange", Assert.Throws<ModelException>(() =>
            Dataset.CreateWithLabelSequences(x, new LabelSequences([[1], [3], []]), model)).ErrorId);
        Assert.Equal("SampleCountMismatch", Assert.Throws<ModelException>(() =>
            Dataset.CreateWithLabelSequences(x, new LabelSequences([[1], [2]]), model)).ErrorId);

        // Sample 2 is all padding: no step can carry its label.
        Dataset impossible = Dataset.CreateWithLabelSequences(x, new LabelSequences([[1], [2], [1]]), model);
        var e = Assert.Throws<ModelException>(() => Trainer.ResolveLoss(model, "ctc", impossible));
        Assert.Equal("CtcTargetTooLong", e.ErrorId);
        Assert.StartsWith("Y: sample 2 has 1 labels", e.Message, StringComparison.Ordinal);
        Assert.IsType<CtcLoss>(Trainer.ResolveLoss(model, "ctc", impossible, new Dictionary<string, object?> { ["zero_infinity"] = true }));

        var lastStep = new Sequential(SampleShape.Sequence(null, 3), seed: 1);
        lastStep.Add(new Gru(4));
        lastStep.Add(new Dense(3, ActivationKind.Softmax));
        Dataset vectors = Dataset.CreateWithLabelSequences(x, new LabelSequences([[1], [2], [1]]), model);
        Assert.Equal("CtcNeedsPerStepSoftmax", Assert.Throws<ModelException>(() => Trainer.ResolveLoss(lastStep, "ctc", vectors)).ErrorId);
        Assert.Equal("DecodeNeedsPerStepSoftmax", Assert.Throws<ModelException>(() =>
            CtcDecoder.Decode(lastStep, Dataset.Create(x, null, lastStep), CtcDecoding.Greedy)).ErrorId);
    }

    [Fact]
    public void RealStepsAreTheMasksWhereverThePaddingIs()
    {
        // The same sequences padded after and before: the GRU skips the padding, so CTC sees the same steps.
        Sequential model = Model(2);
        (Tensor after, LabelSequences y) = Toy(6, 10, 4);
        float[] values = after.ToSingleArray(out _);
        var before = new float[values.Length];
        for (int i = 0; i < 6; i++)
        {
            int real = 0;
            while (real < 10 && values.AsSpan(((i * 10) + real) * 3, 3).IndexOfAnyExcept(0f) >= 0)
            {
                real++;
            }

            values.AsSpan(i * 30, real * 3).CopyTo(before.AsSpan((i * 30) + ((10 - real) * 3)));
        }

        var loss = new CtcLoss();
        double post = Trainer.Evaluate(model, Dataset.CreateWithLabelSequences(after, y, model), loss).Loss;
        double pre = Trainer.Evaluate(model, Dataset.CreateWithLabelSequences(new Tensor(before, 6, 10, 3), y, model), loss).Loss;
        Assert.True(post > 0);
        Assert.Equal(post, pre, 5);
    }

    [Fact]
    public void EmbeddingMaskZeroGivesTheInputLengths()
    {
        var model = new Sequential(SampleShape.Vector(4), seed: 3);
        model.Add(new Embedding(6, 4) { MaskZero = true });
        model.Add(new Gru(5, returnSequences: true));
        model.Add(new Dense(3, ActivationKind.Softmax));
        var ids = new Tensor(new float[] { 3, 4, 0, 0, 1, 2, 5, 1 }, 2, 4);
        // Sample 0 has two real tokens: two labels fit, three do not.
        Assert.IsType<CtcLoss>(Trainer.ResolveLoss(model, "ctc", Dataset.CreateWithLabelSequences(ids, new LabelSequences([[1, 2], [2, 2, 1]]), model)));
        var e = Assert.Throws<ModelException>(() =>
            Trainer.ResolveLoss(model, "ctc", Dataset.CreateWithLabelSequences(ids, new LabelSequences([[1, 2, 1], [1]]), model)));
        Assert.Equal("CtcTargetTooLong", e.ErrorId);
        Assert.Contains("sample 0", e.Message, StringComparison.Ordinal);
        Dataset fits = Dataset.CreateWithLabelSequences(ids, new LabelSequences([[1, 2], [2, 2, 1]]), model);
        Assert.True(double.IsFinite(Trainer.Evaluate(model, fits, new CtcLoss()).Loss));
    }

    [Fact]
    public void PaddedTensorsGiveLabelSequencesKerasAndPyTorchWays()
    {
        var padded = new Tensor(new long[] { 3, 1, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0 }, 3, 4);
        LabelSequences keras = LabelSequences.FromPadded(padded, null);
        Assert.Equal([3, 1], keras[0].ToArray());
        Assert.Equal([2, 2, 2], keras[1].ToArray());
        Assert.Equal(0, keras[2].Length);
        LabelSequences torch = LabelSequences.FromPadded(padded, [1, 4, 0]);
        Assert.Equal([3], torch[0].ToArray());
        Assert.Equal([2, 2, 2, 0], torch[1].ToArray());
        Assert.Equal("TargetLengthsCountMismatch", Assert.Throws<ModelException>(() => LabelSequences.FromPadded(padded, [1, 2])).ErrorId);
        Assert.Equal("TargetLengthOutOfRange", Assert.Throws<ModelException>(() => LabelSequences.FromPadded(padded, [1, 5, 0])).ErrorId);
        Assert.Equal("LabelNotInteger", Assert.Throws<ModelException>(() =>
            LabelSequences.FromPadded(new Tensor(new[] { 1.5f, 0f }, 1, 2), null)).ErrorId);
    }
}
