using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>Issue 16's losses against tests/fixtures/losses16 (PyTorch float64, or Keras's formula in torch ops).</summary>
public class KerasLossTests
{
    public static TheoryData<string> CaseNames() => KerasFixtures.Names("losses");

    public static TheoryData<string, bool> NewLosses => new()
    {
        { "huber", false }, { "log_cosh", false }, { "kl_divergence", false }, { "poisson", false },
        { "cosine_similarity", false }, { "categorical_focal_crossentropy", false }, { "categorical_focal_crossentropy", true },
        { "binary_focal_crossentropy", false }, { "binary_focal_crossentropy", true },
    };

    private static JsonElement Case(string name) => KerasFixtures.Case("losses", name);

    private static Dictionary<string, object?> Options(JsonElement c) => c.GetProperty("options").EnumerateObject()
        .ToDictionary(p => p.Name, p => p.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => (object?)p.Value.GetDouble(),
        });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesReference(string name)
    {
        JsonElement c = Case(name);
        Loss loss = Losses.FromName(c.GetProperty("loss").GetString()!, Options(c));
        int rows = c.GetProperty("rows").GetInt32(), width = c.GetProperty("width").GetInt32();
        float[] outputs = TrainingFixtures.Floats(c.GetProperty("outputs"));
        float[] targets = TrainingFixtures.Floats(c.GetProperty("targets"));
        bool fromLogits = c.GetProperty("from_logits").GetBoolean();
        var gradient = new float[rows * width];
        double value;
        if (c.TryGetProperty("mask", out JsonElement maskElement))
        {
            // Per-step output (3 sequences × 4 steps) with a sequence mask, through the trainer's masked loss.
            bool[] real = TrainingFixtures.Bools(maskElement);
            var output = new Activations(3, rows / 3, width, isSequence: true) { Mask = new SequenceMask(3, rows / 3, real) };
            outputs.CopyTo(output.Span);
            value = Trainer.ComputeLoss(loss, output, targets, gradient, fromLogits, new MaskedRows());
        }
        else
        {
            value = loss.Compute(outputs, targets, rows, width, gradient, fromLogits);
            Assert.Equal(value, loss.Compute(outputs, targets, rows, width, [], fromLogits));
        }

        TrainingFixtures.AssertClose(c.GetProperty("value").GetDouble(), value, 1e-6, $"{name} value");
        TrainingFixtures.AssertAllClose(TrainingFixtures.Doubles(c.GetProperty("gradient")), gradient, 1e-6, $"{name} gradient");
    }

    [Theory]
    [MemberData(nameof(NewLosses))]
    public void GradientMatchesCentralDifferences(string name, bool fromLogits)
    {
        Loss loss = Losses.FromName(name, name.Contains("focal", StringComparison.Ordinal)
            ? new Dictionary<string, object?> { ["gamma"] = 1.5, ["alpha"] = 0.4 } : null);
        const int rows = 5, width = 4;
        var random = new Random(16);
        var outputs = new float[rows * width];
        var targets = new float[rows * width];
        for (int i = 0; i < outputs.Length; i++)
        {
            bool probabilities = !fromLogits && name is "kl_divergence" or "poisson" || (!fromLogits && name.Contains("focal", StringComparison.Ordinal));
            outputs[i] = probabilities ? (float)(0.1 + (random.NextDouble() * 0.8)) : (float)((random.NextDouble() * 4) - 2);
            targets[i] = name switch
            {
                "categorical_focal_crossentropy" => i % width == (i / width) % width ? 1f : 0f,
                "binary_focal_crossentropy" or "kl_divergence" => (float)random.NextDouble(),
                "poisson" => random.Next(4),
                _ => outputs[i] + (float)((random.NextDouble() - 0.5) * 3),
            };
        }

        TrainingFixtures.AssertGradientMatchesCentralDifferences(loss, outputs, targets, rows, width, fromLogits, $"{name} fromLogits={fromLogits}");
    }

    [Theory]
    [InlineData("categorical_focal_crossentropy")]
    [InlineData("binary_focal_crossentropy")]
    public void FocalWithGammaZeroIsAlphaTimesCrossEntropy(string name)
    {
        float[] logits = [1.5f, -0.5f, 0.25f, 3f, -2f, 0.5f];
        float[] targets = name.StartsWith("binary", StringComparison.Ordinal) ? [1f, 0f, 1f, 0f, 1f, 0f] : [0f, 1f, 0f, 0f, 0f, 1f];
        Loss focal = Losses.FromName(name, new Dictionary<string, object?> { ["gamma"] = 0, ["alpha"] = 1 });
        Loss plain = Losses.FromName(name.Replace("focal_", string.Empty, StringComparison.Ordinal));
        foreach (bool fromLogits in new[] { true, false })
        {
            float[] outputs = fromLogits ? logits : [.. logits.Select(x => 1 / (1 + MathF.Exp(-x)))];
            var g1 = new float[6];
            var g2 = new float[6];
            Assert.Equal(plain.Compute(outputs, targets, 2, 3, g2, fromLogits), focal.Compute(outputs, targets, 2, 3, g1, fromLogits), 12);
            for (int i = 0; i < 6; i++)
            {
                Assert.Equal(g2[i], g1[i], 6);
            }
        }
    }

    [Fact]
    public void ExtremeLogitsGiveFiniteFocalLossAndGradient()
    {
        float[] outputs = [1e30f, -1e30f, 0f, 88f, -1000f, 1000f];
        foreach (string name in new[] { "categorical_focal_crossentropy", "binary_focal_crossentropy" })
        {
            foreach (double gamma in new[] { 0.0, 0.5, 2.0 })
            {
                Loss loss = Losses.FromName(name, new Dictionary<string, object?> { ["gamma"] = gamma });
                var gradient = new float[6];
                double value = loss.Compute(outputs, [0f, 1f, 0f, 1f, 0f, 0f], 2, 3, gradient, fromLogits: true);
                Assert.True(double.IsFinite(value), $"{name} γ={gamma}: loss {value}");
                Assert.All(gradient, g => Assert.True(float.IsFinite(g), $"{name} γ={gamma}: gradient {g}"));
            }
        }
    }

    [Theory]
    [InlineData("huber", "delta", 0.5)]
    [InlineData("categorical_focal_crossentropy", "gamma", 0.75)]
    [InlineData("binary_focal_crossentropy", "alpha", 0.6)]
    public void OptionsAreReadCaseInsensitivelyAndReportedInConfig(string name, string option, double value)
    {
        Loss loss = Losses.FromName(name, new Dictionary<string, object?> { [option.ToUpperInvariant()] = value });
        Assert.Equal(value, loss.Config[option]);
        Assert.Equal(loss.Config.Keys.Order(), Losses.FromName(name).Config.Keys.Order());
        Assert.NotEqual(value, Losses.FromName(name).Config[option]);
    }

    [Theory]
    [InlineData("huber", "gamma", 1.0, "LossOptionUnknown", "huber has no option gamma; its options are delta")]
    [InlineData("mse", "delta", 1.0, "LossOptionUnknown", "mean_squared_error has no option delta; it takes no options")]
    [InlineData("huber", "delta", 0.0, "LossOptionInvalid", "delta is 0; it must be a finite number greater than 0")]
    [InlineData("categorical_focal_crossentropy", "gamma", -1.0, "LossOptionInvalid", "gamma is -1; it must be a finite number, 0 or more")]
    [InlineData("binary_focal_crossentropy", "alpha", 1.5, "LossOptionInvalid", "alpha is 1.5; it must be a number from 0 to 1")]
    [InlineData("binary_focal_crossentropy", "apply_class_balancing", 1.0, "LossOptionInvalid", "must be $true or $false")]
    public void BadOptionsHaveStableIds(string name, string option, double value, string id, string message)
    {
        var e = Assert.Throws<ModelException>(() => Losses.FromName(name, new Dictionary<string, object?> { [option] = value }));
        Assert.Equal(id, e.ErrorId);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PoissonRefusesNegativeTargetsAndCosineRefusesWidthOne()
    {
        var e = Assert.Throws<ModelException>(() => new Poisson().Compute([1f, 2f], [1f, -1f], 2, 1, new float[2], false));
        Assert.Equal("LossTargetNegative", e.ErrorId);
        e = Assert.Throws<ModelException>(() => new CosineSimilarity().Compute([1f, 2f], [1f, 1f], 2, 1, new float[2], false));
        Assert.Equal("LossWidthTooSmall", e.ErrorId);
    }

    [Fact]
    public void CosineSimilarityIsTheNegativeCosine()
    {
        // Parallel rows give −1, opposite +1, orthogonal 0 (Keras's sign): the mean is 0.
        double value = new CosineSimilarity().Compute([1f, 2f, 1f, 0f, 3f, 0f], [2f, 4f, -1f, 0f, 0f, 5f], 3, 2, [], false);
        Assert.Equal(0.0, value, 12);
        Assert.Equal(-1.0, new CosineSimilarity().Compute([1f, 2f], [2f, 4f], 1, 2, [], false), 12);
    }

    [Theory]
    [InlineData("kld", "kl_divergence")]
    [InlineData("KLDivergence", "kl_divergence")]
    [InlineData("logcosh", "log_cosh")]
    [InlineData("Huber", "huber")]
    [InlineData("BinaryFocalCrossentropy", "binary_focal_crossentropy")]
    [InlineData("CategoricalFocalCrossentropy", "categorical_focal_crossentropy")]
    [InlineData("CosineSimilarity", "cosine_similarity")]
    [InlineData("poisson", "poisson")]
    public void KerasNamesAndAliasesResolve(string name, string kerasName) =>
        Assert.Equal(kerasName, Losses.FromName(name).KerasName);
}
