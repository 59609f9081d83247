namespace PSRnn.Engine.Training;

/// <summary>Creates losses from the names Keras accepts in <c>compile(loss=...)</c>.</summary>
public static class Losses
{
    private const string Finite0OrMore = "a finite number, 0 or more";

    /// <summary>The Keras names this factory accepts (aliases aside).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
        "mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "kl_divergence", "poisson",
        "cosine_similarity", "categorical_focal_crossentropy", "binary_focal_crossentropy", "ctc",
    ];

    /// <summary>
    /// The loss named <paramref name="name"/>: a Keras function name (<c>categorical_crossentropy</c>), class name
    /// (<c>CategoricalCrossentropy</c>) or alias (<c>mse</c>, <c>mae</c>, <c>bce</c>, <c>kld</c>, <c>logcosh</c>); case and
    /// underscores are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a known loss.</exception>
    public static Loss FromName(string name) => FromName(name, null);

    /// <summary>
    /// The loss named <paramref name="name"/> (as <see cref="FromName(string)"/>) with <paramref name="options"/>, Keras's
    /// constructor arguments by name (case ignored): <c>delta</c> for huber; <c>alpha</c> and <c>gamma</c> for
    /// categorical_focal_crossentropy; <c>apply_class_balancing</c>, <c>alpha</c> and <c>gamma</c> for
    /// binary_focal_crossentropy; <c>reduction</c> (sum_over_batch_size or mean) and <c>zero_infinity</c> for ctc. Values are
    /// numbers, $true/$false for apply_class_balancing and zero_infinity, text for reduction.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a known loss.</exception>
    /// <exception cref="Layers.ModelException">An option the loss does not take (<c>LossOptionUnknown</c>) or a value out of
    /// range (<c>LossOptionInvalid</c>).</exception>
    public static Loss FromName(string name, IReadOnlyDictionary<string, object?>? options)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Replace("_", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        Func<LossOptionReader, Loss> make = key switch
        {
            "CATEGORICALCROSSENTROPY" => _ => new CategoricalCrossentropy(),
            "SPARSECATEGORICALCROSSENTROPY" => _ => new SparseCategoricalCrossentropy(),
            "BINARYCROSSENTROPY" or "BCE" => _ => new BinaryCrossentropy(),
            "MEANSQUAREDERROR" or "MSE" => _ => new MeanSquaredError(),
            "MEANABSOLUTEERROR" or "MAE" => _ => new MeanAbsoluteError(),
            "HUBER" => o => new Huber(o.Number("delta", 1.0, d => double.IsFinite(d) && d > 0, "a finite number greater than 0")),
            "LOGCOSH" => _ => new LogCosh(),
            "KLDIVERGENCE" or "KLD" or "KULLBACKLEIBLERDIVERGENCE" => _ => new KLDivergence(),
            "POISSON" => _ => new Poisson(),
            "COSINESIMILARITY" => _ => new CosineSimilarity(),
            "CATEGORICALFOCALCROSSENTROPY" => o => new CategoricalFocalCrossentropy(
                o.Number("alpha", 0.25, a => double.IsFinite(a) && a >= 0, Finite0OrMore),
                o.Number("gamma", 2.0, g => double.IsFinite(g) && g >= 0, Finite0OrMore)),
            "BINARYFOCALCROSSENTROPY" => o => new BinaryFocalCrossentropy(
                o.Flag("apply_class_balancing", false),
                o.Number("alpha", 0.25, a => a is >= 0 and <= 1, "a number from 0 to 1"),
                o.Number("gamma", 2.0, g => double.IsFinite(g) && g >= 0, Finite0OrMore)),
            "CTC" => o => new CtcLoss(
                o.Choice("reduction", "sum_over_batch_size", ["sum_over_batch_size", "mean"]) == "mean" ? CtcReduction.Mean : CtcReduction.SumOverBatchSize,
                o.Flag("zero_infinity", false)),
            // No paramName: the message reaches users as it is, and .NET would append "(Parameter 'name')".
            _ => throw new ArgumentException(
                $"Unknown loss '{name}'. Use one of: {string.Join(", ", Names)} (or mse, mae, bce, kld)."),
        };

        var reader = new LossOptionReader(CanonicalName(key), options);
        Loss loss = make(reader);
        reader.EnsureNoneLeft();
        return loss;
    }

    // The Keras name for the option reader's messages, before the loss exists.
    private static string CanonicalName(string key) =>
        Names.FirstOrDefault(n => n.Replace("_", string.Empty, StringComparison.Ordinal).Equals(key, StringComparison.OrdinalIgnoreCase))
        ?? key switch
        {
            "BCE" => "binary_crossentropy",
            "MSE" => "mean_squared_error",
            "MAE" => "mean_absolute_error",
            _ => "kl_divergence",
        };
}
