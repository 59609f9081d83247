using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Serialization;

public sealed class ModelFileTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in Models.Keys)
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    // One model per layer type, dropout wherever the layer has it, so the generators' states matter.
    private static readonly Dictionary<string, Func<Sequential>> Models = new()
    {
        ["Dense"] = () => Build(SampleShape.Sequence(6, 2), new Dense(3, ActivationKind.Tanh), new SimpleRnn(4), new Dense(2, ActivationKind.Softmax)),
        ["SimpleRNN"] = () => Build(SampleShape.Sequence(6, 2), new SimpleRnn(5, dropout: 0.2f, recurrentDropout: 0.1f), new Dense(2, ActivationKind.Softmax)),
        ["LSTM"] = () => Build(SampleShape.Sequence(6, 2), new Lstm(5, returnSequences: true, dropout: 0.2f), new Lstm(4, recurrentDropout: 0.2f), new Dense(2, ActivationKind.Softmax)),
        ["GRU"] = () => Build(SampleShape.Sequence(6, 2), new Gru(5, dropout: 0.1f, recurrentDropout: 0.1f), new Dense(2, ActivationKind.Softmax)),
        ["GRU reset_after false"] = () => Build(SampleShape.Sequence(null, 2), new Gru(5, resetAfter: false, goBackwards: true), new Dense(2, ActivationKind.Softmax)),
        ["Embedding"] = () => Build(SampleShape.Vector(6), new Embedding(3, 4), new Gru(4), new Dense(2, ActivationKind.Softmax)),
        ["Dropout"] = () => Build(SampleShape.Sequence(6, 2), new Lstm(5, returnSequences: true), new DropoutLayer(0.3f), new SimpleRnn(4), new DropoutLayer(0.25f), new Dense(2, ActivationKind.Softmax)),
        ["Bidirectional"] = () => Build(SampleShape.Sequence(6, 2), new Bidirectional(new Lstm(4, returnSequences: true, dropout: 0.2f)),
            new Bidirectional(new Gru(3, resetAfter: false, recurrentDropout: 0.1f), "bi_gru"), new Dense(2, ActivationKind.Softmax)),
        ["Attention"] = () => Build(SampleShape.Sequence(6, 2), new Masking(), new Lstm(4, returnSequences: true), new SelfAttention(useScale: true, causal: true),
            new GlobalPooling1D(GlobalPoolingMode.Average), new Dense(2, ActivationKind.Softmax)),
        ["MultiHeadAttention"] = () => Build(SampleShape.Sequence(6, 2), new Masking(), new Lstm(4, returnSequences: true),
            new MultiHeadAttention(2, 3, valueDim: 2, causal: true, outputSize: 3), new MultiHeadAttention(1, 2, useBias: false),
            new GlobalPooling1D(GlobalPoolingMode.Average), new Dense(2, ActivationKind.Softmax)),
        ["Conv1D"] = () => Build(SampleShape.Sequence(6, 2), new Conv1D(3, 2, padding: Conv1DPadding.Causal, activation: ActivationKind.Relu),
            new Conv1D(4, 3, strides: 2, padding: Conv1DPadding.Same), new Gru(3), new Dense(2, ActivationKind.Softmax)),
        ["Layer normalization"] = () => Build(SampleShape.Sequence(6, 2), new Lstm(4, returnSequences: true), new LayerNormalization(1e-4f, center: false),
            new Gru(3), new LayerNormalization(), new Dense(2, ActivationKind.Softmax)),
        ["Global pooling"] = () => Build(SampleShape.Sequence(6, 2), new Masking(), new Gru(4, returnSequences: true),
            new GlobalPooling1D(GlobalPoolingMode.Max), new Dense(2, ActivationKind.Softmax)),
        ["MinGRU and MinLSTM"] = () => Build(SampleShape.Sequence(6, 2), new Masking(), new MinGru(5, returnSequences: true, goBackwards: true),
            new MinLstm(4, returnSequences: true), new MinGru(3, useBias: false), new Dense(2, ActivationKind.Softmax)),
        ["Bidirectional merges"] = () => Build(SampleShape.Sequence(6, 2),
            new Bidirectional(new Lstm(4, returnSequences: true), mergeMode: BidirectionalMerge.Ave),
            new Bidirectional(new SimpleRnn(3, returnSequences: true), mergeMode: BidirectionalMerge.Mul),
            new Bidirectional(new Gru(3), mergeMode: BidirectionalMerge.Sum), new Dense(2, ActivationKind.Softmax)),
    };

    private static Sequential Build(SampleShape input, params Layer[] layers)
    {
        var model = new Sequential(input, "m", 11);
        foreach (Layer layer in layers)
        {
            model.Add(layer);
        }

        return model;
    }

    internal static Dataset Data(Sequential model, int count = 48, int seed = 1)
    {
        var rng = new Rng((ulong)seed);
        bool tokens = !model.InputShape.IsSequence;
        int perSample = tokens ? model.InputShape.Features : 6 * 2;
        var x = new float[count * perSample];
        var y = new long[count];
        for (int n = 0; n < count; n++)
        {
            double sum = 0;
            for (int i = 0; i < perSample; i++)
            {
                float v = tokens ? rng.NextInt(3) : (float)rng.Uniform(-1, 1);
                x[(n * perSample) + i] = v;
                sum += tokens ? v - 1 : (i % 2 == 0 ? v : 0);
            }

            y[n] = sum > 0 ? 1 : 0;
        }

        Tensor tx = tokens ? new Tensor(x, count, perSample) : new Tensor(x, count, 6, 2);
        return Dataset.Create(tx, new Tensor(y, count), model);
    }

    internal static LoadedModel RoundTrip(Sequential model, bool includeOptimizerState, FitState? checkpoint = null)
    {
        using var stream = new MemoryStream();
        ModelFile.ToSafetensors(model, includeOptimizerState, checkpoint).Write(stream);
        stream.Position = 0;
        return ModelFile.FromSafetensors(SafetensorsFile.Read(stream, "memory"), "memory");
    }

    private static void Train(Sequential model, Dataset data, Optimizer optimizer, int epochs) =>
        Trainer.Fit(model, data, null, model.Loss ?? Trainer.ResolveLoss(model, null, data), optimizer, new FitOptions { Epochs = epochs, BatchSize = 16 });

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripPredictsAndTrainsOnBitForBit(string name, bool includeOptimizerState)
    {
        Sequential model = Models[name]();
        Dataset data = Data(model);
        Train(model, data, new Adam(0.01f), 2);

        Sequential loaded = RoundTrip(model, includeOptimizerState).Model;

        Assert.Equal(model.Summary(), loaded.Summary());
        Assert.Equal(model.Seed, loaded.Seed);
        Assert.Equal(model.History.Select(r => r.Loss), loaded.History.Select(r => r.Loss));
        Assert.Equal(model.Layers.Select(l => ModelFileTestsJson(l)), loaded.Layers.Select(l => ModelFileTestsJson(l)));
        Assert.Equal(Trainer.Predict(model, data), Trainer.Predict(loaded, data));

        // Training on: with the optimizer state both continue the same optimizer; without it both start a fresh one.
        Optimizer next = includeOptimizerState ? model.Optimizer! : new Adam(0.01f);
        Optimizer loadedNext = includeOptimizerState ? loaded.Optimizer! : new Adam(0.01f);
        Assert.Equal(includeOptimizerState, loaded.Optimizer is not null);
        Train(model, data, next, 2);
        Train(loaded, data, loadedNext, 2);
        Assert.Equal(model.SnapshotWeights(), loaded.SnapshotWeights());
        Assert.Equal(next.Iterations, loadedNext.Iterations);
    }

    private static string ModelFileTestsJson(Layer layer) =>
        string.Join(";", layer.GetConfig().Select(kv => $"{kv.Key}={Flatten(kv.Value)}"));

    private static string Flatten(object? value) => value is IReadOnlyDictionary<string, object?> d
        ? "{" + string.Join(";", d.Select(kv => $"{kv.Key}={Flatten(kv.Value)}")) + "}"
        : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";

    public static TheoryData<string> OptimizerNames() => ["sgd", "sgd-nesterov", "rmsprop", "rmsprop-centered", "adamw-amsgrad"];

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void EveryOptimizerContinuesExactly(string which)
    {
        Optimizer Make() => which switch
        {
            "sgd" => new Sgd(0.05f),
            "sgd-nesterov" => new Sgd(0.05f, 0.9f, nesterov: true, weightDecay: 0.01f),
            "rmsprop" => new RmsProp(0.01f),
            "rmsprop-centered" => new RmsProp(0.01f, 0.8f, 0.5f, 1e-6f, centered: true),
            _ => new AdamW(0.01f, 0.02f, 0.8f, 0.99f, 1e-6f, amsgrad: true),
        };
        Sequential model = Models["LSTM"]();
        Dataset data = Data(model);
        Train(model, data, Make(), 1);
        Sequential loaded = RoundTrip(model, true).Model;
        Assert.Equal(model.Optimizer!.ToString(), loaded.Optimizer!.ToString());
        Assert.Equal(model.Optimizer.SlotNames, loaded.Optimizer.SlotNames);
        Train(model, data, model.Optimizer, 2);
        Train(loaded, data, loaded.Optimizer, 2);
        Assert.Equal(model.SnapshotWeights(), loaded.SnapshotWeights());
    }

    // Each recurrent layer reads back its own keys (RecurrentSettings and the layer's FromConfig): every key away from
    // Keras's default, so a key the reader drops or mixes up comes back as the default and fails here.
    [Fact]
    public void EveryRecurrentSettingSurvivesTheFile()
    {
        RecurrentLayer[] layers =
        [
            new SimpleRnn(5, returnSequences: true, goBackwards: true, dropout: 0.25f, recurrentDropout: 0.125f, name: "s")
            {
                Activation = ActivationKind.Relu, UseBias = false,
                KernelInitializer = "he_normal", RecurrentInitializer = "lecun_uniform", BiasInitializer = "ones",
            },
            new Lstm(4, returnSequences: true, dropout: 0.5f, name: "l")
            {
                Activation = ActivationKind.Sigmoid, RecurrentActivation = ActivationKind.HardSigmoid, UnitForgetBias = false,
                KernelInitializer = "glorot_normal", RecurrentInitializer = "random_normal", BiasInitializer = "random_uniform",
            },
            new Gru(3, returnSequences: true, goBackwards: true, recurrentDropout: 0.375f, resetAfter: false, name: "g")
            {
                RecurrentActivation = ActivationKind.HardSigmoid, UseBias = false, KernelInitializer = "lecun_normal",
            },
            new Gru(2, name: "g2") { Activation = ActivationKind.Relu, BiasInitializer = "he_uniform" },
        ];
        Sequential model = Build(SampleShape.Sequence(6, 2), layers);
        Sequential back = RoundTrip(model, includeOptimizerState: false).Model;
        for (int i = 0; i < layers.Length; i++)
        {
            IReadOnlyDictionary<string, object?> saved = layers[i].GetConfig();
            IReadOnlyDictionary<string, object?> read = back.Layers[i].GetConfig();
            Assert.Equal(layers[i].GetType(), back.Layers[i].GetType());
            Assert.Equal(saved.Keys.Order(), read.Keys.Order());
            foreach (string key in saved.Keys)
            {
                Assert.True(Equals(saved[key], read[key]), $"{layers[i].Name}.{key}: saved {saved[key]}, read {read[key]}");
            }
        }
    }

    [Fact]
    public void OptimizerTensorsAreNamedByParameterPath()
    {
        Sequential model = Models["Bidirectional"]();
        Train(model, Data(model), new Adam(), 1);
        SafetensorsFile file = ModelFile.ToSafetensors(model, true);
        string[] names = file.Tensors.Select(t => t.Name).ToArray();
        Assert.Contains("layers.0.forward.kernel", names);
        Assert.Contains("layers.1.backward.recurrent_kernel", names);
        Assert.Contains("optimizer.layers.0.forward.kernel.momentum", names);
        Assert.Contains("optimizer.layers.2.bias.velocity", names);
        Assert.All(file.Tensors, t => Assert.Equal("F32", t.DType));
        Assert.Equal(ModelFile.FormatVersion, file.Metadata["format_version"]);
        Assert.Contains("\"class_name\":\"Bidirectional\"", file.Metadata["model_config"], StringComparison.Ordinal);
    }

    [Fact]
    public void SavingAndLoadingAFileWorksAndIsAtomic()
    {
        string folder = Directory.CreateTempSubdirectory("psrnn-model").FullName;
        try
        {
            string path = Path.Combine(folder, "m.safetensors");
            Sequential model = Models["GRU"]();
            ModelFile.Save(path, model, includeOptimizerState: false, overwrite: false);
            Assert.Throws<IOException>(() => ModelFile.Save(path, model, false, overwrite: false));
            Assert.Throws<ModelException>(() => ModelFile.Save(path, model, includeOptimizerState: true, overwrite: true));
            Assert.Equal(model.SnapshotWeights(), ModelFile.Load(path).SnapshotWeights());
            Assert.Equal(["m.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void HalfAndDoubleWeightsAreConvertedToSingle()
    {
        Sequential model = Models["SimpleRNN"]();
        SafetensorsFile file = ModelFile.ToSafetensors(model, false);
        var tensors = file.Tensors.Select(t =>
        {
            float[] v = t.ToSingle();
            if (t.Name.EndsWith("kernel", StringComparison.Ordinal))
            {
                byte[] half = v.SelectMany(x => BitConverter.GetBytes((Half)x)).ToArray();
                return new SafetensorsTensor(t.Name, "F16", t.Shape, half);
            }

            return new SafetensorsTensor(t.Name, "F64", t.Shape, v.SelectMany(x => BitConverter.GetBytes((double)x)).ToArray());
        });
        Sequential loaded = ModelFile.FromSafetensors(new SafetensorsFile(tensors, file.Metadata), null).Model;
        Assert.Equal(model.Parameters[0].Value.Select(x => (float)(Half)x), loaded.Parameters[0].Value);
        Assert.Equal(model.Parameters[2].Value, loaded.Parameters[2].Value);
    }
}
