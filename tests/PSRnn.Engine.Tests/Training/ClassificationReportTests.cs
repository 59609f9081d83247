using System.Text.Json;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Engine.Tests.Training;

/// <summary>The per-class report against scikit-learn's classification_report and confusion_matrix
/// (fixtures/report/report.json, made by make_fixtures.py).</summary>
public sealed class ClassificationReportTests
{
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "report", "report.json"))).RootElement;

    [Theory]
    [InlineData("four_classes")]
    [InlineData("binary")]
    public void MatchesScikitLearn(string name)
    {
        JsonElement c = Reference.GetProperty(name);
        long[] actual = [.. c.GetProperty("actual").EnumerateArray().Select(e => e.GetInt64())];
        long[] predicted = [.. c.GetProperty("predicted").EnumerateArray().Select(e => e.GetInt64())];
        int k = c.GetProperty("classes").GetInt32();
        ClassificationReport report = ClassificationReport.FromClasses(actual, predicted, k);

        JsonElement[] rows = [.. c.GetProperty("confusion").EnumerateArray()];
        for (int t = 0; t < k; t++)
        {
            long[] row = [.. rows[t].EnumerateArray().Select(e => e.GetInt64())];
            for (int p = 0; p < k; p++)
            {
                Assert.Equal(row[p], report.ConfusionMatrix[t, p]);
            }
        }

        AssertClose(c.GetProperty("precision"), report.Precision);
        AssertClose(c.GetProperty("recall"), report.Recall);
        AssertClose(c.GetProperty("f1"), report.F1);
        Assert.Equal(c.GetProperty("support").EnumerateArray().Select(e => e.GetInt64()), report.Support);
        Assert.Equal(c.GetProperty("accuracy").GetDouble(), report.Accuracy, 12);
        Assert.Equal(c.GetProperty("macro").GetProperty("f1-score").GetDouble(), report.MacroF1, 12);
        Assert.Equal(c.GetProperty("macro").GetProperty("precision").GetDouble(), report.MacroPrecision, 12);
        Assert.Equal(c.GetProperty("weighted").GetProperty("recall").GetDouble(), report.WeightedRecall, 12);
        Assert.Equal(c.GetProperty("weighted").GetProperty("f1-score").GetDouble(), report.WeightedF1, 12);
    }

    [Fact]
    public void RefusesIndicesOutOfRangeAndLengthMismatch()
    {
        Assert.Throws<ArgumentException>(() => ClassificationReport.FromClasses([0, 3], [0, 1], 3));
        Assert.Throws<ArgumentException>(() => ClassificationReport.FromClasses([0, 1], [0], 3));
    }

    private static void AssertClose(JsonElement expected, IReadOnlyList<double> actual)
    {
        double[] e = [.. expected.EnumerateArray().Select(x => x.GetDouble())];
        Assert.Equal(e.Length, actual.Count);
        for (int i = 0; i < e.Length; i++)
        {
            Assert.Equal(e[i], actual[i], 12);
        }
    }
}
