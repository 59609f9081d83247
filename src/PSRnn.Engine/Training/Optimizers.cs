namespace PSRnn.Engine.Training;

/// <summary>Creates optimizers from the names Keras accepts in <c>compile(optimizer=...)</c>.</summary>
public static class Optimizers
{
    /// <summary>The names this factory accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "nadam", "adamax"];

    /// <summary>
    /// The optimizer named <paramref name="name"/> (case-insensitive) with Keras's defaults, and the given learning
    /// rate if any (else Keras's: 0.01 for SGD, 0.001 for the others).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a known optimizer.</exception>
    public static Optimizer Create(string name, float? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToUpperInvariant() switch
        {
            "SGD" => new Sgd(learningRate ?? 0.01f),
            "RMSPROP" => new RmsProp(learningRate ?? 0.001f),
            "ADAM" => new Adam(learningRate ?? 0.001f),
            "ADAMW" => new AdamW(learningRate ?? 0.001f),
            "ADAGRAD" => new Adagrad(learningRate ?? 0.001f),
            "ADADELTA" => new Adadelta(learningRate ?? 0.001f),
            "NADAM" => new Nadam(learningRate ?? 0.001f),
            "ADAMAX" => new Adamax(learningRate ?? 0.001f),
            // No paramName: the message reaches users as it is, and .NET would append "(Parameter 'name')".
            _ => throw new ArgumentException($"Unknown optimizer '{name}'. Use one of: {string.Join(", ", Names)}."),
        };
    }
}
