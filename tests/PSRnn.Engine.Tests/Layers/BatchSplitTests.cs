using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The batch-parallel time loop of SimpleRNN, LSTM and GRU: splitting the batch rows over workers gives the same bits
/// as the unsplit loop (outputs, input gradients, every weight gradient), with dropout and go_backwards too; the chunk
/// plan depends only on batch size and thread count; workers' exceptions reach the caller; nothing is allocated.
/// </summary>
public sealed class BatchSplitTests
{
    private const int Time = 6;
    private const int Features = 5;

    public static TheoryData<string, bool, bool, float> Cases()
    {
        var data = new TheoryData<string, bool, bool, float>();
        foreach (string kind in new[] { "SimpleRNN", "LSTM", "LSTM-hard", "GRU", "GRU-before" })
        {
            // (returnSequences, goBackwards, dropout for inputs and state)
            data.Add(kind, true, false, 0f);
            data.Add(kind, false, false, 0f);
            data.Add(kind, true, true, 0.3f);
            data.Add(kind, false, true, 0.3f);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SplitLoopIsBitIdenticalToTheUnsplitLoop(string kind, bool returnSequences, bool goBackwards, float dropout)
    {
        // Batch 7 over 3 threads with chunks of at least 2 rows: chunks of 2, 2 and 3 rows.
        RunPair(kind, returnSequences, goBackwards, dropout, batch: 7, threads: 3, minRows: 2);
    }

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("GRU-before")]
    public void DefaultThresholdsSplitAWorkloadSizedLoopWithTheSameBits(string kind)
    {
        // 64 units, 24 steps, batch 24: each 12-row chunk has over a million multiply-adds, so two threads split it.
        RunPair(kind, true, false, 0.2f, batch: 24, threads: 2, minRows: BatchSplit.DefaultMinRows, units: 64, time: 24);
    }

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("GRU-before")]
    public void AllocatesNothingAfterTheFirstBatchWhenSplit(string kind)
    {
        RecurrentLayer layer = Create(kind, 8, returnSequences: true, goBackwards: false, dropout: 0.2f);
        layer.BatchSplitMinRows = 2;
        layer.BatchSplitMinChunkMacs = 0;
        layer.Build(SampleShape.Sequence(Time, Features));
        layer.Initialize(new Rng(3));
        Activations x = GradientCheck.RandomInput(6, Time, Features, true, 2);
        Activations dy = GradientCheck.RandomInput(6, Time, 8, true, 3);
        using (ComputeThreads.Use(2))
        {
            layer.Forward(x, true);
            layer.Backward(dy, true);
            AllocationProbe.AssertNone(() =>
            {
                layer.Forward(x, true);
                layer.Backward(dy, true);
            });
        }
    }

    [Fact]
    public void BidirectionalWithSplitDirectionsIsBitIdentical()
    {
        Activations x = GradientCheck.RandomInput(6, Time, Features, true, 11);
        Activations dy = GradientCheck.RandomInput(6, Time, 8, true, 12);
        (float[] y1, float[] dx1, float[][] g1) = RunBidirectional(x, dy, threads: 1, minRows: BatchSplit.DefaultMinRows);
        (float[] y2, float[] dx2, float[][] g2) = RunBidirectional(x, dy, threads: 2, minRows: 2);
        Assert.Equal(y1, y2);
        Assert.Equal(dx1, dx2);
        Assert.Equal(g1.Length, g2.Length);
        for (int i = 0; i < g1.Length; i++)
        {
            Assert.Equal(g1[i], g2[i]);
        }
    }

    // (batch, threads, g·U·U per row, steps, expected chunks) with the default minimums.
    [Theory]
    [InlineData(32, 1, 4 * 128 * 128, 28, 1)]      // one thread: never split
    [InlineData(32, 2, 4 * 128 * 128, 28, 2)]      // W2's LSTM(128): 16-row chunks
    [InlineData(64, 2, 3 * 256 * 256, 100, 2)]     // W3's GRU(256): 32-row chunks
    [InlineData(16, 2, 4 * 128 * 128, 28, 1)]      // Gemm splits the step product itself; 8-row chunks do not pay
    [InlineData(24, 2, 4 * 128 * 128, 28, 2)]      // 12-row chunks do
    [InlineData(48, 4, 4 * 128 * 128, 28, 4)]
    [InlineData(32, 4, 4 * 128 * 128, 28, 2)]      // at most batch / 12 chunks
    [InlineData(32, 64, 4 * 128 * 128, 28, 2)]     // 64 threads, batch 32: still two 16-row chunks (the rest is Gemm's)
    [InlineData(256, 16, 4 * 128 * 128, 28, 16)]   // batch 256 on 16 threads: one 16-row chunk each
    [InlineData(256, 64, 4 * 128 * 128, 28, 21)]   // 64 threads: as many 12-row chunks as the batch has
    [InlineData(8, 2, 128 * 128, 28, 2)]           // SimpleRNN(128): the step product stays on one core unsplit
    [InlineData(1, 2, 128 * 128, 28, 1)]           // batch 1 (W5): nothing to split
    [InlineData(32, 2, 8 * 8, 28, 1)]              // a tiny layer: the hand-off costs more than the loop
    [InlineData(32, 2, 128 * 128, 2, 1)]           // two steps only: likewise
    public void ChunkPlanDependsOnlyOnBatchShapeAndThreads(int batch, int threads, long stepMacsPerRow, int time, int expected)
    {
        var split = new BatchSplit();
        using (ComputeThreads.Use(threads))
        {
            Assert.Equal(expected, split.ChunkCount(batch, stepMacsPerRow, time));
        }

        // Contiguous and covering, never a one-row chunk (a one-row product sums in another order).
        int previous = 0;
        for (int c = 1; c <= expected; c++)
        {
            int start = BatchSplit.ChunkStart(batch, expected, c);
            Assert.True(expected == 1 || start - previous >= 2);
            previous = start;
        }

        Assert.Equal(batch, previous);
    }

    public static TheoryData<string, bool> MaskedCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string kind in new[] { "SimpleRNN", "LSTM", "GRU", "GRU-before" })
        {
            data.Add(kind, false);
            data.Add(kind, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MaskedCases))]
    public void MaskedSplitCutByRealStepsIsBitIdenticalToTheUnsplitLoop(string kind, bool padBefore)
    {
        // Three long samples then six short ones: an even split would give chunk 0 rows 0-3 (19 of 24 real steps);
        // the cut by real steps gives it rows 0-1 (12).
        int[] lengths = [6, 6, 6, 1, 1, 1, 1, 1, 1];
        var mask = SequenceMask.FromLengths(lengths, Time, padBefore);
        Span<int> starts = stackalloc int[3];
        BatchSplit.BalancedStarts(mask, 2, 2, starts);
        Assert.Equal(new[] { 0, 2, 9 }, starts.ToArray());
        RunPair(kind, true, false, 0f, batch: lengths.Length, threads: 2, minRows: 2, mask: mask);
        RunPair(kind, false, false, 0.3f, batch: lengths.Length, threads: 2, minRows: 2, mask: mask);

        // 16 threads on this 2-core machine: four 2-row chunks, three of them posted to a pool of one worker (the caller
        // runs those nobody claims), cut by real steps, the same bits.
        RunPair(kind, true, false, 0f, batch: lengths.Length, threads: 16, minRows: 2, mask: mask);
    }

    public static TheoryData<string, bool, bool, int> CompactCases()
    {
        var data = new TheoryData<string, bool, bool, int>();
        foreach (string kind in new[] { "SimpleRNN", "LSTM", "LSTM-hard", "GRU", "GRU-before" })
        {
            data.Add(kind, true, false, 1);
            data.Add(kind, false, true, 1);
            data.Add(kind, true, true, 2);
            data.Add(kind, false, false, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CompactCases))]
    public void CompactedGateRowsKeepEveryRowsBits(string kind, bool returnSequences, bool padBefore, int threads)
    {
        // Lengths spread over the steps, one sample all padding, one whole: the gate buffers hold the real rows only
        // (compacted, step-major) or every row. Each row's arithmetic is the same, so outputs and input gradients agree
        // bit for bit, with dropout, split over threads or not; the weight gradients sum the same rows in another order
        // (by step rather than by sample), so they agree to rounding. (Split against unsplit, compacted, the weight
        // gradients agree bit for bit too: MaskedSplitCutByRealStepsIsBitIdenticalToTheUnsplitLoop.)
        int[] lengths = [6, 1, 3, 0, 5, 2, 6, 4, 2, 5];
        var mask = SequenceMask.FromLengths(lengths, Time, padBefore);
        Activations x = GradientCheck.RandomInput(lengths.Length, Time, Features, true, 5);
        x.Mask = mask;
        Activations dy = GradientCheck.RandomInput(lengths.Length, returnSequences ? Time : 1, 4, returnSequences, 6);
        (float[] y1, float[] dx1, float[][] g1) = Run(kind, 4, returnSequences, false, 0.25f, x, dy, threads, 2);
        float[] y2, dx2;
        float[][] g2;
        RecurrentWorkspace.NeverCompact = true;
        try
        {
            (y2, dx2, g2) = Run(kind, 4, returnSequences, false, 0.25f, x, dy, threads, 2);
        }
        finally
        {
            RecurrentWorkspace.NeverCompact = false;
        }

        Assert.Equal(y2, y1);
        Assert.Equal(dx2, dx1);
        for (int i = 0; i < g1.Length; i++)
        {
            Assert.Equal(g2[i].Length, g1[i].Length);
            for (int j = 0; j < g1[i].Length; j++)
            {
                Assert.True(Math.Abs(g1[i][j] - g2[i][j]) <= 1e-6f * Math.Max(1f, Math.Abs(g2[i][j])),
                    $"{kind}: parameter {i}, element {j}: {g1[i][j]} compacted vs {g2[i][j]}");
            }
        }
    }

    [Theory]
    [InlineData(new[] { 10, 10, 10, 10, 1, 1, 1, 1 }, 2, 2, new[] { 0, 2, 8 })]
    [InlineData(new[] { 10, 10, 10, 10, 1, 1, 1, 1 }, 2, 3, new[] { 0, 3, 8 })]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, 10, 10 }, 2, 2, new[] { 0, 6, 8 })]
    [InlineData(new[] { 4, 4, 4, 4, 4, 4 }, 3, 2, new[] { 0, 2, 4, 6 })]
    [InlineData(new[] { 0, 0, 0, 8, 0, 0 }, 2, 2, new[] { 0, 3, 6 })]
    [InlineData(new[] { 9, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, 3, 2, new[] { 0, 2, 4, 10 })]
    public void BalancedStartsCutWhereTheRealStepsSplitEvenly(int[] lengths, int chunks, int minRows, int[] expected)
    {
        var mask = SequenceMask.FromLengths(lengths, 10, padBefore: false);
        var starts = new int[chunks + 1];
        BatchSplit.BalancedStarts(mask, chunks, minRows, starts);
        Assert.Equal(expected, starts);
    }

    [Fact]
    public void RunsEveryRowOnceAndRethrowsAWorkersException()
    {
        var split = new BatchSplit { MinRows = 2, MinChunkMacs = 0 };
        var seen = new int[9];
        using (ComputeThreads.Use(3))
        {
            split.Run(9, 1, 1, (b0, b1) =>
            {
                // Inside a chunk the products are single-threaded.
                Assert.Equal(1, ComputeThreads.Current);
                for (int b = b0; b < b1; b++)
                {
                    Interlocked.Increment(ref seen[b]);
                }
            });
            Assert.All(seen, n => Assert.Equal(1, n));

            var error = Assert.Throws<InvalidOperationException>(() => split.Run(9, 1, 1, (b0, _) =>
            {
                if (b0 > 0)
                {
                    throw new InvalidOperationException("chunk " + b0);
                }
            }));
            Assert.StartsWith("chunk ", error.Message, StringComparison.Ordinal);
            Assert.Equal(3, ComputeThreads.Current);
        }

        // Below two threads the body runs once over the whole batch with the caller's count.
        using (ComputeThreads.Use(1))
        {
            int calls = 0;
            split.Run(9, 1, 1, (b0, b1) =>
            {
                calls++;
                Assert.Equal((0, 9), (b0, b1));
            });
            Assert.Equal(1, calls);
        }
    }

    // Two identically initialised layers, one run unsplit on one thread, the other split: same bits everywhere.
    private static void RunPair(string kind, bool returnSequences, bool goBackwards, float dropout, int batch, int threads,
        int minRows, int units = 4, int time = Time, SequenceMask? mask = null)
    {
        Activations x = GradientCheck.RandomInput(batch, time, Features, true, 5);
        x.Mask = mask;
        Activations dy = GradientCheck.RandomInput(batch, returnSequences ? time : 1, units, returnSequences, 6);
        (float[] y1, float[] dx1, float[][] g1) = Run(kind, units, returnSequences, goBackwards, dropout, x, dy, 1, BatchSplit.DefaultMinRows);
        (float[] y2, float[] dx2, float[][] g2) = Run(kind, units, returnSequences, goBackwards, dropout, x, dy, threads, minRows);
        Assert.Equal(y1, y2);
        Assert.Equal(dx1, dx2);
        for (int i = 0; i < g1.Length; i++)
        {
            Assert.Equal(g1[i], g2[i]);
        }
    }

    // Two training batches (so the second sees grown, reused workspaces), gradients accumulated over both.
    // The reference run (minRows at its default) keeps the default work floor; a forced split (lower minRows) drops it.
    private static (float[] Y, float[] Dx, float[][] Gradients) Run(string kind, int units, bool returnSequences, bool goBackwards,
        float dropout, Activations x, Activations dy, int threads, int minRows)
    {
        RecurrentLayer layer = Create(kind, units, returnSequences, goBackwards, dropout);
        layer.BatchSplitMinRows = minRows;
        if (minRows < BatchSplit.DefaultMinRows)
        {
            layer.BatchSplitMinChunkMacs = 0;
        }

        layer.Build(SampleShape.Sequence(x.Time, Features));
        layer.Initialize(new Rng(42));
        using (ComputeThreads.Use(threads))
        {
            // The split really happens (the plan for the shape the layer passes: g·U·U per row).
            var plan = new BatchSplit { MinRows = minRows, MinChunkMacs = layer.BatchSplitMinChunkMacs };
            int gates = kind.StartsWith("LSTM", StringComparison.Ordinal) ? 4 : kind.StartsWith("GRU", StringComparison.Ordinal) ? 3 : 1;
            // As many chunks as threads, or as the batch has chunks of minRows rows when threads outnumber them.
            int expected = threads < 2 ? 1 : Math.Min(threads, x.Batch / minRows);
            Assert.Equal(expected, plan.ChunkCount(x.Batch, (long)gates * units * units, x.Time));
            float[] y = [];
            float[] dx = [];
            for (int i = 0; i < 2; i++)
            {
                y = layer.Forward(x, training: true).Span.ToArray();
                dx = layer.Backward(dy, computeInputGradient: true)!.Span.ToArray();
            }

            return (y, dx, layer.Parameters.Select(p => p.Gradient.ToArray()).ToArray());
        }
    }

    private static (float[] Y, float[] Dx, float[][] Gradients) RunBidirectional(Activations x, Activations dy, int threads, int minRows)
    {
        var layer = new Bidirectional(Create("LSTM", 4, returnSequences: true, goBackwards: false, dropout: 0.2f), "bidirectional");
        layer.ForwardLayer.BatchSplitMinRows = minRows;
        layer.BackwardLayer.BatchSplitMinRows = minRows;
        layer.ForwardLayer.BatchSplitMinChunkMacs = 0;
        layer.BackwardLayer.BatchSplitMinChunkMacs = 0;
        layer.Build(SampleShape.Sequence(Time, Features));
        layer.Initialize(new Rng(9));
        using (ComputeThreads.Use(threads))
        {
            float[] y = layer.Forward(x, training: true).Span.ToArray();
            float[] dx = layer.Backward(dy, computeInputGradient: true)!.Span.ToArray();
            return (y, dx, layer.Parameters.Select(p => p.Gradient.ToArray()).ToArray());
        }
    }

    private static RecurrentLayer Create(string kind, int units, bool returnSequences, bool goBackwards, float dropout) => kind switch
    {
        "SimpleRNN" => new SimpleRnn(units, returnSequences, goBackwards, dropout, dropout),
        "LSTM" => new Lstm(units, returnSequences, goBackwards, dropout, dropout),
        // Non-default gate activation: the span-operation path instead of the fused kernel.
        "LSTM-hard" => new Lstm(units, returnSequences, goBackwards, dropout, dropout) { RecurrentActivation = ActivationKind.HardSigmoid },
        "GRU" => new Gru(units, returnSequences, goBackwards, dropout, dropout, resetAfter: true),
        "GRU-before" => new Gru(units, returnSequences, goBackwards, dropout, dropout, resetAfter: false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
