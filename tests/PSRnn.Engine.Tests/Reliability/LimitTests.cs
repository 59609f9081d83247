using System.Text;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Fuzz;

namespace PSRnn.Engine.Tests.Reliability;

/// <summary>
/// Inputs beyond memory are refused before anything is allocated, with the memory they need; 10,000-step sequences train;
/// one sample, one step and one unit work for every layer, in training, prediction and evaluation.
/// </summary>
public sealed class LimitTests
{
    private static byte[] NpyHeaderOnly(string shape, string descr = "<f4")
    {
        string text = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        text = text.PadRight(((text.Length + 11) / 64 * 64) + 53) + "\n";
        byte[] header = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(text.Length & 0xFF), (byte)(text.Length >> 8)];
        return [.. header, .. Encoding.ASCII.GetBytes(text), 1, 2, 3, 4];
    }

    [Fact]
    public void ANpyHeaderClaimingATrillionElementsIsRefusedWithTheMemoryItNeeds()
    {
        byte[] file = NpyHeaderOnly("(1000000, 1000000)");
        foreach (Stream stream in new Stream[] { new MemoryStream(file), new UnseekableStream(file) })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            DataFormatException e = Assert.Throws<DataFormatException>(() => NpyFormat.Read(stream, "huge.npy"));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "refused only after allocating");
            Assert.Equal("NpyShapeOverflow", e.ErrorId);
            Assert.Equal(DataErrorKind.LimitsExceeded, e.Kind);
            Assert.Contains("1,000,000,000,000 elements (3.6 TiB (4,000,000,000,000 bytes) of memory)", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ANpyLargerThanMemoryIsRefusedBeforeItsDataIsRead()
    {
        // 600 M float32 (2.2 GiB) fit one .NET array; against a 1 GiB budget they are refused, from a file or a pipe.
        byte[] file = NpyHeaderOnly("(600000000,)");
        using (MemoryBudget.Limit(1L << 30))
        {
            foreach (Stream stream in new Stream[] { new MemoryStream(file), new UnseekableStream(file) })
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                DataFormatException e = Assert.Throws<DataFormatException>(() => NpyFormat.Read(stream, "big.npy"));
                Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "refused only after allocating");
                Assert.Equal("NpyExceedsMemory", e.ErrorId);
                Assert.Contains("needs 2.2 GiB (2,400,000,000 bytes) of memory; this process can use at most 1.0 GiB", e.Message, StringComparison.Ordinal);
            }
        }

        // Within the budget the same header is judged by the file: it holds 4 bytes, not 2.4 GB.
        Assert.Equal("NpyTruncatedData", Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(file), "big.npy")).ErrorId);
    }

    [Fact]
    public void TrainingWhoseWorkspacesExceedMemoryIsRefusedUpFront()
    {
        // 32 sequences of 70,000 steps through LSTM(256): the gate buffer alone is 32·70,000·1024 floats (9.2 GB).
        var model = new Sequential(SampleShape.Sequence(70_000, 1), seed: 1);
        model.Add(new Lstm(256));
        model.Add(new Dense(2, ActivationKind.Softmax));
        var x = new Tensor(new float[32 * 70_000], 32, 70_000, 1);
        var y = new Tensor(new long[32], 32);
        Dataset data = Dataset.Create(x, y, model);
        Loss loss = Trainer.ResolveLoss(model, null, data);

        long before = GC.GetAllocatedBytesForCurrentThread();
        ModelException fit = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions()));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "refused only after allocating");
        Assert.Equal("InsufficientMemory", fit.ErrorId);
        Assert.Matches(@"Training the model on batches of 32 × 70000 steps needs a workspace of 2,293,760,000 values, more than one \.NET array holds", fit.Message);
        Assert.Contains("-BatchSize", fit.Message, StringComparison.Ordinal);
        Assert.Empty(model.History);

        // Batches of one fit one array, but not a 512 MiB budget: the message gives the whole figure.
        using (MemoryBudget.Limit(1L << 29))
        {
            ModelException small = Assert.Throws<ModelException>(() =>
                Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions { BatchSize = 1 }));
            Assert.Matches(@"needs \d+\.\d GiB \([\d,]+ bytes\) of memory; this process can use at most 512\.0 MiB", small.Message);
            Assert.Equal("InsufficientMemory", Assert.Throws<ModelException>(() => Trainer.Predict(model, data, batchSize: 1)).ErrorId);
            Assert.Equal("InsufficientMemory", Assert.Throws<ModelException>(() => Trainer.Evaluate(model, data, loss, batchSize: 1)).ErrorId);
        }
    }

    public static TheoryData<string> RecurrentKinds() => ["LSTM", "GRU", "SimpleRNN"];

    private static RecurrentLayer Recurrent(string kind, int units, bool returnSequences = false) => kind switch
    {
        "LSTM" => new Lstm(units, returnSequences),
        "GRU" => new Gru(units, returnSequences),
        "GRU-reset-before" => new Gru(units, returnSequences, resetAfter: false),
        _ => new SimpleRnn(units, returnSequences),
    };

    [Theory]
    [MemberData(nameof(RecurrentKinds))]
    public void TenThousandStepSequencesTrainOnASmallStack(string kind)
    {
        // The time loops are loops, not recursion: training runs on a thread with a 256 KiB stack (the default is 8 MiB),
        // and its allocations stay within the workspace estimate, which is linear in the steps.
        const int steps = 10_000;
        var model = new Sequential(SampleShape.Sequence(steps, 2), seed: 4);
        model.Add(Recurrent(kind, 3));
        model.Add(new Dense(2, ActivationKind.Softmax));
        (Tensor x, Tensor y) = ToyTask.Data(4, steps, 2, 5);
        Exception? failure = null;
        long allocated = 0;
        var thread = new Thread(
            () =>
            {
                try
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    ToyTask.Fit(model, x, y, new FitOptions { Epochs = 2, BatchSize = 2, ThreadCount = 1 });
                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        Assert.Equal(2, model.History.Count);
        Assert.True(model.History.All(r => double.IsFinite(r.Loss)));
        long estimate = WorkspaceEstimate.Bytes(model, 2, steps, training: true, out _);
        Assert.True(allocated < (2 * estimate) + (x.Length * 4L) + (1 << 20), $"allocated {allocated} bytes; workspaces {estimate}");
    }

    [Fact]
    public void TheAttentionWorkspaceGrowsWithTheSquareOfTheSteps()
    {
        // Its scores and weights are (B, T, T): the estimate that refuses a batch too large must see that.
        var model = new Sequential(SampleShape.Sequence(null, 2), seed: 1);
        model.Add(new SelfAttention());
        long shorter = WorkspaceEstimate.Bytes(model, 4, 1000, training: true, out _);
        long longer = WorkspaceEstimate.Bytes(model, 4, 2000, training: true, out long largest);
        Assert.True(longer > 3.5 * shorter, $"{shorter} → {longer} bytes");
        Assert.Equal(4L * 2000 * 2000, largest);
    }

    [Fact]
    public void TheMultiHeadAttentionWorkspaceGrowsWithHeadsTimesTheSquareOfTheSteps()
    {
        // Its weights are (B, H, T, T).
        var model = new Sequential(SampleShape.Sequence(null, 2), seed: 1);
        model.Add(new MultiHeadAttention(3, 4));
        long shorter = WorkspaceEstimate.Bytes(model, 4, 1000, training: true, out _);
        long longer = WorkspaceEstimate.Bytes(model, 4, 2000, training: true, out long largest);
        Assert.True(longer > 3.5 * shorter, $"{shorter} → {longer} bytes");
        Assert.Equal(4L * 3 * 2000 * 2000, largest);
    }

    [Fact]
    public void TheMinGruWorkspaceIsCountedPerRow()
    {
        // P and dP (2U each), the saved z and h̃, the states, the output and the input gradient: linear in the steps.
        var model = new Sequential(SampleShape.Sequence(null, 3), seed: 1);
        model.Add(new MinGru(8, returnSequences: true));
        long bytes = WorkspaceEstimate.Bytes(model, 4, 100, training: true, out long largest);
        Assert.Equal(4L * 100 * ((6 * 8) + (2 * 8) + 3) * sizeof(float), bytes);
        Assert.Equal(4L * 100 * 16, largest);
    }

    public static TheoryData<string> DegenerateModels() =>
        ["LSTM", "GRU", "GRU-reset-before", "SimpleRNN", "Bidirectional", "Dense", "Dropout", "Embedding", "Sequences",
            "BidirectionalMul", "Conv1D", "LayerNormalization", "Pooling", "Attention", "MultiHeadAttention", "MinGRU-MinLSTM"];

    [Theory]
    [MemberData(nameof(DegenerateModels))]
    public void OneSampleOneStepOneUnitWorkEverywhere(string kind)
    {
        var model = new Sequential(kind == "Embedding" ? SampleShape.Vector(1) : SampleShape.Sequence(1, 1), seed: 6);
        switch (kind)
        {
            case "Bidirectional":
                model.Add(new Bidirectional(new Lstm(1)));
                break;
            case "Dense":
                model.Add(new Lstm(1, returnSequences: true));
                model.Add(new Dense(1, ActivationKind.Tanh));
                model.Add(new SimpleRnn(1));
                break;
            case "Dropout":
                model.Add(new DropoutLayer(0.5f));
                model.Add(new Gru(1));
                break;
            case "Embedding":
                model.Add(new Embedding(1, 1));
                model.Add(new Lstm(1));
                break;
            case "BidirectionalMul":
                model.Add(new Bidirectional(new Gru(1), mergeMode: BidirectionalMerge.Mul));
                break;
            case "Conv1D":
                model.Add(new Conv1D(1, 1, padding: Conv1DPadding.Causal));
                model.Add(new Lstm(1));
                break;
            case "LayerNormalization":
                model.Add(new Lstm(1, returnSequences: true));
                model.Add(new LayerNormalization()); // one feature: x̂ = 0, so only beta reaches the output
                model.Add(new Gru(1));
                break;
            case "Pooling":
                model.Add(new SimpleRnn(1, returnSequences: true));
                model.Add(new GlobalPooling1D(GlobalPoolingMode.Max));
                break;
            case "Attention":
                model.Add(new Gru(1, returnSequences: true));
                model.Add(new SelfAttention(useScale: true, causal: true));
                model.Add(new GlobalPooling1D(GlobalPoolingMode.Average));
                break;
            case "MultiHeadAttention":
                model.Add(new Lstm(1, returnSequences: true));
                model.Add(new MultiHeadAttention(1, 1, causal: true));
                model.Add(new Gru(1));
                break;
            case "MinGRU-MinLSTM":
                model.Add(new MinGru(1, returnSequences: true));
                model.Add(new MinLstm(1));
                break;
            case "Sequences":
                model.Add(new Gru(1, returnSequences: true));
                model.Add(new Lstm(1, returnSequences: true));
                model.Add(new SimpleRnn(1));
                break;
            default:
                model.Add(Recurrent(kind, 1));
                break;
        }

        model.Add(new Dense(1, ActivationKind.Sigmoid));
        Tensor x = kind == "Embedding" ? new Tensor(new long[] { 0 }, 1, 1) : new Tensor(new float[] { 0.5f }, 1, 1, 1);
        var y = new Tensor(new float[] { 1 }, 1, 1);
        Dataset data = Dataset.Create(x, y, model);
        Loss loss = Trainer.ResolveLoss(model, null, data);
        float[] initial = model.SnapshotWeights();
        Trainer.Fit(model, data, null, loss, new Adam(0.1f), new FitOptions { Epochs = 3, BatchSize = 1 });
        Assert.Equal(3, model.History.Count);
        Assert.True(model.History[2].Loss < model.History[0].Loss, $"{kind}: loss {model.History[0].Loss} → {model.History[2].Loss}");
        Assert.NotEqual(initial, model.SnapshotWeights());
        float p = Assert.Single(Trainer.Predict(model, data));
        Assert.InRange(p, 0f, 1f);
        EvaluationResult evaluated = Trainer.Evaluate(model, data, loss);
        Assert.Equal(-Math.Log(p), evaluated.Loss, 5);
    }
}
