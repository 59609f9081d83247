using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

public class LossTests
{
    public static TheoryData<string> FixtureNames => TrainingFixtures.Names("losses");

    public static TheoryData<string, bool> AllLosses => new()
    {
        { "categorical_crossentropy", true }, { "categorical_crossentropy", false },
        { "sparse_categorical_crossentropy", true }, { "sparse_categorical_crossentropy", false },
        { "binary_crossentropy", true }, { "binary_crossentropy", false },
        { "mean_squared_error", false }, { "mean_absolute_error", false },
    };

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void MatchesPyTorchReference(string name)
    {
        JsonElement c = TrainingFixtures.Case("losses", name);
        Loss loss = Losses.FromName(c.GetProperty("loss").GetString()!);
        int rows = c.GetProperty("rows").GetInt32();
        int width = c.GetProperty("width").GetInt32();
        float[] outputs = TrainingFixtures.Floats(c.GetProperty("outputs"));
        float[] targets = TrainingFixtures.Floats(c.GetProperty("targets"));
        var gradient = new float[rows * width];

        double value = loss.Compute(outputs, targets, rows, width, gradient, c.GetProperty("from_logits").GetBoolean());

        // The loss is summed in double from the same float32 inputs, so it matches far below 1e-5;
        // the gradient is rounded to float32 once (6e-8 relative).
        TrainingFixtures.AssertClose(c.GetProperty("value").GetDouble(), value, 1e-9, $"{name} value");
        TrainingFixtures.AssertAllClose(TrainingFixtures.Doubles(c.GetProperty("gradient")), gradient, 1e-6, $"{name} gradient");

        // Without a gradient buffer the value is the same.
        Assert.Equal(value, loss.Compute(outputs, targets, rows, width, [], c.GetProperty("from_logits").GetBoolean()));
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void GradientMatchesCentralDifferences(string name, bool fromLogits)
    {
        Loss loss = Losses.FromName(name);
        const int rows = 5, width = 4;
        var random = new Random(1234);
        float[] outputs = new float[rows * width];
        float[] targets = new float[name.StartsWith("sparse", StringComparison.Ordinal) ? rows : rows * width];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int j = 0; j < width; j++)
            {
                // Probabilities kept well inside (1e-7, 1 − 1e-7) so the clip is smooth around them.
                double x = fromLogits || name.StartsWith("mean", StringComparison.Ordinal)
                    ? (random.NextDouble() * 4) - 2
                    : 0.1 + (random.NextDouble() * 0.8);
                outputs[(r * width) + j] = (float)x;
                sum += x;
            }

            if (name.StartsWith("sparse", StringComparison.Ordinal))
            {
                targets[r] = random.Next(width);
            }
            else
            {
                for (int j = 0; j < width; j++)
                {
                    targets[(r * width) + j] = name switch
                    {
                        "categorical_crossentropy" => j == r % width ? 1f : 0f,
                        "binary_crossentropy" => (float)random.NextDouble(),
                        _ => outputs[(r * width) + j] + (float)((random.NextDouble() - 0.5) * 2),
                    };
                }
            }
        }

        TrainingFixtures.AssertGradientMatchesCentralDifferences(loss, outputs, targets, rows, width, fromLogits, $"{name} fromLogits={fromLogits}");
    }

    [Theory]
    [InlineData("categorical_crossentropy")]
    [InlineData("sparse_categorical_crossentropy")]
    [InlineData("binary_crossentropy")]
    public void ExtremeLogitsGiveFiniteLossAndGradient(string name)
    {
        Loss loss = Losses.FromName(name);
        float[] outputs = [1e30f, -1e30f, 0f, float.MaxValue, -float.MaxValue, 88f, -1000f, 1000f, 1000f];
        float[] targets = name.StartsWith("sparse", StringComparison.Ordinal) ? [1f, 2f, 0f]
            : name == "binary_crossentropy" ? [1f, 0f, 0.5f, 0f, 1f, 1f, 0f, 1f, 0f] : [0f, 1f, 0f, 0f, 0f, 1f, 1f, 0f, 0f];
        var gradient = new float[9];
        double value = loss.Compute(outputs, targets, 3, 3, gradient, fromLogits: true);
        Assert.True(double.IsFinite(value), $"loss {value}");
        Assert.All(gradient, g => Assert.True(float.IsFinite(g), $"gradient {g}"));
    }

    [Fact]
    public void FusedCrossEntropyGradientIsSoftmaxMinusOneHotOverRows()
    {
        float[] logits = [1f, 2f, 3f, 0f, 0f, 0f];
        float[] onehot = [0f, 0f, 1f, 1f, 0f, 0f];
        var gradient = new float[6];
        double value = new CategoricalCrossentropy().Compute(logits, onehot, 2, 3, gradient, fromLogits: true);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double expected = (-Math.Log(Math.Exp(3) / z) + Math.Log(3)) / 2;
        Assert.Equal(expected, value, 12);
        Assert.Equal((Math.Exp(3) / z) - 1, gradient[2] * 2, 6);
        Assert.Equal((1.0 / 3) - 1, gradient[3] * 2, 6);
        Assert.Equal(1.0 / 3, gradient[4] * 2, 6);
    }

    [Fact]
    public void MeanAbsoluteErrorGradientIsZeroAtTies()
    {
        var gradient = new float[3];
        double value = new MeanAbsoluteError().Compute([1f, 2f, 3f], [1f, 0f, 4f], 1, 3, gradient, fromLogits: false);
        Assert.Equal(1.0, value, 12);
        Assert.Equal([0f, 1f / 3, -1f / 3], gradient);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(3f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void BadSparseLabelThrowsDataFormatExceptionNamingTheRow(float label)
    {
        var gradient = new float[9];
        gradient.AsSpan().Fill(7f);
        var e = Assert.Throws<DataFormatException>(() => new SparseCategoricalCrossentropy()
            .Compute(new float[9], [0f, label, 2f], 3, 3, gradient, fromLogits: true));
        Assert.Equal("LossLabelOutOfRange", e.ErrorId);
        Assert.Equal(SparseCategoricalCrossentropy.LabelOutOfRangeErrorId, e.ErrorId);
        Assert.Equal(DataErrorKind.InvalidData, e.Kind);
        Assert.Contains("Row 1", e.Message, StringComparison.Ordinal);
        Assert.All(gradient, g => Assert.Equal(7f, g));
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void ComputeAllocatesNothing(string name, bool fromLogits)
    {
        Loss loss = Losses.FromName(name);
        float[] outputs = [0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f];
        float[] targets = name.StartsWith("sparse", StringComparison.Ordinal) ? [2f, 0f] : [0f, 0f, 1f, 1f, 0f, 0f];
        var gradient = new float[6];
        loss.Compute(outputs, targets, 2, 3, gradient, fromLogits);
        long before = GC.GetAllocatedBytesForCurrentThread();
        loss.Compute(outputs, targets, 2, 3, gradient, fromLogits);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void WrongLengthsAreRejected()
    {
        var loss = new MeanSquaredError();
        Assert.Throws<ArgumentException>(() => loss.Compute(new float[5], new float[6], 2, 3, [], false));
        Assert.Throws<ArgumentException>(() => loss.Compute(new float[6], new float[5], 2, 3, [], false));
        Assert.Throws<ArgumentException>(() => loss.Compute(new float[6], new float[6], 2, 3, new float[5], false));
        Assert.Throws<ArgumentOutOfRangeException>(() => loss.Compute([], [], 0, 3, [], false));
        Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Compute(new float[6], new float[6], 2, 3, [], true));
    }

    [Theory]
    [InlineData("categorical_crossentropy", "categorical_crossentropy", OutputActivation.Softmax)]
    [InlineData("CategoricalCrossentropy", "categorical_crossentropy", OutputActivation.Softmax)]
    [InlineData("SPARSE_CATEGORICAL_CROSSENTROPY", "sparse_categorical_crossentropy", OutputActivation.Softmax)]
    [InlineData("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", OutputActivation.Softmax)]
    [InlineData("binary_crossentropy", "binary_crossentropy", OutputActivation.Sigmoid)]
    [InlineData("BinaryCrossentropy", "binary_crossentropy", OutputActivation.Sigmoid)]
    [InlineData("bce", "binary_crossentropy", OutputActivation.Sigmoid)]
    [InlineData("mse", "mean_squared_error", null)]
    [InlineData("MSE", "mean_squared_error", null)]
    [InlineData("MeanSquaredError", "mean_squared_error", null)]
    [InlineData("mae", "mean_absolute_error", null)]
    [InlineData("mean_absolute_error", "mean_absolute_error", null)]
    public void FactoryAcceptsKerasNamesAndAliases(string name, string kerasName, OutputActivation? fused)
    {
        Loss loss = Losses.FromName(name);
        Assert.Equal(kerasName, loss.KerasName);
        Assert.Equal(fused, loss.FusedActivation);
    }

    [Fact]
    public void FactoryRejectsUnknownNames()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.FromName("hinge"));
        Assert.Contains("categorical_crossentropy", e.Message, StringComparison.Ordinal);
    }
}
