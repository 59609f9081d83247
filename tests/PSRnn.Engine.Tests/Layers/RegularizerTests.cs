using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tests.Training;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>Keras's L1/L2 weight regularizers against torch autograd in float64 (tests/fixtures/regularizers16).</summary>
public class RegularizerTests
{
    private static readonly FixtureCases Cases = new("regularizers16", "regularizer_cases.json", "regularizers");

    public static TheoryData<string> Names => Cases.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void PenaltyAndGradientMatchTorch(string name)
    {
        JsonElement c = Cases[name];
        Regularizer r = Regularizer.Parse(c.GetProperty("text").GetString()!);
        Assert.Equal((float)c.GetProperty("l1").GetDouble(), r.L1);
        Assert.Equal((float)c.GetProperty("l2").GetDouble(), r.L2);
        float[] w = TrainingFixtures.Floats(c.GetProperty("weights"));
        double expected = c.GetProperty("penalty").GetDouble();
        double penalty = r.Penalty(w);
        Assert.True(Math.Abs(penalty - expected) <= 1e-6 * Math.Abs(expected), $"{name}: penalty {penalty:R}, torch {expected:R}");

        // Added to what backward left in the gradient.
        float[] gradient = Enumerable.Repeat(0.5f, w.Length).ToArray();
        r.AddGradient(w, gradient);
        double[] want = TrainingFixtures.Doubles(c.GetProperty("gradient")).Select(g => g + 0.5).ToArray();
        TrainingFixtures.AssertAllClose(want, gradient, 1e-6, name);
    }

    [Theory]
    [InlineData("l2:1e-4", "L2", 0f, 1e-4f)]
    [InlineData(" L1 : 2.5e-3 ", "L1", 2.5e-3f, 0f)]
    [InlineData("l1_l2:1e-5,1e-4", "L1L2", 1e-5f, 1e-4f)]
    [InlineData("l1l2:0,0.5", "L1L2", 0f, 0.5f)]
    [InlineData("l1", "L1", 0.01f, 0f)]
    public void ParsesKerasForms(string text, string kind, float l1, float l2)
    {
        Regularizer r = Regularizer.Parse(text);
        Assert.Equal(new Regularizer(kind, l1, l2), r);
        Assert.Equal(r, Regularizer.Parse(r.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("l3:1")]
    [InlineData("l2:abc")]
    [InlineData("l2:-1e-4")]
    [InlineData("l2:1e-4,1e-3")]
    [InlineData("l1_l2:1e-4")]
    [InlineData("l2:NaN")]
    [InlineData("l2:Infinity")]
    public void RefusesWhatItCannotRead(string text)
    {
        ModelException e = Assert.Throws<ModelException>(() => Regularizer.Parse(text));
        Assert.Equal("RegularizerInvalid", e.ErrorId);
        Assert.Contains("l2:1e-4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WritesKerasConfigAndReadsItBackFromAModelFile()
    {
        var model = new Sequential(SampleShape.Sequence(5, 3), seed: 4);
        var lstm = new Lstm(4, returnSequences: true);
        lstm.SetRegularizer("kernel", Regularizer.Parse("l2:1e-4"));
        lstm.SetRegularizer("recurrent_kernel", Regularizer.Parse("l1:1e-5"));
        model.Add(new Bidirectional(lstm));
        var dense = new Dense(2, ActivationKind.Linear);
        dense.SetRegularizer("bias", Regularizer.Parse("l1_l2:1e-5,1e-4"));
        model.Add(dense);
        Assert.Equal(Regularizer.Parse("l2:1e-4"), model.Layers[0].Parameters.First(p => p.Name == "kernel").Regularizer);
        Assert.Equal(5, model.Parameters.Count(p => p.Regularizer is not null)); // two in each direction, the Dense bias

        IReadOnlyDictionary<string, object?> config = dense.GetConfig();
        var bias = (IReadOnlyDictionary<string, object?>)config["bias_regularizer"]!;
        Assert.Equal("L1L2", bias["class_name"]);
        Assert.False(config.ContainsKey("kernel_regularizer"));

        string path = Path.Combine(Path.GetTempPath(), $"psrnn-reg-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, model, includeOptimizerState: false, overwrite: false);
            Sequential read = ModelFile.Load(path);
            Assert.Equal(model.Parameters.Select(p => p.Regularizer), read.Parameters.Select(p => p.Regularizer));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
