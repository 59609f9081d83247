using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>
/// -WeightedMetric precision, recall, auc and pr_auc: sample weights added into the confusion counts, against
/// tests/fixtures/weights/weighted_confusion_cases.json (make_weighted_confusion.py: a NumPy transcription of Keras's
/// weighted update_confusion_matrix_variables and AUC, scikit-learn's weighted scores as a sanity check).
/// </summary>
public sealed class WeightedConfusionMetricTests
{
    private static readonly string[] Confusion = ["precision", "recall", "auc", "pr_auc"];

    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "fixtures", "weights", "weighted_confusion_cases.json"))));

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (JsonElement c in Document.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            foreach (string metric in Confusion)
            {
                data.Add(c.GetProperty("name").GetString()!, metric);
            }
        }

        return data;
    }

    private static JsonElement Case(string name) =>
        Document.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static IEnumerable<(float[] Outputs, float[] Targets, float[] Weights)> Batches(JsonElement c) =>
        c.GetProperty("batches").EnumerateArray().Select(b => (TrainingFixtures.Floats(b.GetProperty("outputs")),
            TrainingFixtures.Floats(b.GetProperty("targets")), TrainingFixtures.Floats(b.GetProperty("weights"))));

    // Relative 1e-6, with an absolute floor far below any value here for the results that are exactly 0.
    private static void AssertRelative(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= (1e-6 * Math.Abs(expected)) + 1e-12, $"{what}: expected {expected:R}, got {actual:R}");

    [Theory]
    [MemberData(nameof(Cases))]
    public void WeightedCountsOverBatchesEqualKeras(string name, string metricName)
    {
        JsonElement c = Case(name);
        int width = c.GetProperty("width").GetInt32();
        Metric metric = Metrics.FromName(metricName, width, false);
        Assert.True(metric.CountsWeights);
        foreach ((float[] outputs, float[] targets, float[] weights) in Batches(c))
        {
            metric.UpdateWeighted(outputs, targets, weights, weights.Length, width);
        }

        AssertRelative(c.GetProperty("values").GetProperty(metricName).GetDouble(), metric.Result, $"{name} {metricName}");
        if (c.TryGetProperty("sklearn", out JsonElement sklearn) && sklearn.TryGetProperty(metricName, out JsonElement exact))
        {
            // precision and recall are scikit-learn's exactly; Keras's 200 thresholds put the ROC area within a bucket of it.
            double tolerance = metricName == "auc" ? 1.0 / 199 : 1e-9;
            Assert.True(Math.Abs(exact.GetDouble() - metric.Result) <= tolerance, $"{name} {metricName}: sklearn {exact.GetDouble()}, PSRnn {metric.Result}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WeightsOfOneGiveTheUnweightedMetricBitForBit(string name, string metricName)
    {
        JsonElement c = Case(name);
        int width = c.GetProperty("width").GetInt32();
        Metric weighted = Metrics.FromName(metricName, width, false), plain = Metrics.FromName(metricName, width, false);
        foreach ((float[] outputs, float[] targets, float[] weights) in Batches(c))
        {
            float[] ones = [.. weights.Select(_ => 1f)];
            weighted.UpdateWeighted(outputs, targets, ones, ones.Length, width);
            plain.Update(outputs, targets, ones.Length, width);
        }

        Assert.Equal(BitConverter.DoubleToInt64Bits(plain.Result), BitConverter.DoubleToInt64Bits(weighted.Result));
    }

    [Fact]
    public void WeightedMetricAddsTheWeightsIntoTheCountsUnderKerasNames()
    {
        JsonElement c = Case("one-hot");
        int width = c.GetProperty("width").GetInt32();
        (float[] Outputs, float[] Targets, float[] Weights)[] batches = [.. Batches(c)];
        float[] outputs = [.. batches.SelectMany(b => b.Outputs)], targets = [.. batches.SelectMany(b => b.Targets)];
        float[] weights = [.. batches.SelectMany(b => b.Weights)];
        (Sequential model, Dataset data) = Sigmoids(width, targets);
        Loss loss = Losses.FromName("binary_crossentropy");
        IReadOnlyList<Metric> metrics = WeightedMetric.Append(Trainer.ResolveMetrics(model, loss, data, ["precision"]), model, loss, data,
            Confusion, BatchWeights.ForRows(weights));
        Assert.Equal(["precision", "weighted_precision", "recall", "auc", "pr_auc"], metrics.Select(m => m.Name));
        Assert.All(metrics, m => Assert.True(double.IsNaN(m.Result)));
        foreach (Metric metric in metrics)
        {
            metric.Update(outputs, targets, weights.Length, width);
        }

        JsonElement values = c.GetProperty("values");
        for (int i = 0; i < Confusion.Length; i++)
        {
            AssertRelative(values.GetProperty(Confusion[i]).GetDouble(), metrics[i + 1].Result, metrics[i + 1].Name);
        }

        Assert.NotEqual(metrics[0].Result, metrics[1].Result);
        foreach (Metric metric in metrics)
        {
            metric.Reset();
        }

        Assert.All(metrics, m => Assert.True(double.IsNaN(m.Result)));
    }

    [Fact]
    public void PrecisionIsARatioOfWeightedCountsNotAWeightedMeanOfRows()
    {
        // Row 1 (weight 1): TP 1, FP 1, its own precision 1/2; row 2 (weight 3): TP 1, precision 1. Keras counts
        // TP = 1 + 3, FP = 1: 4/5, where a weighted mean of the rows' precisions would give (1/2 + 3)/4 = 0.875.
        (Sequential model, Dataset data) = Sigmoids(2, [1, 0, 1, 0]);
        Loss loss = Losses.FromName("binary_crossentropy");
        Metric precision = Assert.Single(WeightedMetric.Append([], model, loss, data, ["precision"], BatchWeights.ForRows([1f, 3f])));
        precision.Update([0.9f, 0.6f, 0.7f, 0.1f], [1f, 0f, 1f, 0f], 2, 2);
        Assert.Equal(0.8, precision.Result, 15);
    }

    [Fact]
    public void ZeroWeightsGiveZeroNotNaNAndAMeanMetricRefusesWeightedCounts()
    {
        foreach (string name in Confusion)
        {
            Metric metric = Metrics.FromName(name, 1, false);
            metric.UpdateWeighted([0.9f, 0.2f], [1f, 0f], [0f, 0f], 2, 1);
            Assert.Equal(0.0, metric.Result);
            Assert.Throws<ArgumentException>(() => metric.UpdateWeighted([0.9f, 0.2f], [1f, 0f], [1f], 2, 1));
        }

        Metric accuracy = Metrics.FromName("binary_accuracy", 1, false);
        Assert.False(accuracy.CountsWeights);
        Assert.Throws<NotSupportedException>(() => accuracy.UpdateWeighted([0.9f], [1f], [1f], 1, 1));
    }

    // A model of `width` sigmoid outputs and its (rows, width) 0/1 targets, for WeightedMetric.Append to resolve names against.
    private static (Sequential Model, Dataset Data) Sigmoids(int width, float[] targets)
    {
        var model = new Sequential(SampleShape.Vector(2), seed: 11);
        model.Add(new Dense(width, ActivationKind.Sigmoid));
        int n = targets.Length / width;
        return (model, Dataset.Create(new Tensor(new float[n * 2], n, 2), new Tensor(targets, n, width), model));
    }
}
