using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Tensors;

public sealed class ComputeThreadsTests
{
    [Fact]
    public void ScopesNestAndRestore()
    {
        int outer = ComputeThreads.Current;
        using (ComputeThreads.Use(1))
        {
            Assert.Equal(1, ComputeThreads.Current);
            using (ComputeThreads.Use(3))
            {
                Assert.Equal(3, ComputeThreads.Current);
            }

            using (ComputeThreads.Use(null))
            {
                Assert.Equal(1, ComputeThreads.Current);
            }

            Assert.Equal(1, ComputeThreads.Current);
        }

        Assert.Equal(outer, ComputeThreads.Current);
        Assert.Equal(ComputeThreads.Default, ComputeThreads.Current);
    }

    [Fact]
    public void AScopeHoldsForItsOwnThreadOnly()
    {
        using ComputeThreads.Scope scope = ComputeThreads.Use(1);
        int seenElsewhere = 0;
        var other = new Thread(() => seenElsewhere = ComputeThreads.Current);
        other.Start();
        other.Join();
        Assert.Equal(ComputeThreads.Default, seenElsewhere);
        Assert.Equal(1, ComputeThreads.Current);
    }

    [Fact]
    public void RejectsCountsBelowOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeThreads.Use(0));
        var model = new Sequential(SampleShape.Vector(3), seed: 1);
        model.Add(new Dense(2, ActivationKind.Softmax));
        Dataset data = Dataset.Create(new Tensor(new float[6], 2, 3), new Tensor(new long[] { 0, 1 }, 2), model);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data),
            new Adam(), new FitOptions { ThreadCount = 0 }));
    }

    // LSTM(128) at batch 32: the step product 32×512×128 is past Gemm's parallel threshold, so two threads really split it.
    // More threads than this machine has cores (8, 64: a user's server) split the batch into more chunks and Gemm's
    // products into more parts than there are workers; chunks nobody claims run on the caller, so the plan, not the
    // pool, decides every bit.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(64)]
    public void TrainingIsBitIdenticalAcrossThreadCounts(int threads)
    {
        var rng = new Rng(7);
        var x = new float[64 * 4 * 16];
        var y = new long[64];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.Uniform(-1, 1);
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = i % 3;
        }

        (float[] Weights, float[] Predictions) Train(int threads)
        {
            var model = new Sequential(SampleShape.Sequence(4, 16), seed: 11);
            model.Add(new Lstm(128, returnSequences: true));
            model.Add(new Lstm(128));
            model.Add(new Dense(3, ActivationKind.Softmax));
            Dataset data = Dataset.Create(new Tensor(x, 64, 4, 16), new Tensor(y, 64), model);
            Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(),
                new FitOptions { Epochs = 2, ThreadCount = threads });
            return (model.SnapshotWeights(), Trainer.Predict(model, data, 32, threads));
        }

        (float[] w1, float[] p1) = Train(1);
        (float[] w2, float[] p2) = Train(threads);
        Assert.Equal(w1, w2);
        Assert.Equal(p1, p2);
    }
}
