using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>
/// Sample and class weights against tests/fixtures/weights/weights_cases.json (make_weights.py: PyTorch float64 for the
/// losses and gradients, scikit-learn for 'balanced', NumPy for the weighted metrics).
/// </summary>
public sealed class SampleWeightTests
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "weights", "weights_cases.json"))));

    private static JsonElement Root => Document.Value.RootElement;

    public static TheoryData<string> LossCases()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Root.GetProperty("losses").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static float[] Data(JsonElement c, string key) => TrainingFixtures.Floats(c.GetProperty(key).GetProperty("data"));

    private static double[] Expected(JsonElement c, string key) => TrainingFixtures.Doubles(c.GetProperty(key).GetProperty("data"));

    // Relative 1e-6, with an absolute floor far below any value here for entries that are exactly 0.
    private static void AssertRelative(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= (1e-6 * Math.Abs(expected)) + 1e-12,
            $"{what}: expected {expected:R}, got {actual:R}");

    [Theory]
    [MemberData(nameof(LossCases))]
    public void WeightedLossAndGradientEqualPyTorch(string name)
    {
        JsonElement c = Root.GetProperty("losses").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        Loss loss = Losses.FromName(c.GetProperty("loss").GetString()!);
        float[] outputs = Data(c, "outputs"), targets = Data(c, "targets"), weights = Data(c, "weights");
        int width = c.GetProperty("width").GetInt32();
        bool fromLogits = c.GetProperty("from_logits").GetBoolean();
        var gradient = new float[outputs.Length];
        double value;
        if (c.TryGetProperty("mask", out JsonElement maskJson))
        {
            // The trainer's own path: the mask gathers the real steps, the weights follow them.
            int batch = c.GetProperty("batch").GetInt32(), time = c.GetProperty("time").GetInt32();
            var output = new Activations(batch, time, width, true);
            outputs.CopyTo(output.Span);
            output.Mask = new SequenceMask(batch, time, TrainingFixtures.Bools(maskJson));
            value = Trainer.ComputeLoss(loss, output, targets, gradient, fromLogits, new MaskedRows(), BatchWeights.ForRows(weights));
        }
        else
        {
            value = WeightedLoss.Compute(loss, outputs, targets, weights, outputs.Length / width, width, gradient, fromLogits);
        }

        AssertRelative(c.GetProperty("value").GetDouble(), value, name + " loss");
        double[] expected = Expected(c, "gradient");
        for (int i = 0; i < expected.Length; i++)
        {
            AssertRelative(expected[i], gradient[i], $"{name} gradient[{i}]");
        }
    }

    [Fact]
    public void ABatchOfZeroWeightsHasLossZeroAndGradientZero()
    {
        // Probabilities of exactly 0 and 1: clipped, but a zero weight must not even look at them.
        float[] outputs = [0f, 1f, 1f, 0f];
        float[] targets = [1f, 0f, 0f, 1f];
        var gradient = new float[4];
        gradient.AsSpan().Fill(float.NaN);
        double value = WeightedLoss.Compute(new CategoricalCrossentropy(), outputs, targets, [0f, 0f], 2, 2, gradient, false);
        Assert.Equal(0.0, value);
        Assert.All(gradient, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void WeightedMetricsEqualNumPy()
    {
        JsonElement m = Root.GetProperty("metrics");
        float[] outputs = Data(m, "outputs"), weights = Data(m, "weights");
        float[] labels = [.. m.GetProperty("labels").EnumerateArray().Select(e => (float)e.GetInt32())];
        int width = m.GetProperty("width").GetInt32(), rows = labels.Length;
        (Sequential model, Dataset data) = Classifier(width, labels.Select(l => (long)l).ToArray());
        Loss loss = Trainer.ResolveLoss(model, null, data);
        IReadOnlyList<Metric> metrics = WeightedMetric.Append(Trainer.ResolveMetrics(model, loss, data, null), model, loss, data,
            ["accuracy"], BatchWeights.ForRows(weights));
        Assert.Equal(["accuracy", "weighted_accuracy"], metrics.Select(x => x.Name));
        foreach (Metric metric in metrics)
        {
            metric.Reset();
            metric.Update(outputs, labels, rows, width);
        }

        AssertRelative(m.GetProperty("unweighted_accuracy").GetDouble(), metrics[0].Result, "accuracy");
        AssertRelative(m.GetProperty("accuracy").GetDouble(), metrics[1].Result, "weighted_accuracy");

        // Weighted alone, it keeps its own name; mae weighs each row's mean |o − t|.
        Loss mse = Losses.FromName("mse");
        (Sequential regression, Dataset values) = Regressor(width, Data(m, "mae_targets"));
        IReadOnlyList<Metric> mae = WeightedMetric.Append([], regression, mse, values, ["mae"], BatchWeights.ForRows(weights));
        Assert.Equal("mae", Assert.Single(mae).Name);
        mae[0].Update(outputs, Data(m, "mae_targets"), rows, width);
        AssertRelative(m.GetProperty("mae").GetDouble(), mae[0].Result, "weighted mae");
    }

    [Fact]
    public void BalancedEqualsScikitLearn()
    {
        JsonElement b = Root.GetProperty("balanced");
        long[] labels = [.. b.GetProperty("labels").EnumerateArray().Select(e => (long)e.GetInt32())];
        int[] classes = [.. b.GetProperty("classes").EnumerateArray().Select(e => e.GetInt32())];
        double[] expected = TrainingFixtures.Doubles(b.GetProperty("weights"));
        (Sequential model, Dataset data) = Classifier(3, labels);
        IReadOnlyDictionary<int, double> balanced = ClassWeights.Balanced(model, data);
        Assert.Equal(classes, balanced.Keys.Order());
        for (int i = 0; i < classes.Length; i++)
        {
            AssertRelative(expected[i], balanced[classes[i]], $"class {classes[i]}");
        }

        // One-hot rows give the same classes.
        var onehot = new float[labels.Length * 3];
        for (int i = 0; i < labels.Length; i++)
        {
            onehot[(i * 3) + labels[i]] = 1;
        }

        Dataset rows = Dataset.Create(new Tensor(new float[labels.Length * 2 * 2], labels.Length, 2, 2), new Tensor(onehot, labels.Length, 3), model);
        Assert.Equal(balanced, ClassWeights.Balanced(model, rows));
    }

    [Fact]
    public void ClassWeightsAreTheSampleWeightsTheyImplyBitForBit()
    {
        long[] labels = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1];
        float[] implied = [.. labels.Select(l => l == 0 ? 2f : 1f)];
        float[] byClass = Train(d => ClassWeights.Apply(d.Model, d.Data, new Dictionary<int, double> { [0] = 2.0, [1] = 1.0 }), labels);
        float[] bySample = Train(d => d.Data.WithSampleWeights(new Tensor(implied, implied.Length)), labels);
        float[] unweighted = Train(d => d.Data, labels);
        Assert.Equal(bySample, byClass);
        Assert.NotEqual(unweighted, byClass);
    }

    [Fact]
    public void ASingleSigmoidOutputsClassIsItsZeroOrOneTarget()
    {
        var model = new Sequential(SampleShape.Sequence(2, 2), seed: 4);
        model.Add(new Gru(3));
        model.Add(new Dense(1, ActivationKind.Sigmoid));
        Dataset data = Dataset.Create(new Tensor(new float[4 * 2 * 2], 4, 2, 2), new Tensor(new float[] { 0, 1, 1, 0 }, 4, 1), model);
        Dataset weighted = ClassWeights.Apply(model, data, new Dictionary<int, double> { [0] = 2.5 });
        var rows = new float[4];
        weighted.GatherRowWeights([0, 1, 2, 3], 0, 1, rows);
        Assert.Equal([2.5f, 1f, 1f, 2.5f], rows);
        Assert.Equal(new Dictionary<int, double> { [0] = 1.0, [1] = 1.0 }, ClassWeights.Balanced(model, data));
        Assert.Equal("ClassWeightUnknownClass", Assert.Throws<ModelException>(() =>
            ClassWeights.Apply(model, data, new Dictionary<int, double> { [2] = 1.0 })).ErrorId);
    }

    [Theory]
    [InlineData(new[] { 1f, 2f, -1f }, "SampleWeightNegative")]
    [InlineData(new[] { 1f, float.NaN, 1f }, "SampleWeightNotFinite")]
    [InlineData(new[] { 1f, float.PositiveInfinity, 1f }, "SampleWeightNotFinite")]
    [InlineData(new[] { 1f, 2f }, "SampleWeightCountMismatch")]
    public void BadSampleWeightsAreRefused(float[] weights, string id)
    {
        (_, Dataset data) = Classifier(2, [0, 1, 1]);
        Assert.Equal(id, Assert.Throws<ModelException>(() => data.WithSampleWeights(new Tensor(weights, weights.Length))).ErrorId);
    }

    [Fact]
    public void ClassWeightsRefuseUnknownClassesBadWeightsAndPerStepTargets()
    {
        (Sequential model, Dataset data) = Classifier(2, [0, 1, 1]);
        Assert.Equal("ClassWeightUnknownClass", Assert.Throws<ModelException>(() =>
            ClassWeights.Apply(model, data, new Dictionary<int, double> { [2] = 1.0 })).ErrorId);
        Assert.Equal("ClassWeightInvalid", Assert.Throws<ModelException>(() =>
            ClassWeights.Apply(model, data, new Dictionary<int, double> { [1] = -1.0 })).ErrorId);
        var perStep = new Sequential(SampleShape.Sequence(2, 2), seed: 3);
        perStep.Add(new Lstm(3, returnSequences: true));
        perStep.Add(new Dense(2, ActivationKind.Softmax));
        Dataset steps = Dataset.Create(new Tensor(new float[3 * 2 * 2], 3, 2, 2), new Tensor(new long[] { 0, 1, 1, 0, 1, 1 }, 3, 2), perStep);
        ModelException e = Assert.Throws<ModelException>(() => ClassWeights.Apply(perStep, steps, new Dictionary<int, double> { [0] = 2.0 }));
        Assert.Equal("ClassWeightPerStepTargets", e.ErrorId);
        Assert.Contains("`class_weight` not supported for 3+ dimensional targets.", e.Message, StringComparison.Ordinal);
        Assert.Equal("SampleWeightShapeMismatch", Assert.Throws<ModelException>(() =>
            steps.WithSampleWeights(new Tensor(new float[9], 3, 3))).ErrorId);
        Assert.Equal("SampleWeightShapeMismatch", Assert.Throws<ModelException>(() =>
            data.WithSampleWeights(new Tensor(new float[6], 3, 2))).ErrorId);
    }

    [Fact]
    public void TheWeightsOfAValidationSplitGoWithTheHeldOutSamples()
    {
        (_, Dataset data) = Classifier(2, [0, 1, 1, 0]);
        Dataset weighted = data.WithSampleWeights(new Tensor(new float[] { 1, 2, 3, 4 }, 4));
        (Dataset train, Dataset validation) = weighted.SplitTail(0.5);
        var rows = new float[2];
        validation.GatherRowWeights([0, 1], 0, 1, rows);
        Assert.Equal([3f, 4f], rows);
        train.GatherRowWeights([1, 0], 0, 1, rows);
        Assert.Equal([2f, 1f], rows);
        Assert.NotEqual(weighted.SampleWeightDigest, train.SampleWeightDigest);
        Assert.Null(data.SampleWeightDigest);
    }

    private static float[] Train(Func<(Sequential Model, Dataset Data), Dataset> weigh, long[] labels)
    {
        (Sequential model, Dataset data) = Classifier(2, labels, seeded: true);
        Dataset weighted = weigh((model, data));
        Trainer.Fit(model, weighted, null, Trainer.ResolveLoss(model, null, weighted), new Adam(0.05f),
            new FitOptions { Epochs = 3, BatchSize = 4, Seed = 5 });
        return model.SnapshotWeights(null);
    }

    private static (Sequential Model, Dataset Data) Classifier(int classes, long[] labels, bool seeded = false)
    {
        var model = new Sequential(SampleShape.Sequence(2, 2), seed: 11);
        model.Add(new Lstm(3));
        model.Add(new Dense(classes, ActivationKind.Softmax));
        var x = new float[labels.Length * 2 * 2];
        for (int i = 0; seeded && i < x.Length; i++)
        {
            x[i] = MathF.Sin(i * 1.3f) * (labels[i / 4] == 0 ? 1 : -1);
        }

        return (model, Dataset.Create(new Tensor(x, labels.Length, 2, 2), new Tensor(labels, labels.Length), model));
    }

    private static (Sequential Model, Dataset Data) Regressor(int width, float[] targets)
    {
        var model = new Sequential(SampleShape.Vector(2), seed: 11);
        model.Add(new Dense(width));
        int n = targets.Length / width;
        return (model, Dataset.Create(new Tensor(new float[n * 2], n, 2), new Tensor(targets, n, width), model));
    }
}
