using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>Conv1D against PyTorch float64 (tests/fixtures/layers/make_conv1d_fixtures.py), on every kernel path.</summary>
public sealed class Conv1DTests
{
    private const string FixtureFile = "conv1d_cases.json";

    public static TheoryData<string> CaseNames() => LayerCaseFile.Names(FixtureFile);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        JsonElement testCase = LayerCaseFile.Case(FixtureFile, name);
        JsonElement config = testCase.GetProperty("config");
        Activations x = WrapperFixtures.Input(testCase);
        var layer = new Conv1D(config.GetProperty("filters").GetInt32(), config.GetProperty("kernel_size").GetInt32(),
            config.GetProperty("strides").GetInt32(), Enum.Parse<Conv1DPadding>(config.GetProperty("padding").GetString()!, ignoreCase: true),
            config.GetProperty("dilation_rate").GetInt32(),
            ActivationFunctions.TryParse(config.GetProperty("activation").GetString()!, out ActivationKind kind) ? kind : throw new InvalidDataException(),
            config.GetProperty("use_bias").GetBoolean());
        layer.Build(SampleShape.Sequence(x.Time, x.Features));
        layer.Initialize(new Rng(1));
        WrapperFixtures.LoadWeights(layer, testCase);
        Activations y = layer.Forward(x, training: true);
        Assert.Equal(WrapperFixtures.Shape(testCase.GetProperty("output"))[1], y.Time);
        Assert.Equal(layer.OutputShape.Time, y.Time);
        WrapperFixtures.AssertClose(testCase.GetProperty("output"), y.Span, "output");
        Activations dx = layer.Backward(WrapperFixtures.Upstream(testCase, y), computeInputGradient: true)!;
        WrapperFixtures.AssertClose(testCase.GetProperty("input_gradient"), dx.Span, "input gradient");
        LayerCaseFile.AssertParameterGradients(layer, testCase);
    }

    [Theory]
    [InlineData(Conv1DPadding.Valid, 2, 1)]
    [InlineData(Conv1DPadding.Same, 1, 2)]
    [InlineData(Conv1DPadding.Causal, 1, 1)]
    public void GradientsMatchCentralDifferences(Conv1DPadding padding, int strides, int dilation)
    {
        var layer = new Conv1D(3, 3, strides, padding, dilation, ActivationKind.Tanh);
        layer.Build(SampleShape.Sequence(7, 2));
        layer.Initialize(new Rng(4));
        GradientCheck.Check(layer, GradientCheck.RandomInput(2, 7, 2, true, 5));
    }

    [Fact]
    public void CausalOutputsSeeNoFutureStep()
    {
        var layer = new Conv1D(2, 3, padding: Conv1DPadding.Causal, dilationRate: 2);
        layer.Build(SampleShape.Sequence(null, 2));
        layer.Initialize(new Rng(2));
        Activations x = GradientCheck.RandomInput(1, 9, 2, true, 3);
        float[] before = layer.Forward(x, false).Span.ToArray();
        x.Span[(6 * 2) + 1] += 5f; // step 6 changes: outputs 0..5 must not
        float[] after = layer.Forward(x, false).Span.ToArray();
        Assert.Equal(before[..12], after[..12]);
        Assert.NotEqual(before[12], after[12]);
    }

    [Fact]
    public void ShapesSettingsAndRefusals()
    {
        var model = new Sequential(SampleShape.Sequence(10, 3), "m", 1);
        model.Add(new Conv1D(4, 3, strides: 2));
        Assert.Equal(4, model.Layers[0].OutputShape.Time);
        Assert.Equal("conv1d", model.Layers[0].Name);
        Assert.Equal(["kernel", "bias"], model.Layers[0].ParameterNames);
        Assert.Equal([3, 3, 4], model.Layers[0].Parameters[0].Shape);
        // TensorFlow's same: the total padding split with the odd zero at the end.
        Assert.Equal((5, 0), new Conv1D(1, 3, 2, Conv1DPadding.Same).OutputSteps(10));
        Assert.Equal((5, 1), new Conv1D(1, 4, 2, Conv1DPadding.Same).OutputSteps(10));
        Assert.Equal((10, 1), new Conv1D(1, 4, 1, Conv1DPadding.Same).OutputSteps(10));
        Assert.Throws<ArgumentException>(() => new Conv1D(2, 3, strides: 2, dilationRate: 2));
        var tooShort = new Sequential(SampleShape.Sequence(2, 3), "short", 1);
        Assert.Equal("ConvInputTooShort", Assert.Throws<ModelException>(() => tooShort.Add(new Conv1D(2, 3))).ErrorId);
    }
}
