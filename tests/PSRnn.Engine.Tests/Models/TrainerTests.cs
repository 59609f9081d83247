using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Models;

public sealed class TrainerTests
{
    private static (Tensor X, Tensor Y) Toy(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var x = new float[count * 6 * 2];
        var y = new long[count];
        for (int n = 0; n < count; n++)
        {
            double sum = 0;
            for (int t = 0; t < 6; t++)
            {
                for (int f = 0; f < 2; f++)
                {
                    float v = (float)rng.Uniform(-1, 1);
                    x[(((n * 6) + t) * 2) + f] = v;
                    sum += f == 0 ? v : 0;
                }
            }

            y[n] = sum > 0 ? 1 : 0;
        }

        return (new Tensor(x, count, 6, 2), new Tensor(y, count));
    }

    private static Sequential Model(ulong seed)
    {
        var model = new Sequential(SampleShape.Sequence(6, 2), seed: seed);
        model.Add(new Lstm(8));
        model.Add(new Dense(2, ActivationKind.Softmax));
        return model;
    }

    [Fact]
    public void LearnsAndIsBitReproducible()
    {
        (Tensor x, Tensor y) = Toy(128, 1);
        float[] Train()
        {
            Sequential model = Model(3);
            Dataset data = Dataset.Create(x, y, model);
            Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(0.02f), new FitOptions { Epochs = 20 });
            Assert.True(model.History[^1].Metrics["accuracy"] > 0.9, $"accuracy {model.History[^1].Metrics["accuracy"]}");
            return model.SnapshotWeights();
        }

        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void AFloat32XIsReadInPlaceAndOtherDTypesAreConverted()
    {
        // Keras's NumPy adapter slices the caller's array batch by batch; PSRnn's dataset reads a float32 X in place too
        // (no copy a call, for scripts that train -Epochs 1 in a loop) and converts any other dtype once.
        var model = new Sequential(SampleShape.Sequence(2, 1), "m", 1);
        model.Add(new SimpleRnn(2));
        var single = new Tensor(new float[] { 1, 2, 3, 4 }, 2, 2, 1);
        var dataset = Dataset.Create(single, null, model);
        var batch = new Activations();
        ((float[])single.Data)[2] = 30;
        dataset.Gather([1], batch, null);
        Assert.Equal([30f, 4f], batch.Span.ToArray());

        var wide = new Tensor(new double[] { 1, 2, 3, 4 }, 2, 2, 1);
        var converted = Dataset.Create(wide, null, model);
        ((double[])wide.Data)[2] = 30;
        converted.Gather([1], batch, null);
        Assert.Equal([3f, 4f], batch.Span.ToArray());
    }

    [Fact]
    public void AViewTrainsAndPredictsAsItsCopyAndIsReadInPlace()
    {
        // Rows 16 … 111 of a larger X (as Select-RnnSample -Skip 16 -First 96): the same bits as training on a copy of them.
        (Tensor all, Tensor labels) = Toy(128, 2);
        Tensor x = all.Rows(16, 96), y = labels.Rows(16, 96);
        Tensor xCopy = x.Clone(), yCopy = y.Clone();
        (float[] Weights, float[] Predictions, double Loss) Train(Tensor xs, Tensor ys)
        {
            Sequential model = Model(5);
            Dataset data = Dataset.Create(xs, ys, model);
            Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(0.02f), new FitOptions { Epochs = 3, BatchSize = 16 });
            return (model.SnapshotWeights(), Trainer.Predict(model, Dataset.Create(xs, null, model)), model.History[^1].Loss);
        }

        var fromView = Train(x, y);
        var fromCopy = Train(xCopy, yCopy);
        Assert.Equal(fromCopy.Weights, fromView.Weights);
        Assert.Equal(fromCopy.Predictions, fromView.Predictions);
        Assert.Equal(fromCopy.Loss, fromView.Loss);
        Assert.True(x.IsWindow, "training read the view's Data, which copied it");
        Assert.Same(all.BackingArray, x.BackingArray);

        // In place: a write into the source reaches the dataset made from the view.
        var model = new Sequential(SampleShape.Sequence(2, 1), "m", 1);
        model.Add(new SimpleRnn(2));
        var source = new Tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2, 1);
        var dataset = Dataset.Create(source.Rows(1, 2), null, model);
        source.AsSpan<float>()[4] = 50;
        var batch = new Activations();
        dataset.Gather([1], batch, null);
        Assert.Equal([50f, 6f], batch.Span.ToArray());
    }

    [Fact]
    public void EvaluateEqualsTheLastValidationLoss()
    {
        (Tensor x, Tensor y) = Toy(96, 2);
        (Tensor vx, Tensor vy) = Toy(40, 3);
        Sequential model = Model(5);
        Dataset train = Dataset.Create(x, y, model);
        Dataset validation = Dataset.Create(vx, vy, model);
        Loss loss = Trainer.ResolveLoss(model, null, train);
        Trainer.Fit(model, train, validation, loss, new Adam(), new FitOptions { Epochs = 2 });
        EvaluationResult result = Trainer.Evaluate(model, validation, loss);
        Assert.Equal(model.History[^1].ValidationLoss!.Value, result.Loss, 12);
        Assert.Equal(model.History[^1].ValidationMetrics!["accuracy"], result.Metrics["accuracy"]);
    }

    [Fact]
    public void CancellationKeepsTheLastCompletedEpoch()
    {
        (Tensor x, Tensor y) = Toy(64, 4);
        Sequential reference = Model(9);
        Dataset data = Dataset.Create(x, y, reference);
        Trainer.Fit(reference, data, null, Trainer.ResolveLoss(reference, null, data), new Adam(), new FitOptions { Epochs = 2, BatchSize = 16 });

        Sequential model = Model(9);
        using var stop = new CancellationTokenSource();
        var options = new FitOptions
        {
            Epochs = 5,
            BatchSize = 16,
            Cancellation = stop.Token,
            // Cancel in the middle of epoch 3: the model must end as after epoch 2.
            Progress = p =>
            {
                if (p.Epoch == 3 && p.Batch == 2)
                {
                    stop.Cancel();
                }
            },
        };
        Assert.Throws<OperationCanceledException>(() =>
            Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(), options));
        Assert.Equal(2, model.History.Count);
        Assert.Equal(reference.SnapshotWeights(), model.SnapshotWeights());
    }

    [Fact]
    public void AnExceptionFromTheProgressCallbackKeepsTheLastCompletedEpoch()
    {
        // PowerShell's Write-Progress throws once the pipeline is stopping: that must not leave a half-trained epoch.
        (Tensor x, Tensor y) = Toy(64, 4);
        Sequential reference = Model(9);
        Dataset data = Dataset.Create(x, y, reference);
        Trainer.Fit(reference, data, null, Trainer.ResolveLoss(reference, null, data), new Adam(), new FitOptions { Epochs = 1, BatchSize = 16 });

        Sequential model = Model(9);
        var options = new FitOptions
        {
            Epochs = 3,
            BatchSize = 16,
            Progress = p =>
            {
                if (p.Epoch == 2 && p.Batch == 3)
                {
                    throw new InvalidOperationException("stopping");
                }
            },
        };
        Assert.Throws<InvalidOperationException>(() =>
            Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(), options));
        Assert.Single(model.History);
        Assert.Equal(reference.SnapshotWeights(), model.SnapshotWeights());
    }

    [Fact]
    public void NanLossRestoresTheLastFiniteEpoch()
    {
        (Tensor x, _) = Toy(32, 5);
        var model = new Sequential(SampleShape.Sequence(6, 2), seed: 1);
        model.Add(new SimpleRnn(4) { Activation = ActivationKind.Relu });
        model.Add(new Dense(1));
        var y = new Tensor(Enumerable.Repeat(1e4f, 32).ToArray(), 32, 1);
        Dataset data = Dataset.Create(x, y, model);
        float[] before = model.SnapshotWeights();
        var e = Assert.Throws<ModelException>(() =>
            Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Sgd(1e6f), new FitOptions { Epochs = 20 }));
        Assert.Equal("TrainingLossNotFinite", e.ErrorId);
        float[] after = model.SnapshotWeights();
        Assert.All(after, v => Assert.True(float.IsFinite(v)));
        if (model.History.Count == 0)
        {
            Assert.Equal(before, after);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // kernel regularizers: their penalty and gradient each step
    public void TrainingAllocatesNothingPerBatchOnceSized(bool regularized)
    {
        (Tensor x, Tensor y) = Toy(64, 6);
        Sequential model = Model(2);
        foreach (Layer layer in model.Layers.Where(_ => regularized))
        {
            layer.SetRegularizer("kernel", Regularizer.Parse("l1_l2:1e-5,1e-4"));
        }

        Dataset data = Dataset.Create(x, y, model);
        Loss loss = Trainer.ResolveLoss(model, null, data);
        var adam = new Adam();
        Trainer.Fit(model, data, null, loss, adam, new FitOptions { Epochs = 1, BatchSize = 16 });

        long Allocated(int batchSize)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Trainer.Fit(model, data, null, loss, adam, new FitOptions { Epochs = 4, BatchSize = batchSize, Shuffle = true });
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long fourBatches = Allocated(16);
        long sixteenBatches = Allocated(4);
        // The same epochs with 48 more batches: per-run and per-epoch costs are equal, so any per-batch allocation shows.
        Assert.True(sixteenBatches - fourBatches < 512, $"48 more batches allocated {sixteenBatches - fourBatches} bytes");
    }

    [Fact]
    public void SummaryLooksLikeKeras()
    {
        var model = new Sequential(SampleShape.Sequence(100, 13), "speech", 1);
        model.Add(new Lstm(128, returnSequences: true));
        model.Add(new Lstm(128));
        model.Add(new Dense(10, ActivationKind.Softmax));
        string text = model.Summary();
        Assert.Contains("Model: \"speech\"", text, StringComparison.Ordinal);
        Assert.Matches(@"lstm \(LSTM\)\s+\(None, 100, 128\)\s+72,704", text);
        Assert.Matches(@"lstm_1 \(LSTM\)\s+\(None, 128\)\s+131,584", text);
        Assert.Matches(@"dense \(Dense\)\s+\(None, 10\)\s+1,290", text);
        Assert.Contains("Total params: 205,578", text, StringComparison.Ordinal);
    }
}
