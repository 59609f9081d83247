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
    public void DefaultThresholdSplitsBatch16OverTwoThreadsWithTheSameBits(string kind)
    {
        RunPair(kind, true, false, 0.2f, batch: 16, threads: 2, minRows: BatchSplit.DefaultMinRows);
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
        layer.Build(SampleShape.Sequence(Time, Features));
        layer.Initialize(new Rng(3));
        Activations x = GradientCheck.RandomInput(6, Time, Features, true, 2);
        Activations dy = GradientCheck.RandomInput(6, Time, 8, true, 3);
        using (ComputeThreads.Use(2))
        {
            layer.Forward(x, true);
            layer.Backward(dy, true);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++)
            {
                layer.Forward(x, true);
                layer.Backward(dy, true);
            }

            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
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

    [Theory]
    [InlineData(32, 1, 8, 1)]
    [InlineData(32, 2, 8, 2)]
    [InlineData(15, 2, 8, 1)]
    [InlineData(16, 2, 8, 2)]
    [InlineData(64, 4, 8, 4)]
    [InlineData(20, 4, 8, 2)]
    [InlineData(1, 2, 2, 1)]
    [InlineData(7, 3, 2, 3)]
    public void ChunkPlanDependsOnlyOnBatchThreadsAndMinimum(int batch, int threads, int minRows, int expected)
    {
        var split = new BatchSplit { MinRows = minRows };
        using (ComputeThreads.Use(threads))
        {
            Assert.Equal(expected, split.ChunkCount(batch));
        }

        // Contiguous, covering, at least minRows each when split.
        int previous = 0;
        for (int c = 1; c <= expected; c++)
        {
            int start = BatchSplit.ChunkStart(batch, expected, c);
            Assert.True(expected == 1 || start - previous >= minRows);
            previous = start;
        }

        Assert.Equal(batch, previous);
    }

    [Fact]
    public void RunsEveryRowOnceAndRethrowsAWorkersException()
    {
        var split = new BatchSplit { MinRows = 2 };
        var seen = new int[9];
        using (ComputeThreads.Use(3))
        {
            split.Run(9, (b0, b1) =>
            {
                // Inside a chunk the products are single-threaded.
                Assert.Equal(1, ComputeThreads.Current);
                for (int b = b0; b < b1; b++)
                {
                    Interlocked.Increment(ref seen[b]);
                }
            });
            Assert.All(seen, n => Assert.Equal(1, n));

            var error = Assert.Throws<InvalidOperationException>(() => split.Run(9, (b0, _) =>
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
            split.Run(9, (b0, b1) =>
            {
                calls++;
                Assert.Equal((0, 9), (b0, b1));
            });
            Assert.Equal(1, calls);
        }
    }

    // Two identically initialised layers, one run unsplit on one thread, the other split: same bits everywhere.
    private static void RunPair(string kind, bool returnSequences, bool goBackwards, float dropout, int batch, int threads, int minRows)
    {
        Activations x = GradientCheck.RandomInput(batch, Time, Features, true, 5);
        Activations dy = GradientCheck.RandomInput(batch, returnSequences ? Time : 1, 4, returnSequences, 6);
        (float[] y1, float[] dx1, float[][] g1) = Run(kind, returnSequences, goBackwards, dropout, x, dy, 1, BatchSplit.DefaultMinRows);
        (float[] y2, float[] dx2, float[][] g2) = Run(kind, returnSequences, goBackwards, dropout, x, dy, threads, minRows);
        Assert.Equal(y1, y2);
        Assert.Equal(dx1, dx2);
        for (int i = 0; i < g1.Length; i++)
        {
            Assert.Equal(g1[i], g2[i]);
        }
    }

    // Two training batches (so the second sees grown, reused workspaces), gradients accumulated over both.
    private static (float[] Y, float[] Dx, float[][] Gradients) Run(string kind, bool returnSequences, bool goBackwards,
        float dropout, Activations x, Activations dy, int threads, int minRows)
    {
        RecurrentLayer layer = Create(kind, 4, returnSequences, goBackwards, dropout);
        layer.BatchSplitMinRows = minRows;
        layer.Build(SampleShape.Sequence(Time, Features));
        layer.Initialize(new Rng(42));
        using (ComputeThreads.Use(threads))
        {
            Assert.Equal(threads < 2 ? 1 : Math.Min(threads, x.Batch / minRows), new BatchSplit { MinRows = minRows }.ChunkCount(x.Batch));
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
