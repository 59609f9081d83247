using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

public class ClippingTests
{
    public static TheoryData<string> FixtureNames => TrainingFixtures.Names("clipping");

    private static Parameter[] MakeParameters(JsonElement c)
    {
        Parameter[] parameters = TrainingFixtures.MakeParameters(c.GetProperty("gradients"), c.GetProperty("trainable"));
        foreach (Parameter p in parameters)
        {
            // MakeParameters fills values; these cases are about gradients.
            p.Value.CopyTo(p.Gradient, 0);
        }

        return parameters;
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void MatchesKerasFormulaAndPyTorch(string name)
    {
        JsonElement c = TrainingFixtures.Case("clipping", name);
        Parameter[] parameters = MakeParameters(c);
        float clip = (float)c.GetProperty("clip").GetDouble();
        switch (c.GetProperty("mode").GetString())
        {
            case "value":
                GradientClipping.ClipByValue(parameters, clip);
                break;
            case "norm":
                GradientClipping.ClipByNorm(parameters, clip);
                break;
            default:
                double norm = GradientClipping.ClipByGlobalNorm(parameters, clip);
                TrainingFixtures.AssertClose(c.GetProperty("norm").GetDouble(), norm, 1e-9, $"{name} norm");
                break;
        }

        JsonElement[] expected = c.GetProperty("expected").EnumerateArray().ToArray();
        JsonElement[] torch = c.GetProperty("torch_expected").EnumerateArray().ToArray();
        for (int i = 0; i < parameters.Length; i++)
        {
            TrainingFixtures.AssertAllClose(TrainingFixtures.Doubles(expected[i]), parameters[i].Gradient, 1e-6, $"{name} p{i}");

            // PyTorch's clip_grad_norm_ divides by N + 1e-6: the same within 1e-6/N relative.
            TrainingFixtures.AssertAllClose(TrainingFixtures.Doubles(torch[i]), parameters[i].Gradient, 1e-5, $"{name} torch p{i}");
        }
    }

    [Fact]
    public void GlobalNormIgnoresNonTrainableParametersAndLeavesThemAlone()
    {
        var a = new Parameter("a", 2);
        var frozen = new Parameter("frozen", 1) { Trainable = false };
        a.Gradient[0] = 3f;
        a.Gradient[1] = 4f;
        frozen.Gradient[0] = 100f;
        double norm = GradientClipping.ClipByGlobalNorm([a, frozen], 1f);
        Assert.Equal(5.0, norm);
        Assert.Equal([0.6f, 0.8f], a.Gradient);
        Assert.Equal(100f, frozen.Gradient[0]);
        GradientClipping.ClipByValue([a, frozen], 0.1f);
        GradientClipping.ClipByNorm([a, frozen], 0.01f);
        Assert.Equal(100f, frozen.Gradient[0]);
    }

    [Fact]
    public void ZeroGradientsStayZeroAndSmallOnesUnchanged()
    {
        var a = new Parameter("a", 3);
        Assert.Equal(0.0, GradientClipping.ClipByGlobalNorm([a], 1f));
        GradientClipping.ClipByNorm([a], 1f);
        Assert.Equal([0f, 0f, 0f], a.Gradient);
        a.Gradient[1] = 0.3f;
        GradientClipping.ClipByNorm([a], 1f);
        Assert.Equal(0.3f, a.Gradient[1]);
    }

    [Fact]
    public void BoundsMustBePositive()
    {
        Parameter[] none = [];
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByValue(none, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByNorm(none, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(none, float.NaN));
    }
}
