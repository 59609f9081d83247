using System.Runtime.Intrinsics.X86;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// Prediction at int8 and bfloat16 on the PyTorch parity fixtures' models (SimpleRNN, LSTM, GRU both resets, with Dense):
/// the output is the float32 output of the same model with its kernels replaced by their dequantized values (within
/// float rounding, 1e-5), so every product of W, U and the Dense kernel went through the quantized copy; and it stays
/// within the stated distance of the float32 model (int8 1e-2, bfloat16 5e-3 absolute). Each on every kernel path. Float32 under a scope is the default's bits; training ignores the setting.
/// </summary>
public sealed class QuantizedPredictionTests
{
    // Largest |int8 − float32| and |bfloat16 − float32| allowed on the fixtures' outputs; the worst measured are 4.1e-3 and
    // 2.1e-3 (simplernn_relu_sequences, on every path).
    private const double Int8Tolerance = 1e-2;
    private const double BFloat16Tolerance = 5e-3;

    private static IEnumerable<GemmPath> Paths()
    {
        yield return GemmPath.Scalar;
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            yield return GemmPath.Vector256;
        }

        if (Avx512F.IsSupported)
        {
            yield return GemmPath.Vector512;
        }
    }

    public static TheoryData<string, string, string> FixtureCases()
    {
        var data = new TheoryData<string, string, string>();
        var names = new List<string>();
        foreach (string kind in new[] { "SimpleRNN", "LSTM" })
        {
            foreach (string name in RnnFixtures.CaseNames(kind))
            {
                names.Add(name);
            }
        }

        foreach (string name in GruFixtureTests.CaseNames())
        {
            names.Add("gru:" + name);
        }
        foreach (GemmPath path in Paths())
        {
            foreach (string precision in new[] { nameof(WeightPrecision.Int8), nameof(WeightPrecision.BFloat16) })
            {
                foreach (string name in names.Distinct())
                {
                    data.Add(path.ToString(), precision, name);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void OutputIsTheDequantizedModelsAndCloseToFloat32(string path, string precision, string name)
    {
        var p = Enum.Parse<WeightPrecision>(precision);
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            (List<Layer> layers, Activations x) = Load(name);
            float[] float32 = Run(layers, x).Span.ToArray();
            float[] quantized;
            using (InferencePrecision.Use(p))
            {
                quantized = Run(layers, x).Span.ToArray();
            }

            (List<Layer> dequantizedLayers, _) = Load(name);
            foreach (Parameter w in dequantizedLayers.SelectMany(l => l.Parameters).Where(w => w.Name is "kernel" or "recurrent_kernel"))
            {
                Dequantize(w, p);
            }

            float[] dequantized = Run(dequantizedLayers, x).Span.ToArray();
            Assert.Equal(float32.Length, quantized.Length);
            double change = 0;
            for (int i = 0; i < quantized.Length; i++)
            {
                Assert.True(Math.Abs(quantized[i] - dequantized[i]) <= 1e-5 * Math.Max(1, Math.Abs(dequantized[i])),
                    $"{name} {precision} on {path}: output {i} is {quantized[i]}, the dequantized model's {dequantized[i]}");
                change = Math.Max(change, Math.Abs(quantized[i] - float32[i]));
            }

            Assert.True(change <= (p == WeightPrecision.Int8 ? Int8Tolerance : BFloat16Tolerance),
                $"{name} {precision}: largest change from float32 {change}");
            Assert.True(change > 0, $"{name} {precision}: the output did not change at all, so the quantized kernels were not used");
        }
    }

    [Fact]
    public void Float32UnderAScopeIsTheDefaultBitForBit()
    {
        Sequential model = Model();
        Dataset data = Data(model);
        float[] plain = Trainer.Predict(model, data, 4);
        Assert.Equal(plain, Trainer.Predict(model, data, 4, precision: WeightPrecision.Float32));
        using (InferencePrecision.Use(WeightPrecision.Float32))
        {
            Assert.Equal(plain, Trainer.Predict(model, data, 4));
        }

        Assert.NotEqual(plain, Trainer.Predict(model, data, 4, precision: WeightPrecision.Int8));
        Assert.Equal(WeightPrecision.Float32, InferencePrecision.Current);
    }

    [Theory]
    [InlineData(nameof(WeightPrecision.Int8))]
    [InlineData(nameof(WeightPrecision.BFloat16))]
    public void QuantizedCopiesAreKeptUntilTheWeightsChange(string precision)
    {
        var p = Enum.Parse<WeightPrecision>(precision);
        Sequential model = Model();
        Dataset data = Data(model);
        float[] before = Trainer.Predict(model, data, 4, precision: p);
        Parameter kernel = model.Layers[0].Parameters[0];
        QuantizedMatrix? kept = kernel.QuantizedFor(p);
        Assert.Same(kept, kernel.QuantizedFor(p));
        WeightPrecision other = p == WeightPrecision.Int8 ? WeightPrecision.BFloat16 : WeightPrecision.Int8;
        Assert.NotEqual(before, Trainer.Predict(model, data, 4, precision: other));
        Assert.Same(kept, kernel.QuantizedFor(p));
        Assert.Equal(before, Trainer.Predict(model, data, 4, precision: p));

        // A training epoch changes the weights: the next prediction quantizes them again, as a fresh model with these
        // weights does.
        Loss loss = Trainer.ResolveLoss(model, "sparse_categorical_crossentropy", data);
        Trainer.Fit(model, data, null, loss, new Adam(0.05f), new FitOptions { Epochs = 1, BatchSize = 4, Seed = 1 });
        float[] after = Trainer.Predict(model, data, 4, precision: p);
        Assert.NotSame(kept, kernel.QuantizedFor(p));
        Sequential fresh = Model();
        fresh.RestoreWeights(model.SnapshotWeights());
        Assert.Equal(Trainer.Predict(fresh, data, 4, precision: p), after);
        Assert.NotEqual(before, after);
    }

    [Theory]
    [InlineData(nameof(WeightPrecision.Int8))]
    [InlineData(nameof(WeightPrecision.BFloat16))]
    public void BothDirectionsOfABidirectionalLayerAndMaskedStepsReadTheQuantizedKernels(string precision)
    {
        // A masked batch: the input projection may cover the real rows only (compacted); it reads the quantized W too.
        var p = Enum.Parse<WeightPrecision>(precision);
        Sequential Build()
        {
            var model = new Sequential(SampleShape.Sequence(null, 3), "bi", 4);
            model.Add(new Masking());
            model.Add(new Bidirectional(new Gru(7, name: "gru")));
            model.Add(new Dense(4, ActivationKind.Softmax, name: "out"));
            return model;
        }

        Sequential quantized = Build(), dequantized = Build();
        Activations x = GradientCheck.RandomInput(5, 6, 3, true, 9);
        x.Span.Slice(((2 * 6) + 4) * 3, 6).Clear(); // sample 2 ends two steps early
        foreach (Parameter w in dequantized.Parameters.Where(w => w.Name is "kernel" or "recurrent_kernel"))
        {
            Dequantize(w, p);
        }

        float[] expected = dequantized.Forward(x, false).Span.ToArray();
        float[] actual;
        using (InferencePrecision.Use(p))
        {
            actual = quantized.Forward(x, false).Span.ToArray();
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5, $"output {i}: {actual[i]} against the dequantized model's {expected[i]}");
        }
    }

    [Theory]
    [InlineData(nameof(WeightPrecision.Int8))]
    [InlineData(nameof(WeightPrecision.BFloat16))]
    public void AProjectedLstmQuantizesUButNotItsProjectionAndIndRnnItsInputKernel(string precision)
    {
        // The projection W_hr is another product of the step (and IndRNN's u no product at all): only U's products may
        // read U's quantized copy, so these models run, and equal their dequantized twins.
        var p = Enum.Parse<WeightPrecision>(precision);
        Sequential Build()
        {
            var model = new Sequential(SampleShape.Sequence(null, 3), "projected", 6);
            model.Add(new Masking());
            model.Add(new Lstm(6, returnSequences: true) { ProjectionSize = 3 });
            model.Add(new IndRnn(5));
            model.Add(new Dense(2, ActivationKind.Softmax));
            return model;
        }

        Sequential quantized = Build(), dequantized = Build();
        Activations x = GradientCheck.RandomInput(4, 5, 3, true, 2);
        x.Span.Slice(((1 * 5) + 3) * 3, 6).Clear();
        foreach (Parameter w in dequantized.Parameters.Where(w => w.Name is "kernel" || (w.Name is "recurrent_kernel" && w.Shape.Count == 2)))
        {
            Dequantize(w, p);
        }

        float[] expected = dequantized.Forward(x, false).Span.ToArray();
        float[] actual;
        using (InferencePrecision.Use(p))
        {
            actual = quantized.Forward(x, false).Span.ToArray();
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5, $"output {i}: {actual[i]} against the dequantized model's {expected[i]}");
        }
    }

    [Fact]
    public void TrainingIgnoresThePrecision()
    {
        Sequential a = Model(), b = Model();
        Dataset data = Data(a);
        Loss loss = Trainer.ResolveLoss(a, "sparse_categorical_crossentropy", data);
        var options = new FitOptions { Epochs = 1, BatchSize = 4, Seed = 1 };
        Trainer.Fit(a, data, null, loss, new Adam(0.01f), options);
        using (InferencePrecision.Use(WeightPrecision.Int8))
        {
            Trainer.Fit(b, data, null, loss, new Adam(0.01f), options);
        }

        Assert.Equal(a.SnapshotWeights(), b.SnapshotWeights());
    }

    [Theory]
    [InlineData(nameof(WeightPrecision.Int8))]
    [InlineData(nameof(WeightPrecision.BFloat16))]
    public void AStreamChunkByChunkEqualsTheWholeSequence(string precision)
    {
        const int batch = 3, time = 9;
        Sequential model = Model();
        Activations x = GradientCheck.RandomInput(batch, time, 3, true, 7);
        using InferencePrecision.Scope scope = InferencePrecision.Use(Enum.Parse<WeightPrecision>(precision));
        float[] whole = model.Forward(x, false).Span.ToArray();
        var stream = new RnnStream(model, batch);
        float[] last = [];
        int done = 0;
        foreach (int steps in new[] { 2, 1, 4, 2 })
        {
            var chunk = new float[batch * steps * 3];
            for (int b = 0; b < batch; b++)
            {
                x.Span.Slice(((b * time) + done) * 3, steps * 3).CopyTo(chunk.AsSpan(b * steps * 3));
            }

            last = stream.Predict(chunk, steps).Span.ToArray();
            done += steps;
        }

        Assert.Equal(whole, last);
    }

    // An LSTM and a GRU stack with a softmax Dense, 3 features: every quantized product kind (W, U, GRU's U blocks, Dense).
    private static Sequential Model()
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), "q", 11);
        model.Add(new Lstm(20, returnSequences: true, name: "lstm"));
        model.Add(new Gru(18, resetAfter: false, name: "gru"));
        model.Add(new Dense(5, ActivationKind.Softmax, name: "out"));
        return model;
    }

    private static Dataset Data(Sequential model)
    {
        Activations x = GradientCheck.RandomInput(12, 6, 3, true, 3);
        var y = new Tensor(Enumerable.Range(0, 12).Select(i => (float)(i % 5)).ToArray(), [12]);
        return Dataset.Create(new Tensor(x.Span.ToArray(), [12, 6, 3]), y, model);
    }

    private static (List<Layer> Layers, Activations X) Load(string name)
    {
        if (name.StartsWith("gru:", StringComparison.Ordinal))
        {
            (List<Layer> layers, Activations x, _) = GruFixtureTests.Load(GruFixtureTests.Case(name[4..]));
            return (layers, x);
        }

        (_, List<Layer> rnn, Activations input) = RnnFixtures.Load(name);
        return (rnn, input);
    }

    private static Activations Run(List<Layer> layers, Activations x)
    {
        foreach (Layer layer in layers)
        {
            x = layer.Forward(x, training: false);
        }

        return x;
    }

    // The weight replaced by what its quantized copy stands for.
    private static void Dequantize(Parameter w, WeightPrecision precision)
    {
        int n = w.Shape[^1], k = w.Length / n;
        QuantizedMatrix q = QuantizedMatrix.Create(w.Value, k, n, precision);
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < n; j++)
            {
                w.Value[(i * n) + j] = q.Dequantized(i, j);
            }
        }

        w.MarkChanged();
    }
}
