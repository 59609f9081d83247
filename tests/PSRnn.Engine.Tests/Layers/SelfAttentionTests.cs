using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>SelfAttention against Keras 3's Attention written in PyTorch float64 (make_attention_fixtures.py).</summary>
public sealed class SelfAttentionTests
{
    private const string FixtureFile = "attention_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesKerasInPyTorch(string name)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        Activations x = WrapperFixtures.Input(testCase);
        SequenceMask mask = LayerCaseFile.Mask(testCase, x.Batch, x.Time);
        x.Mask = mask.AllReal ? null : mask;
        var layer = new SelfAttention(testCase.GetProperty("use_scale").GetBoolean(), testCase.GetProperty("causal").GetBoolean());
        layer.Build(SampleShape.Sequence(x.Time, x.Features));
        layer.Initialize(new Rng(1));
        WrapperFixtures.LoadWeights(layer, testCase);
        Activations y = layer.Forward(x, training: true);
        WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
        Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
        WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
        if (layer.UseScale)
        {
            WrapperFixtures.AssertClose(testCase.GetProperty("gradients").GetProperty("scale"), layer.Parameters[0].Gradient, "scale");
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void GradientsMatchCentralDifferences(bool useScale, bool causal)
    {
        var layer = new SelfAttention(useScale, causal);
        layer.Build(SampleShape.Sequence(4, 3));
        layer.Initialize(new Rng(1));
        GradientCheck.Check(layer, GradientCheck.RandomInput(2, 4, 3, true, 17));
    }

    [Fact]
    public void WeightsAreADistributionOverAllowedKeys()
    {
        var layer = new SelfAttention(causal: true);
        layer.Build(SampleShape.Sequence(null, 2));
        Activations x = GradientCheck.RandomInput(1, 4, 2, true, 3);
        layer.Forward(x, false);
        float[] a = layer.AttentionWeights.ToArray();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(1.0, a.Skip(i * 4).Take(4).Sum(), 5);
            for (int j = i + 1; j < 4; j++)
            {
                Assert.Equal(0f, a[(i * 4) + j]); // no key after the query
            }
        }

        var model = new PSRnn.Engine.Models.Sequential(SampleShape.Sequence(4, 2), "m", 1);
        model.Add(new SelfAttention());
        Assert.Equal("attention", model.Layers[0].Name);
        Assert.Equal("Attention", model.Layers[0].KerasClassName);
        Assert.Empty(model.Layers[0].Parameters);
    }
}
