using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>What Fit offers callbacks: stopping, the metrics so far, and a model they cannot break.</summary>
public sealed class FitCallbackTests
{
    private static (Sequential Model, Dataset Data, Loss Loss) Setup()
    {
        var rng = new Rng(11);
        var x = new float[40 * 4 * 2];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.Uniform(-1, 1);
        }

        var y = Enumerable.Range(0, 40).Select(n => (long)(x[n * 8] > 0 ? 1 : 0)).ToArray();
        var model = new Sequential(SampleShape.Sequence(4, 2), seed: 5);
        model.Add(new Lstm(4));
        model.Add(new Dense(2, ActivationKind.Softmax));
        Dataset data = Dataset.Create(new Tensor(x, 40, 4, 2), new Tensor(y, 40), model);
        return (model, data, Trainer.ResolveLoss(model, null, data));
    }

    [Fact]
    public void StopRequestedEndsTheRunAfterThatEpochWithItsWeights()
    {
        var (model, data, loss) = Setup();
        float[]? atEpoch2 = null;
        var options = new FitOptions
        {
            Epochs = 5,
            EpochCompleted = (record, _) => atEpoch2 = record.Epoch == 2 ? model.SnapshotWeights() : atEpoch2,
            StopRequested = () => model.History.Count == 2,
        };
        IReadOnlyList<EpochRecord> records = Trainer.Fit(model, data, null, loss, new Adam(), options);
        Assert.Equal(2, records.Count);
        Assert.Equal(atEpoch2, model.SnapshotWeights());
    }

    [Fact]
    public void StopRequestedAfterABatchEndsTheEpochThereValidatedAndRecorded()
    {
        var (model, data, loss) = Setup();
        var (_, validation, _) = Setup();
        var seen = new List<TrainingProgress>();
        int epochsCompleted = 0;
        var options = new FitOptions
        {
            Epochs = 3,
            BatchSize = 10,
            Progress = seen.Add,
            EpochCompleted = (_, _) => epochsCompleted++,
            StopRequested = () => seen.Count == 2,
        };
        Trainer.Fit(model, data, validation, loss, new Adam(), options);
        Assert.Equal(2, seen.Count);
        Assert.Equal(1, epochsCompleted);
        EpochRecord record = Assert.Single(model.History);
        Assert.Equal(seen[^1].Loss, record.Loss, 12);
        Assert.NotNull(record.ValidationLoss);
        Assert.Equal(2, model.Optimizer!.Iterations);
    }

    [Fact]
    public void ProgressCarriesTheRunningMetricsOnlyWhenAsked()
    {
        var (model, data, loss) = Setup();
        var seen = new List<TrainingProgress>();
        Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions { Epochs = 1, BatchSize = 16, Progress = seen.Add });
        Assert.All(seen, p => Assert.Null(p.Metrics));
        seen.Clear();
        Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions { Epochs = 1, BatchSize = 16, Progress = seen.Add, ProgressMetrics = true });
        Assert.Equal(3, seen.Count);
        Assert.All(seen, p => Assert.InRange(p.Metrics!["accuracy"], 0, 1));
        // The last batch's running figures are the epoch's.
        Assert.Equal(model.History[^1].Metrics["accuracy"], seen[^1].Metrics!["accuracy"]);
        Assert.Equal(model.History[^1].Loss, seen[^1].Loss, 12);
    }

    [Fact]
    public void ACallbackCannotTrainOrGrowItsModelAndTheRunKeepsItsWeights()
    {
        var (model, data, loss) = Setup();
        float[]? afterEpoch1 = null;
        var options = new FitOptions
        {
            Epochs = 3,
            EpochCompleted = (_, _) =>
            {
                afterEpoch1 = model.SnapshotWeights();
                Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions());
            },
        };
        var e = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, loss, new Adam(), options));
        Assert.Equal("ModelInTraining", e.ErrorId);
        Assert.Equal(afterEpoch1, model.SnapshotWeights());
        Assert.Single(model.History);

        var grow = new FitOptions { EpochCompleted = (_, _) => model.Add(new Dense(2)) };
        Assert.Equal("ModelInTraining", Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, loss, new Adam(), grow)).ErrorId);
        Assert.Equal(2, model.Layers.Count);
        Assert.Throws<NotSupportedException>(() => ((ICollection<Layer>)model.Layers).Clear());

        // The run is over: the model trains again.
        Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions());
        Assert.Equal(3, model.History.Count);
    }

    [Fact]
    public void ACallbackPredictsProbabilities()
    {
        var (model, data, loss) = Setup();
        float[]? inside = null;
        Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions { EpochCompleted = (_, _) => inside = Trainer.Predict(model, data) });
        Assert.Equal(Trainer.Predict(model, data), inside);
        Assert.All(inside!, p => Assert.InRange(p, 0f, 1f));
    }
}
