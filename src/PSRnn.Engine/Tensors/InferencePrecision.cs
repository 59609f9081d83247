namespace PSRnn.Engine.Tensors;

/// <summary>
/// The weight precision of the calling thread's predictions (<see cref="WeightPrecision"/>), as
/// <see cref="ComputeThreads"/> holds the thread count: <see cref="Training.Trainer.Predict"/> and
/// <see cref="Training.Trainer.Evaluate"/> open a scope for their call, and layers read <see cref="Current"/> in an
/// inference Forward (on the calling thread; the recurrent layers hand the quantized kernel to their batch workers).
/// </summary>
public static class InferencePrecision
{
    [ThreadStatic]
    private static WeightPrecision t_precision;

    /// <summary>The precision in force on the calling thread: its innermost open scope's, else float32.</summary>
    public static WeightPrecision Current => t_precision;

    /// <summary>
    /// Sets the calling thread's precision until the returned scope is disposed (which restores the previous one). Null
    /// keeps the precision in force (a scope that changes nothing).
    /// </summary>
    /// <param name="precision">The precision of the kernels in inference, or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined precision.</exception>
    public static Scope Use(WeightPrecision? precision)
    {
        if (precision is { } p && !Enum.IsDefined(p))
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Not a weight precision.");
        }

        WeightPrecision previous = t_precision;
        t_precision = precision ?? previous;
        return new Scope(previous);
    }

    /// <summary>An open precision setting; disposing it restores the precision in force before.</summary>
    public readonly struct Scope : IDisposable, IEquatable<Scope>
    {
        private readonly WeightPrecision _previous;

        internal Scope(WeightPrecision previous) => _previous = previous;

        /// <summary>Restores the previous precision of the calling thread.</summary>
        public void Dispose() => t_precision = _previous;

        /// <inheritdoc />
        public bool Equals(Scope other) => _previous == other._previous;

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Scope other && Equals(other);

        /// <inheritdoc />
        public override int GetHashCode() => (int)_previous;

        /// <summary>Whether two scopes restore the same precision.</summary>
        public static bool operator ==(Scope left, Scope right) => left.Equals(right);

        /// <summary>Whether two scopes restore different precisions.</summary>
        public static bool operator !=(Scope left, Scope right) => !left.Equals(right);
    }
}
