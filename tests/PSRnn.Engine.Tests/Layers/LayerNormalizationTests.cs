using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>LayerNormalization against PyTorch float64 (tests/fixtures/layers/make_layernorm_fixtures.py).</summary>
public sealed class LayerNormalizationTests
{
    private const string FixtureFile = "layernorm_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        int[] shape = WrapperFixtures.Shape(testCase.GetProperty("input"));
        bool sequence = shape.Length == 3;
        var x = sequence ? new Activations(shape[0], shape[1], shape[2], true) : new Activations(shape[0], 1, shape[1], false);
        double[] values = WrapperFixtures.Data(testCase.GetProperty("input"));
        for (int i = 0; i < values.Length; i++)
        {
            x.Span[i] = (float)values[i];
        }

        var layer = new LayerNormalization((float)testCase.GetProperty("epsilon").GetDouble(), testCase.GetProperty("center").GetBoolean(),
            testCase.GetProperty("scale").GetBoolean());
        int features = shape[^1];
        layer.Build(sequence ? SampleShape.Sequence(shape[1], features) : SampleShape.Vector(features));
        layer.Initialize(new Rng(1));
        WrapperFixtures.LoadWeights(layer, testCase);
        Activations y = layer.Forward(x, training: true);
        WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
        Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
        WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
        LayerCaseFile.AssertParameterGradients(layer, testCase);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void GradientsMatchCentralDifferences(bool center, bool scale)
    {
        var layer = new LayerNormalization(1e-3f, center, scale);
        layer.Build(SampleShape.Sequence(3, 5));
        layer.Initialize(new Rng(3));
        for (int p = 0; p < layer.Parameters.Count; p++)
        {
            // Away from Keras's ones and zeros, so that γ and β matter in the check.
            var rng = new Rng((ulong)(p + 5));
            Span<float> v = layer.Parameters[p].Value;
            for (int i = 0; i < v.Length; i++)
            {
                v[i] += (float)(rng.NextDouble() - 0.5);
            }
        }

        GradientCheck.Check(layer, GradientCheck.RandomInput(2, 3, 5, true, 13));
    }

    [Fact]
    public void KerasDefaultsAndConfig()
    {
        var layer = new LayerNormalization();
        layer.Build(SampleShape.Sequence(4, 3));
        layer.Initialize(new Rng(1));
        Assert.Equal(["gamma", "beta"], layer.ParameterNames);
        Assert.Equal([1f, 1f, 1f], layer.Parameters[0].Value);
        Assert.Equal([0f, 0f, 0f], layer.Parameters[1].Value);
        IReadOnlyDictionary<string, object?> config = layer.GetConfig();
        Assert.Equal(1e-3, (double)config["epsilon"]!, 9);
        Assert.Equal(-1, config["axis"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayerNormalization(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayerNormalization(float.NaN));
    }
}
