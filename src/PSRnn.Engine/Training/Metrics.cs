namespace PSRnn.Engine.Training;

/// <summary>Creates metrics from the names Keras accepts in <c>compile(metrics=[...])</c>.</summary>
public static class Metrics
{
    /// <summary>
    /// The metric named <paramref name="name"/> (case and underscores ignored). <c>accuracy</c> / <c>acc</c> resolve
    /// as Keras's compile does: <c>binary_accuracy</c> when the output has one unit, else
    /// <c>sparse_categorical_accuracy</c> for class-index targets, else <c>categorical_accuracy</c>; the metric then
    /// reports under the name the user gave.
    /// </summary>
    /// <param name="name">accuracy, acc, categorical_accuracy, sparse_categorical_accuracy, binary_accuracy, mae,
    /// mean_absolute_error, precision, recall, auc (ROC), pr_auc (AUC of the PR curve), top_k_categorical_accuracy or
    /// sparse_top_k_categorical_accuracy (k = 5), with Keras's defaults.</param>
    /// <param name="outputWidth">The model's output units.</param>
    /// <param name="sparseTargets">Whether targets are class indices (one per row).</param>
    /// <exception cref="ArgumentException">The name is not a known metric.</exception>
    public static Metric FromName(string name, int outputWidth, bool sparseTargets)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Replace("_", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        return key switch
        {
            "ACCURACY" or "ACC" => outputWidth == 1 ? new BinaryAccuracy(name)
                : sparseTargets ? new SparseCategoricalAccuracy(name)
                : new CategoricalAccuracy(name),
            "CATEGORICALACCURACY" => new CategoricalAccuracy(),
            "SPARSECATEGORICALACCURACY" => new SparseCategoricalAccuracy(),
            "BINARYACCURACY" => new BinaryAccuracy(),
            "MAE" or "MEANABSOLUTEERROR" => new MeanAbsoluteErrorMetric(),
            "PRECISION" => new Precision(),
            "RECALL" => new Recall(),
            "AUC" => new Auc(),
            "PRAUC" => new Auc(AucCurve.PR),
            "TOPKCATEGORICALACCURACY" => new TopKCategoricalAccuracy(),
            "SPARSETOPKCATEGORICALACCURACY" => new SparseTopKCategoricalAccuracy(),
            // No paramName: the message reaches users as it is, and .NET would append "(Parameter 'name')".
            _ => throw new ArgumentException(
                $"Unknown metric '{name}'. Use accuracy, categorical_accuracy, sparse_categorical_accuracy, "
                + "binary_accuracy, mae, precision, recall, auc, pr_auc, top_k_categorical_accuracy or sparse_top_k_categorical_accuracy."),
        };
    }
}
