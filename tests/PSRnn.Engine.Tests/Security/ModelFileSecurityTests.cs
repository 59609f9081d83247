using System.Globalization;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, items 4, 5 and 10 for PSRnn's safetensors model files: a configuration that claims weights the file does not
/// hold is refused before they are allocated or initialized, naming is linear, and sizes past one array are a stable
/// error. Every file is made here, each a few KB at most; each refusal is within <see cref="ModelFileCost"/>'s bound.
/// </summary>
public sealed class ModelFileSecurityTests
{
    internal static byte[] File(string modelConfig, IEnumerable<SafetensorsTensor>? tensors = null, string? trainingConfig = null)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = ModelFile.FormatName,
            ["format_version"] = ModelFile.FormatVersion,
            ["model_config"] = modelConfig,
        };
        if (trainingConfig is not null)
        {
            metadata["training_config"] = trainingConfig;
        }

        using var stream = new MemoryStream();
        new SafetensorsFile(tensors ?? [], metadata).Write(stream);
        return stream.ToArray();
    }

    internal static string Config(string inputShape, params string[] layers) =>
        $$$"""{"class_name":"Sequential","config":{"name":"hostile","input_shape":{{{inputShape}}},"seed":"1","layers":[{{{string.Join(",", layers)}}}]}}""";

    internal static string Layer(string className, string config) => $$$"""{"class_name":"{{{className}}}","config":{{{config}}}}""";

    internal static LoadedModel Load(byte[] bytes) =>
        ModelFile.FromSafetensors(SafetensorsFile.Read(new MemoryStream(bytes), "hostile.safetensors"), "hostile.safetensors");

    private static SafetensorsTensor Zeros(string name, params int[] shape) =>
        SafetensorsTensor.FromSingle(name, shape, new float[shape.Aggregate(1, (a, b) => a * b)]);

    /// <summary>Refused within the bound, from a file of at most <paramref name="maxFileBytes"/>.</summary>
    private static string Refused(byte[] file, int maxFileBytes = 4096)
    {
        Assert.True(file.Length <= maxFileBytes, $"the file is {file.Length} bytes");
        return ModelFileCost.RefusedWith(() => Load(file));
    }

    public static TheoryData<string, string> HugeRecurrent() => new()
    {
        // The recipe (87 s, 542 MB) and its 8192-unit variant (2.2 GB, killed).
        { "LSTM", """{"units":2048}""" },
        { "LSTM", """{"units":8192}""" },
        { "GRU", """{"units":8192}""" },
        { "SimpleRNN", """{"units":16384}""" },
        { "Bidirectional", """{"layer":{"class_name":"LSTM","config":{"units":4096}}}""" },
    };

    [Theory]
    [MemberData(nameof(HugeRecurrent))]
    public void ARecurrentLayerTheFileDoesNotHoldIsRefusedBeforeItsWeightsExist(string className, string config)
    {
        string model = Config("[10, 8]", Layer(className, config), Layer("Dense", """{"units":1}"""));
        // No tensors at all, and tensors of a small model in their place: neither is built, let alone initialized.
        Assert.Equal("ModelTensorMissing", Refused(File(model)));
        string prefix = className == "Bidirectional" ? "layers.0.forward." : "layers.0.";
        Assert.Equal("ModelTensorShapeMismatch", Refused(File(model, [Zeros(prefix + "kernel", 8, 4), Zeros(prefix + "recurrent_kernel", 1, 4), Zeros(prefix + "bias", 4)])));
    }

    public static TheoryData<string, string> HugeDenseAndEmbedding() => new()
    {
        // 225 M, 100 M and 500 M weights from KB-sized files (0.9–1.1 GB each before).
        { "[15000]", Layer("Dense", """{"units":15000}""") },
        { "[1]", Layer("Dense", """{"units":100000000}""") },
        { "[10]", Layer("Embedding", """{"input_dim":500000000,"output_dim":1}""") },
    };

    [Theory]
    [MemberData(nameof(HugeDenseAndEmbedding))]
    public void ADenseOrEmbeddingTheFileDoesNotHoldIsRefusedBeforeItsWeightsExist(string input, string layer)
    {
        string model = Config(input, layer);
        Assert.Equal("ModelTensorMissing", Refused(File(model)));
        string name = layer.Contains("Embedding", StringComparison.Ordinal) ? "layers.0.embeddings" : "layers.0.kernel";
        Assert.Equal("ModelTensorShapeMismatch", Refused(File(model, [Zeros(name, 2, 2)])));
    }

    public static TheoryData<string, string> BeyondOneArray() => new()
    {
        // Item 10: raw OverflowException / OutOfMemoryException before (the same configs in .h5 were KerasCorrupt).
        { "[3]", Layer("Dense", """{"units":2147483647}""") },
        { "[10]", Layer("Embedding", """{"input_dim":2147483647,"output_dim":1}""") },
        { "[65536]", Layer("Dense", """{"units":65536}""") },
        { "[2147483647, 2147483647]", Layer("LSTM", """{"units":1}""") },
        { "[2147483647, 2147483647]", Layer("Dense", """{"units":1}""") },
        { "[null, 3]", Layer("Bidirectional", """{"layer":{"class_name":"GRU","config":{"units":1000000}}}""") },
    };

    [Theory]
    [MemberData(nameof(BeyondOneArray))]
    public void AWeightLargerThanOneArrayIsModelTooLarge(string input, string layer)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        DataFormatException e = Assert.Throws<DataFormatException>(() => ModelFileCost.Within(() => Load(File(Config(input, layer)))));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Equal("ModelTooLarge", e.ErrorId);
        Assert.Equal(DataErrorKind.LimitsExceeded, e.Kind);
        Assert.Contains("more than one .NET array holds", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("hostile.safetensors: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInputShapeOfHugeTimeAndFeaturesWithoutWeightsLoads()
    {
        // (2^31 − 1, 2^31 − 1) is a shape PSRnn can describe; only a layer with weights on it is too large (above).
        LoadedModel loaded = ModelFileCost.Within(() => Load(File(Config("[2147483647, 2147483647]", Layer("Dropout", """{"rate":0.5}""")))));
        Assert.Equal(int.MaxValue, loaded.Model.InputShape.Features);
    }

    [Fact]
    public void TheEngineRefusesAWeightBeyondOneArrayWithAStableId()
    {
        // The check used to be checked() arithmetic: an OverflowException nobody caught.
        Assert.Equal("LayerTooLarge", Assert.Throws<ModelException>(() => new Parameter("kernel", 65536, 65536)).ErrorId);
        var model = new Sequential(SampleShape.Vector(65536), seed: 1);
        ModelException e = Assert.Throws<ModelException>(() => model.Add(new Dense(65536)));
        Assert.Equal("LayerTooLarge", e.ErrorId);
        Assert.Contains("kernel of layer 'dense' (Dense)", e.Message, StringComparison.Ordinal);
        Assert.Empty(model.Layers);
    }

    [Fact]
    public void ANewLayerBeyondTheMemoryBudgetIsRefusedBeforeItIsAllocated()
    {
        var model = new Sequential(SampleShape.Vector(10_000), seed: 1);
        using (IO.MemoryBudget.Limit(64L << 20))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            // 10,000 × 10,000 weights: 400 MB, 800 MB with gradients.
            ModelException e = Assert.Throws<ModelException>(() => model.Add(new Dense(10_000)));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
            Assert.Equal("InsufficientMemory", e.ErrorId);
            Assert.Contains("this process can use at most 64.0 MiB", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ALayerListPastTheCapIsRefusedBeforeAnyLayerIsBuilt()
    {
        string dropout = Layer("Dropout", """{"rate":0.1}""");
        byte[] file = File(Config("[4, 2]", [.. Enumerable.Repeat(dropout, Sequential.MaxLayers + 1)]));
        Assert.Equal("ModelTooManyLayers", Refused(file, 8 << 20));
        Assert.Equal(65_536, Sequential.MaxLayers);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(4_000)]
    [InlineData(20_000)]
    public void ThousandsOfUnnamedLayersLoadInLinearTime(int count)
    {
        // Item 5: 1,000 took 6 s, 4,000 took 215 s, 20,000 never finished (a scan of every layer for each candidate name).
        string dropout = Layer("Dropout", """{"rate":0.25}""");
        // 20,000 layers are 1.7 MB of configuration: the bound holds beyond 1 MB.
        byte[] file = File(Config("[4, 2]", [.. Enumerable.Repeat(dropout, count)]));
        Sequential model = ModelFileCost.Within(() => Load(file).Model);
        Assert.Equal(count, model.Layers.Count);
        Assert.Equal("dropout", model.Layers[0].Name);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"dropout_{count - 1}"), model.Layers[^1].Name);
        Assert.Equal(count, model.Layers.Select(l => l.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void AFileOfTensThousandsOfTensorsLoadsInLinearTime()
    {
        // 10,000 Dense layers: 20,000 tensors, each looked up by name, and every one listed as non-trainable (the file
        // lookup and the non_trainable check were scans: quadratic).
        var model = new Sequential(SampleShape.Vector(1), seed: 3);
        for (int i = 0; i < 10_000; i++)
        {
            model.Add(new Dense(1));
        }

        foreach (Parameter p in model.Parameters)
        {
            p.Trainable = false;
        }

        using var stream = new MemoryStream();
        ModelFile.ToSafetensors(model, includeOptimizerState: false).Write(stream);
        byte[] file = stream.ToArray();
        Sequential back = ModelFileCost.Within(() => Load(file).Model);
        Assert.Equal(model.SnapshotWeights(), back.SnapshotWeights());
        Assert.All(back.Parameters, p => Assert.False(p.Trainable));
        Assert.Equal("dense_9999", back.Layers[^1].Name);
    }

    [Fact]
    public void LoadedWeightsAreNotInitializedFirst()
    {
        // LSTM(256) on 64 features: Keras's orthogonal init of its recurrent kernel is a 1024×256 QR, and building used to
        // allocate values and gradients. Loading now allocates the weights once, straight from the file's bytes.
        var model = new Sequential(SampleShape.Sequence(5, 64), seed: 9);
        model.Add(new Lstm(256, returnSequences: true));
        model.Add(new Gru(64));
        model.Add(new Dense(3, ActivationKind.Softmax));
        using var stream = new MemoryStream();
        ModelFile.ToSafetensors(model, includeOptimizerState: false).Write(stream);
        SafetensorsFile file = SafetensorsFile.Read(new MemoryStream(stream.ToArray()), null);
        long weightBytes = model.ParameterCount * sizeof(float);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Sequential back = ModelFile.FromSafetensors(file, null).Model;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Before: values + gradients + the QR's doubles + a converted copy ≈ 5× the weights.
        Assert.True(allocated < weightBytes + (256 << 10), $"loading {weightBytes:N0} bytes of weights allocated {allocated:N0}");
        Assert.Equal(model.SnapshotWeights(), back.SnapshotWeights());
    }

    [Fact]
    public void AHandWrittenFileWithoutGeneratorStatesStillTrainsWithDropout()
    {
        // Without training_config the dropout streams start from their seeded generators (no initial weights drawn first).
        var model = new Sequential(SampleShape.Sequence(4, 2), seed: 5);
        model.Add(new Lstm(3, dropout: 0.5f));
        model.Add(new Dense(1));
        SafetensorsFile full = ModelFile.ToSafetensors(model, includeOptimizerState: false);
        byte[] bytes = File(full.Metadata["model_config"], full.Tensors);
        Sequential a = Load(bytes).Model, b = Load(bytes).Model;
        Assert.Single(a.Layers[0].RandomStreams);
        Assert.Equal(a.Layers[0].RandomStreams[0].GetState(), b.Layers[0].RandomStreams[0].GetState());
        Assert.Equal(model.SnapshotWeights(), a.SnapshotWeights());
    }

    [Fact]
    public void HistoryMetricsNamedTwiceAreABadConfigNotARawException()
    {
        // JSON allows a member twice; ToDictionary threw ArgumentException on it.
        const string training = """{"history":[{"epoch":1,"loss":0.5,"metrics":{"mae":0.1,"mae":0.2}}]}""";
        string model = Config("[2]", Layer("Dropout", """{"rate":0.1}"""));
        Assert.Equal("ModelBadConfig", Refused(File(model, trainingConfig: training)));
    }
}
