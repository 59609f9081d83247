using System.Text.Json;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>Issue 16's metrics against NumPy transcriptions of Keras's algorithms (tests/fixtures/losses16).</summary>
public class KerasMetricTests
{
    public static TheoryData<string> CaseNames() => KerasFixtures.Names("metrics");

    private static JsonElement Case(string name) => KerasFixtures.Case("metrics", name);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void AccumulatesOverBatchesAsKeras(string name)
    {
        JsonElement c = Case(name);
        int width = c.GetProperty("width").GetInt32();
        Metric metric = Metrics.FromName(c.GetProperty("metric").GetString()!, width, c.GetProperty("sparse").GetBoolean());
        Assert.True(double.IsNaN(metric.Result));
        var allOutputs = new List<float>();
        var allTargets = new List<float>();
        foreach (JsonElement batch in c.GetProperty("batches").EnumerateArray())
        {
            float[] outputs = TrainingFixtures.Floats(batch.GetProperty("outputs"));
            float[] targets = TrainingFixtures.Floats(batch.GetProperty("targets"));
            metric.Update(outputs, targets, outputs.Length / width, width);
            allOutputs.AddRange(outputs);
            allTargets.AddRange(targets);
        }

        double expected = c.GetProperty("value").GetDouble();
        TrainingFixtures.AssertClose(expected, metric.Result, 1e-9, name);
        if (c.TryGetProperty("sklearn", out JsonElement exact))
        {
            // Keras's 200 thresholds discretize the exact figure: within a bucket's width.
            Assert.True(Math.Abs(exact.GetDouble() - metric.Result) <= 1.0 / 199, $"{name}: sklearn {exact.GetDouble()}, PSRnn {metric.Result}");
        }

        // One batch of everything gives the same counts, so the same result; a reset forgets them.
        double accumulated = metric.Result;
        metric.Reset();
        Assert.True(double.IsNaN(metric.Result));
        metric.Update(allOutputs.ToArray(), allTargets.ToArray(), allOutputs.Count / width, width);
        Assert.Equal(accumulated, metric.Result);
    }

    [Fact]
    public void AucIsNotTheMeanOfPerBatchAreas()
    {
        // Batch 1 has positives only, batch 2 negatives only: each alone has no ROC area (0), together they separate perfectly.
        var auc = new Auc();
        auc.Update([0.9f, 0.8f], [1f, 1f], 2, 1);
        Assert.Equal(0.0, auc.Result);
        auc.Update([0.1f, 0.2f], [0f, 0f], 2, 1);
        Assert.Equal(1.0, auc.Result, 12);
    }

    [Theory]
    [InlineData("precision", "precision")]
    [InlineData("Recall", "recall")]
    [InlineData("AUC", "auc")]
    [InlineData("pr_auc", "pr_auc")]
    [InlineData("TopKCategoricalAccuracy", "top_k_categorical_accuracy")]
    [InlineData("sparse_top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy")]
    public void HistoryNamesAreKeras(string name, string reported) =>
        Assert.Equal(reported, Metrics.FromName(name, 4, name.StartsWith("sparse", StringComparison.Ordinal)).Name);
}
