using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;

namespace PSRnn.Engine.Training;

/// <summary>
/// Per-class precision, recall, F1 and support, and the confusion matrix, with scikit-learn's definitions
/// (<c>classification_report</c> and <c>confusion_matrix</c> with <c>labels=range(classes)</c>, <c>zero_division=0</c>):
/// rows of the matrix are the true classes, columns the predicted ones.
/// </summary>
public sealed class ClassificationReport
{
    private ClassificationReport(long[,] matrix)
    {
        int k = matrix.GetLength(0);
        ConfusionMatrix = matrix;
        var precision = new double[k];
        var recall = new double[k];
        var f1 = new double[k];
        var support = new long[k];
        long correct = 0, total = 0;
        for (int c = 0; c < k; c++)
        {
            long predicted = 0;
            for (int r = 0; r < k; r++)
            {
                support[c] += matrix[c, r];
                predicted += matrix[r, c];
            }

            long hits = matrix[c, c];
            correct += hits;
            total += support[c];
            // precision = TP / (TP + FP), recall = TP / (TP + FN); 0 where the denominator is 0 (zero_division=0).
            precision[c] = predicted == 0 ? 0 : (double)hits / predicted;
            recall[c] = support[c] == 0 ? 0 : (double)hits / support[c];
            f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
        }

        (Precision, Recall, F1, Support) = (precision, recall, f1, support);
        Samples = total;
        Accuracy = total == 0 ? 0 : (double)correct / total;
        MacroPrecision = precision.Average();
        MacroRecall = recall.Average();
        MacroF1 = f1.Average();
        WeightedPrecision = Weighted(precision);
        WeightedRecall = Weighted(recall);
        WeightedF1 = Weighted(f1);
    }

    /// <summary>Counts of (true class, predicted class) pairs: [true, predicted].</summary>
    public long[,] ConfusionMatrix { get; }

    /// <summary>The number of classes.</summary>
    public int Classes => ConfusionMatrix.GetLength(0);

    /// <summary>TP / (TP + FP) per class.</summary>
    public IReadOnlyList<double> Precision { get; }

    /// <summary>TP / (TP + FN) per class.</summary>
    public IReadOnlyList<double> Recall { get; }

    /// <summary>2PR / (P + R) per class.</summary>
    public IReadOnlyList<double> F1 { get; }

    /// <summary>How many samples (or steps) truly belong to each class.</summary>
    public IReadOnlyList<long> Support { get; }

    /// <summary>All samples (or steps) counted.</summary>
    public long Samples { get; }

    /// <summary>The fraction predicted correctly.</summary>
    public double Accuracy { get; }

    /// <summary>The unweighted mean of the per-class precisions.</summary>
    public double MacroPrecision { get; }

    /// <summary>The unweighted mean of the per-class recalls.</summary>
    public double MacroRecall { get; }

    /// <summary>The unweighted mean of the per-class F1 scores.</summary>
    public double MacroF1 { get; }

    /// <summary>The per-class precisions weighted by support.</summary>
    public double WeightedPrecision { get; }

    /// <summary>The per-class recalls weighted by support.</summary>
    public double WeightedRecall { get; }

    /// <summary>The per-class F1 scores weighted by support.</summary>
    public double WeightedF1 { get; }

    /// <summary>The report for true and predicted class indices in [0, <paramref name="classes"/>).</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or an index is out of range.</exception>
    public static ClassificationReport FromClasses(ReadOnlySpan<long> actual, ReadOnlySpan<long> predicted, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} true classes but {predicted.Length} predictions.", nameof(predicted));
        }

        var matrix = new long[classes, classes];
        for (int i = 0; i < actual.Length; i++)
        {
            if ((ulong)actual[i] >= (ulong)classes || (ulong)predicted[i] >= (ulong)classes)
            {
                throw new ArgumentException($"Class index {actual[i]} or {predicted[i]} at {i} is outside 0..{classes - 1}.", nameof(actual));
            }

            matrix[actual[i], predicted[i]]++;
        }

        return new ClassificationReport(matrix);
    }

    /// <summary>
    /// Predicts <paramref name="data"/> with <paramref name="model"/> and reports the classes it chose against the
    /// targets: class labels, one-hot rows (their argmax), or for a single sigmoid output 0/1 (above 0.5). Per-step
    /// outputs count every step.
    /// </summary>
    /// <exception cref="ModelException">The model is not a classifier (ReportNeedsClassifier) or the data has no targets.</exception>
    public static ClassificationReport Evaluate(Sequential model, Dataset data, int batchSize = 32, int? threadCount = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        model.EnsureNotEmpty();
        if (model.Layers[^1] is not Dense { Activation: ActivationKind.Softmax or ActivationKind.Sigmoid } && !data.SparseTargets)
        {
            throw new ModelException("ReportNeedsClassifier",
                "Per-class figures need a classifier: a last Dense layer with a softmax or sigmoid activation, or class labels as targets.");
        }

        if (!data.HasTargets)
        {
            throw new ModelException("TargetsMissing", "Per-class figures need targets.");
        }

        int width = model.OutputShape.Features;
        long[] predicted = Trainer.ToClasses(Trainer.Predict(model, data, batchSize, threadCount), width);
        var all = new int[data.Count];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }

        var targets = new float[data.Count * data.TargetsPerSample];
        data.Gather(all, new Activations(), targets);
        long[] actual = data.SparseTargets ? [.. targets.Select(t => (long)t)] : Trainer.ToClasses(targets, width);
        return FromClasses(actual, predicted, width == 1 ? 2 : width);
    }

    private double Weighted(double[] values)
    {
        double sum = 0;
        for (int c = 0; c < values.Length; c++)
        {
            sum += values[c] * Support[c];
        }

        return Samples == 0 ? 0 : sum / Samples;
    }
}
