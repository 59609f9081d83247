using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Serialization;

public sealed class CheckpointResumeTests
{
    private static Sequential Model()
    {
        var model = new Sequential(SampleShape.Sequence(6, 2), "resume", 21);
        model.Add(new Lstm(6, returnSequences: true, dropout: 0.2f, recurrentDropout: 0.1f));
        model.Add(new DropoutLayer(0.3f));
        model.Add(new Bidirectional(new Gru(4, dropout: 0.1f)));
        model.Add(new Dense(2, ActivationKind.Softmax));
        return model;
    }

    private static FitOptions Options(bool earlyStopping) => new()
    {
        Epochs = 4,
        BatchSize = 10,
        EarlyStoppingPatience = earlyStopping ? 10 : null,
        RestoreBestWeights = earlyStopping,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumingFromACheckpointEndsBitIdenticalToAnUninterruptedRun(bool earlyStopping) => ResumesBitIdentical(Model, earlyStopping);

    /// <summary>Trains a model from <paramref name="build"/> (input (6, 2), two classes) for 4 epochs straight, and again stopped after
    /// epoch 2 and resumed from the checkpoint in a fresh model: weights, history and what follows must agree bit for bit.</summary>
    internal static void ResumesBitIdentical(Func<Sequential> build, bool earlyStopping)
    {
        Sequential straight = build();
        Dataset data = ModelFileTests.Data(straight, 45);
        Dataset validation = ModelFileTests.Data(straight, 20, 7);
        Loss loss = Trainer.ResolveLoss(straight, null, data);
        Trainer.Fit(straight, data, validation, loss, new Adam(0.01f), Options(earlyStopping));

        // The same run, stopped after epoch 2 with a checkpoint taken there (as Ctrl+C would after the file is written).
        Sequential interrupted = build();
        using var stop = new CancellationTokenSource();
        byte[]? checkpoint = null;
        FitOptions first = Options(earlyStopping);
        var withCallback = new FitOptions
        {
            Epochs = first.Epochs,
            BatchSize = first.BatchSize,
            EarlyStoppingPatience = first.EarlyStoppingPatience,
            RestoreBestWeights = first.RestoreBestWeights,
            Cancellation = stop.Token,
            EpochCompleted = (record, state) =>
            {
                using var buffer = new MemoryStream();
                ModelFile.ToSafetensors(interrupted, true, state).Write(buffer);
                checkpoint = buffer.ToArray();
                if (state.EpochsDone == 2)
                {
                    stop.Cancel();
                }
            },
        };
        Assert.Throws<OperationCanceledException>(() =>
            Trainer.Fit(interrupted, data, validation, loss, new Adam(0.01f), withCallback));
        Assert.Equal(2, interrupted.History.Count);

        // A fresh model from the file alone, as a new process would have.
        LoadedModel loaded = ModelFile.FromSafetensors(SafetensorsFile.Read(new MemoryStream(checkpoint!), null), null);
        FitState state = Assert.IsType<FitState>(loaded.Checkpoint);
        Assert.Equal(2, state.EpochsDone);
        Assert.Equal(4, state.Settings!.Epochs);
        Sequential resumed = loaded.Model;
        IReadOnlyList<EpochRecord> records = Trainer.Fit(resumed, data, validation, resumed.Loss!, resumed.Optimizer!,
            new FitOptions { Epochs = 4, BatchSize = 10, EarlyStoppingPatience = first.EarlyStoppingPatience, RestoreBestWeights = first.RestoreBestWeights, Resume = state });

        Assert.Equal([3, 4], records.Select(r => r.Epoch));
        Assert.Equal(straight.SnapshotWeights(), resumed.SnapshotWeights());
        Assert.Equal(straight.History.Select(r => r.Loss), resumed.History.Select(r => r.Loss));
        Assert.Equal(straight.History.Select(r => r.ValidationLoss), resumed.History.Select(r => r.ValidationLoss));
        Assert.Equal(straight.Optimizer!.Iterations, resumed.Optimizer!.Iterations);

        // And both go on identically afterwards (dropout generators and stream counter agree too).
        Trainer.Fit(straight, data, null, loss, straight.Optimizer, new FitOptions { Epochs = 1, BatchSize = 10 });
        Trainer.Fit(resumed, data, null, loss, resumed.Optimizer, new FitOptions { Epochs = 1, BatchSize = 10 });
        Assert.Equal(straight.SnapshotWeights(), resumed.SnapshotWeights());
    }

    [Fact]
    public void RestoreIntoPutsTheCheckpointStateIntoTheSameArchitecture()
    {
        Sequential source = Model();
        Dataset data = ModelFileTests.Data(source, 30);
        Trainer.Fit(source, data, null, Trainer.ResolveLoss(source, null, data), new Adam(), new FitOptions { Epochs = 1 });
        Sequential loaded = ModelFileTests.RoundTrip(source, true).Model;
        Sequential target = Model();
        ModelFile.RestoreInto(target, loaded);
        Assert.Equal(source.SnapshotWeights(), target.SnapshotWeights());
        Assert.Single(target.History);

        var other = new Sequential(SampleShape.Sequence(6, 2), "other", 21);
        other.Add(new Lstm(3));
        ModelException e = Assert.Throws<ModelException>(() => ModelFile.RestoreInto(other, loaded));
        Assert.Equal("ResumeModelMismatch", e.ErrorId);
    }
}
