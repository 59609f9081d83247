using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// MultiHeadAttention against Keras 3's MultiHeadAttention transcribed in PyTorch float64 (make_mha_fixtures.py, which
/// checks its transcription against torch.nn.MultiheadAttention), on every kernel path through EveryKernelPathTests.
/// </summary>
public sealed class MultiHeadAttentionTests
{
    private const string FixtureFile = "mha_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesKerasInPyTorch(string name)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        JsonElement config = testCase.GetProperty("config");
        Activations x = WrapperFixtures.Input(testCase);
        SequenceMask mask = LayerCaseFile.Mask(testCase, x.Batch, x.Time);
        x.Mask = mask.AllReal ? null : mask;
        static int? Optional(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();
        var layer = new MultiHeadAttention(config.GetProperty("num_heads").GetInt32(), config.GetProperty("key_dim").GetInt32(),
            Optional(config.GetProperty("value_dim")), config.GetProperty("use_bias").GetBoolean(), config.GetProperty("use_causal_mask").GetBoolean(),
            Optional(config.GetProperty("output_shape")));
        layer.Build(SampleShape.Sequence(x.Time, x.Features));
        layer.Initialize(new Rng(1));
        WrapperFixtures.LoadWeights(layer, testCase);
        Activations y = layer.Forward(x, training: true);
        WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
        Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
        WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
        LayerCaseFile.AssertParameterGradients(layer, testCase);
    }

    [Theory]
    [InlineData(2, 3, null, true, false, null, false)]
    [InlineData(3, 2, 4, false, true, 2, false)]
    [InlineData(2, 2, 3, true, true, 5, true)]
    public void GradientsMatchCentralDifferences(int heads, int keyDim, int? valueDim, bool useBias, bool causal, int? outputSize, bool masked)
    {
        var layer = new MultiHeadAttention(heads, keyDim, valueDim, useBias, causal, outputSize);
        layer.Build(SampleShape.Sequence(5, 3));
        layer.Initialize(new Rng(4));
        foreach (Parameter p in layer.Parameters.Where(p => p.Name == "bias"))
        {
            // Non-zero biases, so their paths are checked too.
            Initializers.Uniform(p.Value, 0.3, new Rng(9));
        }

        Activations x = GradientCheck.RandomInput(2, 5, 3, true, 17);
        if (masked)
        {
            x.Mask = new SequenceMask(2, 5, [true, true, true, false, false, false, true, true, true, true]);
        }

        GradientCheck.Check(layer, x);
    }

    [Fact]
    public void WeightsAreADistributionOverAllowedKeysAndPaddingQueriesSpreadEvenly()
    {
        var layer = new MultiHeadAttention(2, 3, causal: true);
        layer.Build(SampleShape.Sequence(null, 2));
        layer.Initialize(new Rng(3));
        Activations x = GradientCheck.RandomInput(1, 4, 2, true, 3);
        x.Mask = new SequenceMask(1, 4, [false, true, true, true]);
        layer.Forward(x, false);
        float[] a = layer.AttentionWeights.ToArray();
        Assert.Equal(2 * 4 * 4, a.Length);
        for (int h = 0; h < 2; h++)
        {
            // Query 0 is padding: Keras's −1e9 on every key leaves 1/T each.
            Assert.All(a.Skip(h * 16).Take(4), w => Assert.Equal(0.25f, w));
            for (int i = 1; i < 4; i++)
            {
                float[] row = a.Skip((h * 16) + (i * 4)).Take(4).ToArray();
                Assert.Equal(1.0, row.Sum(), 5);
                Assert.Equal(0f, row[0]); // a padding key
                Assert.All(row.Skip(i + 1), w => Assert.Equal(0f, w)); // no key after the query
            }
        }
    }

    [Fact]
    public void ShapesNamesConfigAndRefusals()
    {
        var model = new Sequential(SampleShape.Sequence(7, 5), "m", 1);
        model.Add(new MultiHeadAttention(4, 3, valueDim: 2, outputSize: 6));
        Layer layer = model.Layers[0];
        Assert.Equal("multi_head_attention", layer.Name);
        Assert.Equal("MultiHeadAttention", layer.KerasClassName);
        Assert.Equal(SampleShape.Sequence(7, 6), layer.OutputShape);
        Assert.Equal(["query.kernel", "query.bias", "key.kernel", "key.bias", "value.kernel", "value.bias", "attention_output.kernel", "attention_output.bias"],
            layer.ParameterNames);
        Assert.Equal([[5, 4, 3], [4, 3], [5, 4, 3], [4, 3], [5, 4, 2], [4, 2], [4, 2, 6], [6]], layer.Parameters.Select(p => p.Shape.ToArray()));
        // Keras's count: query and key 5·12 + 12 each, value 5·8 + 8, attention_output 8·6 + 6.
        Assert.Equal((2 * ((5 * 12) + 12)) + (5 * 8) + 8 + (8 * 6) + 6, layer.ParameterCount);
        IReadOnlyDictionary<string, object?> config = layer.GetConfig();
        Assert.Equal(4, config["num_heads"]);
        Assert.Equal(2, config["value_dim"]);
        Assert.Equal(new[] { 6 }, config["output_shape"]);
        var noBias = new MultiHeadAttention(1, 2, useBias: false);
        noBias.Build(SampleShape.Sequence(3, 2));
        Assert.Equal(["query.kernel", "key.kernel", "value.kernel", "attention_output.kernel"], noBias.ParameterNames);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, 2, valueDim: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, 2, outputSize: -1));
        var vectors = new Sequential(SampleShape.Vector(3), "v", 1);
        Assert.Equal("LayerNeedsSequence", Assert.Throws<ModelException>(() => vectors.Add(new MultiHeadAttention(1, 2))).ErrorId);
    }

    [Fact]
    public void ReadsKerasConfigAndRefusesWhatItLacks()
    {
        static Layer Read(string config) =>
            LayerFactory.Create(JsonDocument.Parse($$"""{"class_name":"MultiHeadAttention","config":{{config}}}""").RootElement, "layers[0]", weightsFromFile: false);

        // As Keras 3's get_config writes it (initializers by name, as the Keras readers pass them on), with use_causal_mask beside it.
        var layer = (MultiHeadAttention)Read("""
            {"name":"mha","trainable":true,"dtype":"float32","num_heads":4,"key_dim":8,"value_dim":null,"dropout":0.0,"use_bias":false,
             "output_shape":null,"attention_axes":null,"kernel_initializer":"glorot_uniform",
             "bias_initializer":"zeros","kernel_regularizer":null,"bias_regularizer":null,
             "activity_regularizer":null,"kernel_constraint":null,"bias_constraint":null,"seed":null,"use_causal_mask":true}
            """);
        Assert.Equal(("mha", 4, 8, 8, false, true, (int?)null), (layer.Name, layer.Heads, layer.KeyDim, layer.ValueDim, layer.UseBias, layer.Causal, layer.OutputSize));
        var other = (MultiHeadAttention)Read("""{"num_heads":2,"key_dim":3,"value_dim":5,"output_shape":[7],"attention_axes":[1]}""");
        Assert.Equal((5, (int?)7, true, false), (other.ValueDim, other.OutputSize, other.UseBias, other.Causal));
        Assert.Equal(other.GetConfig()["output_shape"], new[] { 7 });
        foreach (string bad in new[] { """{"num_heads":2,"key_dim":3,"dropout":0.1}""", """{"num_heads":2,"key_dim":3,"attention_axes":[2]}""",
            """{"num_heads":0,"key_dim":3}""", """{"key_dim":3}""", """{"num_heads":2,"key_dim":3,"output_shape":[2,3]}""" })
        {
            Assert.Equal("ModelBadConfig", Assert.Throws<ModelConfigException>(() => Read(bad)).ErrorId);
        }
    }
}
