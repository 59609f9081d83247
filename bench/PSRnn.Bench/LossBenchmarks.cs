using BenchmarkDotNet.Attributes;
using PSRnn.Engine.Training;

namespace PSRnn.Bench;

/// <summary>
/// Softmax fused with categorical cross-entropy, loss and gradient from logits, as a training step runs it: rows ×
/// classes = 32×10 (W2/W3/W6), 32×62 (W1), 3200×65 (W4, every step of 32 sequences of 100); one-hot and sparse targets.
/// </summary>
public class LossBenchmarks
{
    private readonly Loss _categorical = Losses.FromName("categorical_crossentropy");
    private readonly Loss _sparse = Losses.FromName("sparse_categorical_crossentropy");
    private float[] _logits = [];
    private float[] _oneHot = [];
    private float[] _labels = [];
    private float[] _gradient = [];

    /// <summary>Rows × classes.</summary>
    [Params("32x10", "32x62", "3200x65")]
    public string Shape { get; set; } = "";

    private int Rows => int.Parse(Shape.Split('x')[0], System.Globalization.CultureInfo.InvariantCulture);

    private int Classes => int.Parse(Shape.Split('x')[1], System.Globalization.CultureInfo.InvariantCulture);

    [GlobalSetup]
    public void Setup()
    {
        int rows = Rows, classes = Classes;
        var random = new Random(1);
        _logits = Enumerable.Range(0, rows * classes).Select(_ => (float)((random.NextDouble() * 6) - 3)).ToArray();
        _labels = Enumerable.Range(0, rows).Select(_ => (float)random.Next(classes)).ToArray();
        _oneHot = new float[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            _oneHot[(r * classes) + (int)_labels[r]] = 1f;
        }

        _gradient = new float[rows * classes];
    }

    /// <summary>One-hot targets (categorical_crossentropy).</summary>
    [Benchmark]
    public double SoftmaxCategorical() => _categorical.Compute(_logits, _oneHot, Rows, Classes, _gradient, fromLogits: true);

    /// <summary>Integer targets (sparse_categorical_crossentropy).</summary>
    [Benchmark]
    public double SoftmaxSparse() => _sparse.Compute(_logits, _labels, Rows, Classes, _gradient, fromLogits: true);
}
