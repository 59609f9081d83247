using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Training;

/// <summary>CTC loss and its gradient against torch.nn.CTCLoss (float64), and its handling of impossible and empty targets.</summary>
public sealed class CtcLossTests(ITestOutputHelper output)
{
    public static TheoryData<string> LossNames => CtcFixtures.LossNames;

    private static (CtcLoss Loss, float[] Logits, int Batch, int Time, int Classes, int[] InputLengths, int[] Targets, int[] TargetLengths) Read(JsonElement c)
    {
        var reduction = c.GetProperty("reduction").GetString() == "mean" ? CtcReduction.Mean : CtcReduction.SumOverBatchSize;
        return (new CtcLoss(reduction, c.GetProperty("zero_infinity").GetBoolean()), TrainingFixtures.Floats(c.GetProperty("logits")),
            c.GetProperty("batch").GetInt32(), c.GetProperty("time").GetInt32(), c.GetProperty("classes").GetInt32(),
            CtcFixtures.Ints(c.GetProperty("input_lengths")), CtcFixtures.Ints(c.GetProperty("targets")), CtcFixtures.Ints(c.GetProperty("target_lengths")));
    }

    [Theory]
    [MemberData(nameof(LossNames))]
    public void LossAndGradientMatchPyTorch(string name)
    {
        JsonElement c = CtcFixtures.Loss(name);
        var (loss, logits, batch, time, classes, inputLengths, targets, targetLengths) = Read(c);
        var gradient = new float[logits.Length];
        double value = loss.Compute(logits, batch, time, classes, inputLengths, targets, targetLengths, gradient, fromLogits: true);
        double expected = c.GetProperty("value").GetDouble();
        double valueError = Math.Abs(value - expected) / Math.Abs(expected);
        double[] expectedGradient = TrainingFixtures.Doubles(c.GetProperty("gradient"));
        double scale = expectedGradient.Max(Math.Abs);
        double gradientError = 0;
        for (int i = 0; i < gradient.Length; i++)
        {
            // Relative to the element, or to a hundredth of the case's largest entry for entries near 0 (float32 output).
            gradientError = Math.Max(gradientError, Math.Abs(gradient[i] - expectedGradient[i]) / Math.Max(Math.Abs(expectedGradient[i]), 1e-2 * scale));
        }

        output.WriteLine($"{name}: loss relative error {valueError:E2}, gradient relative error {gradientError:E2}");
        Assert.True(valueError <= 1e-6, $"{name}: loss {value:R}, PyTorch {expected:R}");
        Assert.True(gradientError <= 1e-6, $"{name}: gradient relative error {gradientError:E3}");
        Assert.Equal(value, loss.Compute(logits, batch, time, classes, inputLengths, targets, targetLengths, [], fromLogits: true));
    }

    [Theory]
    [MemberData(nameof(LossNames))]
    public void PerSampleLossesMatchPyTorch(string name)
    {
        JsonElement c = CtcFixtures.Loss(name);
        var (loss, logits, batch, time, classes, inputLengths, targets, targetLengths) = Read(c);
        var single = new CtcLoss(CtcReduction.SumOverBatchSize, loss.ZeroInfinity);
        double[] expected = TrainingFixtures.Doubles(c.GetProperty("losses"));
        int offset = 0;
        for (int b = 0; b < batch; b++)
        {
            double value = single.Compute(logits.AsSpan(b * time * classes, time * classes), 1, time, classes, [inputLengths[b]],
                targets.AsSpan(offset, targetLengths[b]), [targetLengths[b]], [], fromLogits: true);
            offset += targetLengths[b];
            Assert.True(Math.Abs(value - expected[b]) <= 1e-6 * Math.Max(1, expected[b]), $"{name} sample {b}: {value:R}, PyTorch {expected[b]:R}");
        }
    }

    [Fact]
    public void ImpossibleAlignmentIsAnErrorNamingTheSampleWithoutZeroInfinity()
    {
        var (_, logits, batch, time, classes, inputLengths, targets, targetLengths) = Read(CtcFixtures.Loss("impossible_zero_infinity_keras"));
        var e = Assert.Throws<ModelException>(() => new CtcLoss().Compute(logits, batch, time, classes, inputLengths, targets, targetLengths,
            new float[logits.Length], fromLogits: true));
        Assert.Equal("CtcTargetTooLong", e.ErrorId);
        Assert.Contains("sample 1 has 3 labels, which need at least 4 steps", e.Message, StringComparison.Ordinal);
        Assert.Contains("3 real steps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroInfinityGivesNoNonFiniteValueAndZeroGradientForTheImpossibleSample()
    {
        var (loss, logits, batch, time, classes, inputLengths, targets, targetLengths) = Read(CtcFixtures.Loss("impossible_zero_infinity_torch_mean"));
        var gradient = new float[logits.Length];
        double value = loss.Compute(logits, batch, time, classes, inputLengths, targets, targetLengths, gradient, fromLogits: true);
        Assert.True(double.IsFinite(value));
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        Assert.All(gradient.AsSpan(time * classes, time * classes).ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(gradient.AsSpan(0, time * classes).ToArray(), g => g != 0);
    }

    [Fact]
    public void EmptyTargetIsMinusLogOfTheAllBlankPath()
    {
        float[] logits = [0.3f, -1.2f, 2.0f, 1.5f, 0.1f, -0.4f, -0.7f, 0.9f, 0.2f];
        double expected = 0;
        double[] logY = CtcFixtures.LogSoftmax(logits, 3);
        for (int t = 0; t < 3; t++)
        {
            expected -= logY[t * 3];
        }

        double value = new CtcLoss().Compute(logits, 1, 3, 3, [3], [], [0], [], fromLogits: true);
        Assert.Equal(expected, value, 12);
    }

    [Fact]
    public void ProbabilitiesGiveTheLossOfTheirLogitsAndTheChainRuleOfItsGradient()
    {
        var (loss, logits, batch, time, classes, inputLengths, targets, targetLengths) = Read(CtcFixtures.Loss("uneven_keras"));
        double[] logY = CtcFixtures.LogSoftmax(logits, classes);
        float[] probabilities = logY.Select(v => (float)Math.Exp(v)).ToArray();
        var logitGradient = new float[logits.Length];
        var probabilityGradient = new float[logits.Length];
        double fromLogits = loss.Compute(logits, batch, time, classes, inputLengths, targets, targetLengths, logitGradient, fromLogits: true);
        double fromProbabilities = loss.Compute(probabilities, batch, time, classes, inputLengths, targets, targetLengths, probabilityGradient, fromLogits: false);
        Assert.Equal(fromLogits, fromProbabilities, 5);
        // dL/dz_k = p_k (g_k − Σ_j p_j g_j): the softmax's Jacobian applied to the probability gradient.
        for (int r = 0; r < batch * time; r++)
        {
            double dot = 0;
            for (int k = 0; k < classes; k++)
            {
                dot += probabilities[(r * classes) + k] * (double)probabilityGradient[(r * classes) + k];
            }

            for (int k = 0; k < classes; k++)
            {
                int i = (r * classes) + k;
                double chained = probabilities[i] * (probabilityGradient[i] - dot);
                Assert.True(Math.Abs(chained - logitGradient[i]) <= 1e-5, $"row {r} class {k}: {chained} against {logitGradient[i]}");
            }
        }
    }

    [Fact]
    public void ProbabilityGradientMatchesCentralDifferences()
    {
        var loss = new CtcLoss(CtcReduction.Mean);
        float[] p = [0.5f, 0.3f, 0.2f, 0.2f, 0.6f, 0.2f, 0.4f, 0.1f, 0.5f, 0.3f, 0.3f, 0.4f];
        int[] labels = [1, 2];
        var gradient = new float[p.Length];
        loss.Compute(p, 1, 4, 3, [4], labels, [2], gradient, fromLogits: false);
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            p[i] = saved + 1e-3f;
            double plus = loss.Compute(p, 1, 4, 3, [4], labels, [2], [], fromLogits: false);
            p[i] = saved - 1e-3f;
            double minus = loss.Compute(p, 1, 4, 3, [4], labels, [2], [], fromLogits: false);
            p[i] = saved;
            double numeric = (plus - minus) / ((double)(saved + 1e-3f) - (saved - 1e-3f));
            Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-3 * Math.Max(1, Math.Abs(numeric)), $"[{i}]: numeric {numeric}, analytic {gradient[i]}");
        }
    }

    [Fact]
    public void RowWiseComputeIsRefused()
    {
        Assert.Throws<NotSupportedException>(() => new CtcLoss().Compute(new float[6], new float[6], 2, 3, new float[6], true));
    }

    [Theory]
    [InlineData(new int[0], 0)]
    [InlineData(new[] { 1, 2, 3 }, 3)]
    [InlineData(new[] { 1, 1, 2, 2, 2 }, 8)]
    [InlineData(new[] { 3, 1, 3 }, 3)]
    public void RequiredStepsCountABlankBetweenRepeats(int[] labels, int steps) => Assert.Equal(steps, CtcLoss.RequiredSteps(labels));

    [Fact]
    public void OptionsComeFromTheLossFactoryAndGoIntoTheConfig()
    {
        var loss = (CtcLoss)Losses.FromName("CTC", new Dictionary<string, object?> { ["Reduction"] = "MEAN", ["zero_infinity"] = true });
        Assert.Equal(CtcReduction.Mean, loss.Reduction);
        Assert.True(loss.ZeroInfinity);
        Assert.Equal("mean", loss.Config["reduction"]);
        Assert.Equal(CtcReduction.SumOverBatchSize, ((CtcLoss)Losses.FromName("ctc")).Reduction);
        var bad = Assert.Throws<ModelException>(() => Losses.FromName("ctc", new Dictionary<string, object?> { ["reduction"] = "sum" }));
        Assert.Equal("LossOptionInvalid", bad.ErrorId);
        Assert.Equal("LossOptionUnknown", Assert.Throws<ModelException>(() => Losses.FromName("ctc", new Dictionary<string, object?> { ["blank"] = 1.0 })).ErrorId);
    }
}
