using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

public class MetricTests
{
    [Fact]
    public void CategoricalAccuracyComparesArgmaxesFirstMaxWinning()
    {
        var metric = new CategoricalAccuracy();
        Assert.True(double.IsNaN(metric.Result));
        // Row 0 right; row 1 wrong; row 2 a tie in the outputs: argmax is the first (0), target 0: right.
        metric.Update([0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.4f, 0.4f, 0.2f], [0f, 1f, 0f, 0f, 0f, 1f, 1f, 0f, 0f], 3, 3);
        Assert.Equal(2.0 / 3, metric.Result, 15);
        metric.Update([0f, 0f, 1f], [0f, 0f, 1f], 1, 3);
        Assert.Equal(0.75, metric.Result, 15);
        metric.Reset();
        Assert.True(double.IsNaN(metric.Result));
        Assert.Equal("categorical_accuracy", metric.KerasName);
        Assert.Equal("categorical_accuracy", metric.Name);
    }

    [Fact]
    public void CategoricalAccuracyOnATieInTheTargetsTakesTheFirst()
    {
        var metric = new CategoricalAccuracy();
        metric.Update([0f, 1f], [0.5f, 0.5f], 1, 2);
        Assert.Equal(0.0, metric.Result);
    }

    [Fact]
    public void SparseCategoricalAccuracyComparesArgmaxWithLabel()
    {
        var metric = new SparseCategoricalAccuracy();
        metric.Update([2f, 1f, 0f, -1f, 5f, 3f, 0f, 0f, 0f, 1f, 1f, 9f], [0f, 2f, 0f, 2f], 4, 3);
        Assert.Equal(0.75, metric.Result, 15); // rows: 0 right, 1 wrong (argmax 1), 2 tie → 0 right, 3 right
        Assert.Equal("sparse_categorical_accuracy", metric.KerasName);
    }

    [Fact]
    public void BinaryAccuracyThresholdsAtOneHalf()
    {
        var metric = new BinaryAccuracy();
        // 0.5 is not > 0.5: predicted 0.
        metric.Update([0.9f, 0.5f, 0.51f, 0.1f, 0.2f, 0.8f], [1f, 0f, 0f, 0f, 1f, 1f], 2, 3);
        Assert.Equal(4.0 / 6, metric.Result, 15);
        Assert.Equal("binary_accuracy", metric.KerasName);
    }

    [Fact]
    public void MeanAbsoluteErrorAveragesOverAllElementsAcrossBatches()
    {
        var metric = new MeanAbsoluteErrorMetric();
        metric.Update([1f, 2f], [0f, 4f], 1, 2);       // |1| + |−2|
        metric.Update([0.5f, 0.5f, 0.5f, 0.5f], [0f, 0f, 0f, 0f], 2, 2);
        Assert.Equal((3.0 + 2.0) / 6, metric.Result, 15);
        Assert.Equal("mae", metric.KerasName);
    }

    [Fact]
    public void ResultDoesNotDependOnBatchSplit()
    {
        var random = new Random(5);
        float[] outputs = Enumerable.Range(0, 70).Select(_ => (float)random.NextDouble()).ToArray();
        float[] labels = Enumerable.Range(0, 10).Select(_ => (float)random.Next(7)).ToArray();
        var whole = new SparseCategoricalAccuracy();
        whole.Update(outputs, labels, 10, 7);
        var parts = new SparseCategoricalAccuracy();
        parts.Update(outputs.AsSpan(0, 21), labels.AsSpan(0, 3), 3, 7);
        parts.Update(outputs.AsSpan(21), labels.AsSpan(3), 7, 7);
        Assert.Equal(whole.Result, parts.Result);
    }

    [Theory]
    [InlineData("accuracy", 10, false, "categorical_accuracy")]
    [InlineData("acc", 10, true, "sparse_categorical_accuracy")]
    [InlineData("Accuracy", 1, false, "binary_accuracy")]
    [InlineData("categorical_accuracy", 1, false, "categorical_accuracy")]
    [InlineData("sparse_categorical_accuracy", 4, true, "sparse_categorical_accuracy")]
    [InlineData("binary_accuracy", 4, false, "binary_accuracy")]
    [InlineData("mae", 4, false, "mae")]
    [InlineData("mean_absolute_error", 4, false, "mae")]
    public void FactoryResolvesNamesAsKerasCompileDoes(string name, int width, bool sparse, string kerasName)
    {
        Metric metric = Metrics.FromName(name, width, sparse);
        Assert.Equal(kerasName, metric.KerasName);
        if (name.StartsWith("acc", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Equal(name, metric.Name); // reported under the name the user gave, as Keras's history
        }
    }

    [Fact]
    public void FactoryRejectsUnknownNamesAndUpdateRejectsBadLengths()
    {
        Assert.Throws<ArgumentException>(() => Metrics.FromName("f1_score", 2, false));
        Assert.Throws<ArgumentException>(() => new CategoricalAccuracy().Update(new float[6], new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => new SparseCategoricalAccuracy().Update(new float[6], new float[6], 2, 3));
    }
    [Theory]
    [InlineData("mae", true, "compares the outputs with targets of their shape, but the targets are class labels")]
    [InlineData("categorical_accuracy", true, "but the targets are class labels")]
    [InlineData("sparse_categorical_accuracy", false, "takes class labels (one integer per output row), but the targets are rows of values")]
    public void ResolvingRefusesAMetricThatCannotReadTheTargets(string name, bool labels, string message)
    {
        // Refused before training, as a loss is: the metric's Update would otherwise fail inside the first batch.
        var model = new Sequential(SampleShape.Sequence(3, 2), seed: 1);
        model.Add(new Lstm(4));
        model.Add(new Dense(2, ActivationKind.Softmax));
        var x = new Tensor(new float[4 * 3 * 2], 4, 3, 2);
        Tensor y = labels ? new Tensor(new long[] { 0, 1, 0, 1 }, 4) : new Tensor(new float[] { 1, 0, 0, 1, 1, 0, 0, 1 }, 4, 2);
        Dataset data = Dataset.Create(x, y, model);
        var e = Assert.Throws<ModelException>(() => Trainer.ResolveMetrics(model, Trainer.ResolveLoss(model, null, data), data, [name]));
        Assert.Equal("MetricTargetMismatch", e.ErrorId);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFractionalLabelIsNotAWholeNumberRatherThanOutOfRange()
    {
        var model = new Sequential(SampleShape.Sequence(3, 2), seed: 1);
        model.Add(new Lstm(4));
        model.Add(new Dense(2, ActivationKind.Softmax));
        var x = new Tensor(new float[2 * 3 * 2], 2, 3, 2);
        var e = Assert.Throws<ModelException>(() => Dataset.Create(x, new Tensor(new double[] { 0.5, 1 }, 2), model));
        Assert.Equal("LabelNotInteger", e.ErrorId);
        Assert.Equal("LabelOutOfRange", Assert.Throws<ModelException>(() => Dataset.Create(x, new Tensor(new double[] { 2, 1 }, 2), model)).ErrorId);
    }
}
