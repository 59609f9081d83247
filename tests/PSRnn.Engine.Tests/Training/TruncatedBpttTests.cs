using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>
/// Truncated BPTT (FitOptions.TruncatedBptt): windows of K steps with the state carried and the gradient stopped at
/// the boundaries, against tests/fixtures/tbptt/tbptt_cases.json (make_tbptt.py, PyTorch float64, the state detached
/// between windows): per window the loss, every weight gradient and the weights after the SGD step, within
/// 1e-5·max(1, |expected|). K ≥ T is full BPTT bit for bit; bad settings have stable error IDs.
/// </summary>
public sealed class TruncatedBpttTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    private static readonly Lazy<JsonDocument> Fixtures = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "tbptt", "tbptt_cases.json"))));

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Fixtures.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Windows_MatchPyTorchWithTheStateDetached(string name)
    {
        JsonElement c = Fixtures.Value.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        int[] xShape = Shape(c.GetProperty("input"));
        int batch = xShape[0], time = xShape[1], features = xShape[2];
        bool perStep = c.GetProperty("return_sequences").GetBoolean();
        int units = c.GetProperty("units").GetInt32();
        var model = new Sequential(SampleShape.Sequence(null, features), seed: 7);
        RecurrentLayer recurrent = c.GetProperty("cell").GetString() == "LSTM"
            ? new Lstm(units, returnSequences: perStep)
            : new Gru(units, returnSequences: perStep);
        model.Add(recurrent);
        var dense = new Dense(c.GetProperty("dense_units").GetInt32());
        model.Add(dense);
        JsonElement weights = c.GetProperty("weights");
        var named = new List<(string Key, Parameter P)>();
        foreach ((Layer layer, string prefix) in new (Layer, string)[] { (recurrent, ""), (dense, "dense.") })
        {
            for (int p = 0; p < layer.Parameters.Count; p++)
            {
                string key = prefix + layer.ParameterNames[p];
                JsonElement w = weights.GetProperty(key);
                Assert.Equal(Shape(w), layer.Parameters[p].Shape);
                Floats(w).CopyTo(layer.Parameters[p].Value, 0);
                named.Add((key, layer.Parameters[p]));
            }
        }

        JsonElement y = c.GetProperty("targets");
        Dataset data = Dataset.Create(new Tensor(Floats(c.GetProperty("input")), xShape),
            new Tensor(Floats(y), Shape(y)), model);
        int k = c.GetProperty("truncated_bptt").GetInt32();
        var seen = new List<(int Window, double Loss, Dictionary<string, float[]> Gradients, Dictionary<string, float[]> Weights)>();
        double previousSum = 0;
        int previousRows = 0;
        Trainer.Fit(model, data, null, Losses.FromName("mean_squared_error"), new Sgd((float)c.GetProperty("learning_rate").GetDouble()),
            new FitOptions
            {
                Epochs = 1,
                BatchSize = batch,
                Shuffle = false,
                TruncatedBptt = k,
                Progress = p =>
                {
                    Assert.Equal((time + k - 1) / k, p.Windows);
                    if (!perStep && p.Window < p.Windows)
                    {
                        Assert.True(double.IsNaN(p.Loss)); // no loss yet: forward only
                        return;
                    }

                    int steps = Math.Min(k, time - ((p.Window - 1) * k));
                    int rows = perStep ? previousRows + (batch * steps) : batch;
                    double sum = p.Loss * rows;
                    double windowLoss = perStep ? (sum - previousSum) / (batch * steps) : p.Loss;
                    (previousSum, previousRows) = (sum, rows);
                    seen.Add((p.Window - 1, windowLoss,
                        named.ToDictionary(n => n.Key, n => (float[])n.P.Gradient.Clone()),
                        named.ToDictionary(n => n.Key, n => (float[])n.P.Value.Clone())));
                },
            });

        JsonElement[] expected = [.. c.GetProperty("windows").EnumerateArray()];
        Assert.Equal(expected.Length, seen.Count);
        double worst = 0;
        foreach ((JsonElement e, int i) in expected.Select((e, i) => (e, i)))
        {
            foreach ((string key, _) in named)
            {
                double[] g = Doubles(e.GetProperty("gradients").GetProperty(key)), v = Doubles(e.GetProperty("weights_after").GetProperty(key));
                for (int j = 0; j < g.Length; j++)
                {
                    worst = Math.Max(worst, Math.Abs(g[j] - seen[i].Gradients[key][j]) / Math.Max(1, Math.Abs(g[j])));
                    worst = Math.Max(worst, Math.Abs(v[j] - seen[i].Weights[key][j]) / Math.Max(1, Math.Abs(v[j])));
                }
            }
        }

        output.WriteLine($"{name}: {expected.Length} window(s), largest difference {worst:E2}");
        for (int i = 0; i < expected.Length; i++)
        {
            JsonElement e = expected[i];
            string at = $"{name} window {e.GetProperty("window").GetInt32()}";
            Assert.Equal(e.GetProperty("window").GetInt32(), seen[i].Window);
            TrainingFixtures.AssertClose(e.GetProperty("loss").GetDouble(), seen[i].Loss, Tolerance, at + " loss");
            foreach ((string key, _) in named)
            {
                TrainingFixtures.AssertAllClose(Doubles(e.GetProperty("gradients").GetProperty(key)), seen[i].Gradients[key], Tolerance, $"{at} d{key}");
                TrainingFixtures.AssertAllClose(Doubles(e.GetProperty("weights_after").GetProperty(key)), seen[i].Weights[key], Tolerance, $"{at} {key} after");
            }
        }
    }

    [Theory]
    [InlineData(false, 6)]
    [InlineData(false, 9)]
    [InlineData(true, 6)]
    [InlineData(true, 1000)]
    public void KAtLeastTheSequenceLength_IsFullBpttBitForBit(bool perStep, int k)
    {
        (Tensor x, Tensor y) = Data(13, 6, 3, perStep, 5);
        float[] full = Train(perStep, x, y, null, out IReadOnlyList<EpochRecord> fullHistory);
        float[] windowed = Train(perStep, x, y, k, out IReadOnlyList<EpochRecord> windowedHistory);
        Assert.Equal(full, windowed);
        Assert.Equal(fullHistory.Select(r => r.Loss), windowedHistory.Select(r => r.Loss));
        Assert.Equal(fullHistory.Select(r => r.ValidationLoss), windowedHistory.Select(r => r.ValidationLoss));
    }

    [Fact]
    public void KBelowTheSequenceLength_TrainsDifferentlyAndReportsEveryWindow()
    {
        (Tensor x, Tensor y) = Data(10, 7, 3, true, 5);
        var reports = new List<TrainingProgress>();
        float[] full = Train(true, x, y, null, out _);
        float[] windowed = Train(true, x, y, 3, out IReadOnlyList<EpochRecord> history, reports.Add);
        Assert.NotEqual(full, windowed);
        Assert.All(history, r => Assert.True(double.IsFinite(r.Loss) && r.Loss > 0));
        // 2 epochs × 3 batches (4, 4, 2) × 3 windows (3, 3, 1 steps).
        Assert.Equal(2 * 3 * 3, reports.Count);
        Assert.All(reports, r => Assert.Equal(3, r.Windows));
        Assert.Equal([1, 2, 3], reports.Take(3).Select(r => r.Window));
        Assert.Equal([1, 1, 1], reports.Take(3).Select(r => r.Batch));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void KNotPositive_IsRefused(int k)
    {
        (Tensor x, Tensor y) = Data(4, 6, 3, false, 1);
        var e = Assert.Throws<ModelException>(() => Train(false, x, y, k, out _));
        Assert.Equal("TruncatedBpttNotPositive", e.ErrorId);
    }

    [Fact]
    public void Bidirectional_IsRefused()
    {
        (Tensor x, Tensor y) = Data(4, 6, 3, false, 1);
        var model = new Sequential(SampleShape.Sequence(null, 3), seed: 3);
        model.Add(new Bidirectional(new Lstm(4)));
        model.Add(new Dense(2));
        Dataset data = Dataset.Create(x, y, model);
        var e = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(),
            new FitOptions { TruncatedBptt = 2 }));
        Assert.Equal("TruncatedBpttBidirectional", e.ErrorId);
    }

    [Fact]
    public void LayersThatReadAcrossSteps_AreRefused()
    {
        // A window would see only its own steps: attention over it, or a convolution at its edges, differ from the whole's.
        (Tensor x, Tensor y) = Data(4, 6, 3, false, 1);
        var model = new Sequential(SampleShape.Sequence(null, 3), seed: 3);
        model.Add(new Lstm(4, returnSequences: true));
        model.Add(new SelfAttention());
        model.Add(new Gru(2));
        model.Add(new Dense(2));
        Dataset data = Dataset.Create(x, y, model);
        var e = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(),
            new FitOptions { TruncatedBptt = 2 }));
        Assert.Equal("TruncatedBpttAcrossSteps", e.ErrorId);
    }

    [Fact]
    public void FixedLengthModel_WindowsShorterThanItsLength_AreRefusedWithTheFix()
    {
        (Tensor x, Tensor y) = Data(4, 6, 3, false, 1);
        var model = new Sequential(SampleShape.Sequence(6, 3), seed: 3);
        model.Add(new Gru(4));
        model.Add(new Dense(2));
        Dataset data = Dataset.Create(x, y, model);
        var e = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(),
            new FitOptions { TruncatedBptt = 2 }));
        Assert.Equal("TruncatedBpttFixedTime", e.ErrorId);
        Assert.Contains("-InputShape 0, 3", e.Message, StringComparison.Ordinal);
        // One window (K ≥ T) is fine on a fixed-length model.
        Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(), new FitOptions { TruncatedBptt = 6 });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Masked_WindowedValidationEqualsTheFullSequences(bool perStep)
    {
        // Post padding for per-step targets, pre padding (Keras's default) for last-step targets: windows of padding only.
        const int count = 6, time = 11, features = 2;
        (Tensor x, Tensor y) = Data(count, time, features, perStep, 9);
        float[] xs = (float[])x.ToSingleArray(out _).Clone();
        int[] lengths = [11, 3, 7, 1, 9, 5];
        for (int n = 0; n < count; n++)
        {
            for (int t = 0; t < time; t++)
            {
                bool real = perStep ? t < lengths[n] : t >= time - lengths[n];
                if (!real)
                {
                    Array.Clear(xs, ((n * time) + t) * features, features);
                }
            }
        }

        var model = new Sequential(SampleShape.Sequence(null, features), seed: 21);
        model.Add(new Masking(0f));
        model.Add(new Lstm(5, returnSequences: perStep));
        model.Add(new Dense(2));
        Dataset data = Dataset.Create(new Tensor(xs, count, time, features), y, model);
        Loss loss = Losses.FromName("mse");
        IReadOnlyList<EpochRecord> history = Trainer.Fit(model, data, data, loss, new Sgd(0.05f),
            new FitOptions { Epochs = 2, BatchSize = 4, Shuffle = false, TruncatedBptt = 3 });
        Assert.All(history, r => Assert.True(double.IsFinite(r.Loss)));
        double full = Trainer.Evaluate(model, data, loss, batchSize: count).Loss;
        // Validation ran in batches of 4 windowed; the full evaluation in one batch: the same mean over the real rows.
        double windowed = Trainer.Fit(model, data, data, loss, new Sgd(0f),
            new FitOptions { Epochs = 1, BatchSize = count, Shuffle = false, TruncatedBptt = 3 })[0].ValidationLoss!.Value;
        TrainingFixtures.AssertClose(full, windowed, 1e-6, "validation loss");
    }

    [Fact]
    public void MemoryCheck_CountsTheWindowNotTheSequence()
    {
        // LSTM(512) over 64 × 20,000 steps: the gate workspace alone (1.28 M rows × 2,048) is more than one .NET array.
        var model = new Sequential(SampleShape.Sequence(null, 1), seed: 5);
        model.Add(new Lstm(512));
        model.Add(new Dense(1));
        Dataset data = Dataset.Create(new Tensor(new float[64 * 20_000], 64, 20_000, 1), new Tensor(new float[64], 64, 1), model);
        var full = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(),
            new FitOptions { BatchSize = 64 }));
        Assert.Equal("InsufficientMemory", full.ErrorId);
        // With K = 100 the check passes; the (pre-cancelled) run stops at the first batch boundary.
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        Assert.Throws<OperationCanceledException>(() => Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(),
            new FitOptions { BatchSize = 64, TruncatedBptt = 100, Cancellation = stop.Token }));
    }

    [Fact]
    public void MemoryEstimate_OfTheMillionStepRun_IsTheWindows()
    {
        // README's run: LSTM(32, return sequences) → Dense(1), batch 2, 1,000,000 steps of 4 features, K = 200.
        var model = new Sequential(SampleShape.Sequence(null, 4), seed: 1);
        model.Add(new Lstm(32, returnSequences: true));
        model.Add(new Dense(1));
        long window = WorkspaceEstimate.Bytes(model, 2, 200, training: true, out _);
        long whole = WorkspaceEstimate.Bytes(model, 2, 1_000_000, training: true, out _);
        output.WriteLine($"workspaces: K = 200 {window:N0} bytes; whole sequences {whole:N0} bytes");
        Assert.True(window < 1 << 20);
        Assert.Equal(whole, window * 5000);
    }

    [Fact]
    public void CancelledMidBatch_KeepsTheLastCompletedEpoch()
    {
        (Tensor x, Tensor y) = Data(8, 9, 3, true, 4);
        Sequential model = Model(true, 3);
        Dataset data = Dataset.Create(x, y, model);
        Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(0.1f), new FitOptions { Epochs = 1, TruncatedBptt = 2, Shuffle = false });
        float[] afterEpoch = model.SnapshotWeights(null);
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Trainer.Fit(model, data, null, Losses.FromName("mse"), new Sgd(0.1f),
            new FitOptions
            {
                Epochs = 2,
                TruncatedBptt = 2,
                Cancellation = stop.Token,
                Progress = p =>
                {
                    if (p.Window == 2)
                    {
                        stop.Cancel();
                    }
                },
            }));
        Assert.Equal(afterEpoch, model.SnapshotWeights(null));
        Assert.All(model.Layers.OfType<RecurrentLayer>(), r => Assert.Null(r.State));
    }

    [Fact]
    public void Checkpoint_RecordsAndRestoresK()
    {
        (Tensor x, Tensor y) = Data(6, 8, 3, false, 2);
        Sequential model = Model(false, 3);
        Dataset data = Dataset.Create(x, y, model);
        FitState? state = null;
        Trainer.Fit(model, data, null, Losses.FromName("mse"), new Adam(), new FitOptions
        {
            Epochs = 1,
            TruncatedBptt = 3,
            EpochCompleted = (_, s) => state = s,
        });
        Assert.Equal(3, state!.Settings!.TruncatedBptt);
        string dir = Path.Combine(Path.GetTempPath(), "psrnn-tbptt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "m.last.safetensors");
            ModelFile.SaveCheckpoint(file, model, state);
            Assert.Equal(3, ModelFile.LoadWithState(file).Checkpoint!.Settings!.TruncatedBptt);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static float[] Train(bool perStep, Tensor x, Tensor y, int? k, out IReadOnlyList<EpochRecord> history,
        Action<TrainingProgress>? progress = null)
    {
        Sequential model = Model(perStep, x.Shape[2]);
        Dataset data = Dataset.Create(x, y, model);
        history = Trainer.Fit(model, data, data, Losses.FromName("mse"), new Adam(0.01f), new FitOptions
        {
            Epochs = 2,
            BatchSize = 4,
            Seed = 11,
            TruncatedBptt = k,
            Progress = progress,
        });
        return model.SnapshotWeights(null);
    }

    private static Sequential Model(bool perStep, int features)
    {
        var model = new Sequential(SampleShape.Sequence(null, features), seed: 17);
        model.Add(new Lstm(6, returnSequences: true));
        model.Add(new Gru(5, returnSequences: perStep));
        model.Add(new Dense(2));
        return model;
    }

    private static (Tensor X, Tensor Y) Data(int count, int time, int features, bool perStep, int seed)
    {
        var rng = new Rng((ulong)seed);
        var x = new float[count * time * features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.Uniform(-1, 1);
        }

        int outputs = perStep ? count * time * 2 : count * 2;
        var y = new float[outputs];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (float)rng.Uniform(-1, 1);
        }

        return (new Tensor(x, count, time, features), perStep ? new Tensor(y, count, time, 2) : new Tensor(y, count, 2));
    }

    private static int[] Shape(JsonElement a) => [.. a.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];

    private static double[] Doubles(JsonElement a) => TrainingFixtures.Doubles(a.GetProperty("data"));

    private static float[] Floats(JsonElement a) => TrainingFixtures.Floats(a.GetProperty("data"));
}
