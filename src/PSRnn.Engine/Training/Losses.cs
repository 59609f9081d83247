namespace PSRnn.Engine.Training;

/// <summary>Creates losses from the names Keras accepts in <c>compile(loss=...)</c>.</summary>
public static class Losses
{
    /// <summary>The Keras names this factory accepts (aliases aside).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
        "mean_squared_error", "mean_absolute_error",
    ];

    /// <summary>
    /// The loss named <paramref name="name"/>: a Keras function name (<c>categorical_crossentropy</c>), class name
    /// (<c>CategoricalCrossentropy</c>) or alias (<c>mse</c>, <c>mae</c>, <c>bce</c>); case and underscores are
    /// ignored.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a known loss.</exception>
    public static Loss FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Replace("_", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        return key switch
        {
            "CATEGORICALCROSSENTROPY" => new CategoricalCrossentropy(),
            "SPARSECATEGORICALCROSSENTROPY" => new SparseCategoricalCrossentropy(),
            "BINARYCROSSENTROPY" or "BCE" => new BinaryCrossentropy(),
            "MEANSQUAREDERROR" or "MSE" => new MeanSquaredError(),
            "MEANABSOLUTEERROR" or "MAE" => new MeanAbsoluteError(),
            // No paramName: the message reaches users as it is, and .NET would append "(Parameter 'name')".
            _ => throw new ArgumentException(
                $"Unknown loss '{name}'. Use one of: {string.Join(", ", Names)} (or mse, mae, bce)."),
        };
    }
}
