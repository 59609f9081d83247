using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Reliability;

/// <summary>
/// Memory over a long training in one process: after the first epochs sized the workspaces, the retained heap stays flat
/// (only the history grows), each epoch allocates a bounded few kilobytes, and no gen2 collection is needed. The long
/// version is tools/Invoke-Soak.ps1 (figures in the README's Reliability section).
/// </summary>
[Collection(MemoryMeasurements.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public void FiftyEpochsKeepMemoryFlat()
    {
        const int warmup = 10, epochs = 60;
        (Tensor x, Tensor y) = ToyTask.Data(64, 12, 3, 7);
        var model = new Sequential(SampleShape.Sequence(12, 3), seed: 8);
        model.Add(new Gru(16, returnSequences: true));
        model.Add(new Lstm(16));
        model.Add(new Dense(2, ActivationKind.Softmax));
        long heapAtWarmup = 0, allocatedAtWarmup = 0, heapAtEnd = 0, allocatedAtEnd = 0;
        int gen2AtWarmup = 0, gen2AtEnd = 0;
        ToyTask.Fit(model, x, y, new FitOptions
        {
            Epochs = epochs,
            BatchSize = 16,
            EpochCompleted = (record, _) =>
            {
                if (record.Epoch == warmup)
                {
                    heapAtWarmup = GC.GetTotalMemory(forceFullCollection: true);
                    gen2AtWarmup = GC.CollectionCount(2);
                    allocatedAtWarmup = GC.GetTotalAllocatedBytes(precise: true);
                }
                else if (record.Epoch == epochs)
                {
                    allocatedAtEnd = GC.GetTotalAllocatedBytes(precise: true);
                    gen2AtEnd = GC.CollectionCount(2);
                    heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
                }
            },
        });

        Assert.Equal(epochs, model.History.Count);
        long perEpoch = (allocatedAtEnd - allocatedAtWarmup) / (epochs - warmup);
        long growth = heapAtEnd - heapAtWarmup;
        output.WriteLine($"heap {heapAtWarmup} → {heapAtEnd} bytes (+{growth}), {perEpoch} bytes allocated per epoch, {gen2AtEnd - gen2AtWarmup} gen2 collections");

        // The bounds: the heap grows by at most 1 KiB an epoch (the history's records, a few hundred bytes each), each
        // epoch allocates at most 16 KiB (the records, the callback's state, the pool's bookkeeping; the workspaces are
        // reused), and no gen2 collection happens between the two measurements.
        Assert.True(growth <= 1024L * (epochs - warmup), $"the heap grew by {growth} bytes over {epochs - warmup} epochs");
        Assert.True(perEpoch <= 16 * 1024, $"{perEpoch} bytes allocated per epoch");
        Assert.Equal(0, gen2AtEnd - gen2AtWarmup);
    }

    [Fact]
    public void TheEstimateCoversWhatTrainingReallyAllocates()
    {
        // The refusal is only honest if the estimate is not below the real need: train once and compare.
        foreach (Func<RecurrentLayer> make in new Func<RecurrentLayer>[] { () => new Lstm(24), () => new Gru(24), () => new SimpleRnn(24), () => new Gru(24, resetAfter: false) })
        {
            var model = new Sequential(SampleShape.Sequence(300, 4), seed: 2);
            model.Add(make());
            model.Add(new Dense(2, ActivationKind.Softmax));
            (Tensor x, Tensor y) = ToyTask.Data(16, 300, 4, 3);
            long estimate = WorkspaceEstimate.Bytes(model, 16, 300, training: true, out _);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            ToyTask.Fit(model, x, y, new FitOptions { Epochs = 1, BatchSize = 16, ThreadCount = 1 });
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before - x.Length * 4L; // less the dataset's copy
            Assert.True(estimate >= allocated * 0.9, $"{model.Layers[0].GetType().Name}: estimated {estimate}, allocated {allocated}");
            Assert.True(estimate <= allocated * 3, $"{model.Layers[0].GetType().Name}: estimated {estimate}, allocated only {allocated}");
        }
    }

}
