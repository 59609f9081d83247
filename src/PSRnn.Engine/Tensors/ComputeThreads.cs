namespace PSRnn.Engine.Tensors;

/// <summary>
/// How many threads the engine's matrix products may use. The default — one per processor — is fixed when the process
/// starts and never changes; a caller narrows it for its own work with <see cref="Use"/>, which holds for the calling
/// thread only until the returned scope is disposed. Two models trained on two threads with different counts therefore
/// never see each other's setting. <see cref="Training.Trainer"/> opens such a scope from
/// <see cref="Training.FitOptions.ThreadCount"/> and from the thread count given to Predict and Evaluate.
/// </summary>
/// <remarks>
/// Results do not depend on the count: <see cref="Gemm"/> splits a product so that every element is computed by one
/// worker in the same order whatever the number of workers, and the recurrent layers' batch-parallel time loop
/// (<see cref="Layers.BatchSplit"/>) gives every batch row the same arithmetic whichever chunk holds it; the rest of a
/// training step runs on the calling thread. The recurrent layers' workers open a scope of 1 of their own.
/// The scope is per thread, not per asynchronous flow: open and dispose it on the thread that does the work (the engine
/// is synchronous).
/// </remarks>
public static class ComputeThreads
{
    // 0: no scope open on this thread, so the default applies.
    [ThreadStatic]
    private static int t_count;

    /// <summary>The process-wide default: one thread per processor (<see cref="Environment.ProcessorCount"/>).</summary>
    public static int Default { get; } = Environment.ProcessorCount;

    /// <summary>The thread count in force on the calling thread: its innermost open scope's, else <see cref="Default"/>.</summary>
    public static int Current => t_count > 0 ? t_count : Default;

    /// <summary>
    /// Sets the thread count of the calling thread's matrix products until the returned scope is disposed, which puts
    /// back the previous count. Null keeps the count in force (a scope that changes nothing).
    /// </summary>
    /// <param name="threadCount">Workers per product, at least 1; or null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is below 1.</exception>
    public static Scope Use(int? threadCount)
    {
        if (threadCount is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(threadCount));
        }

        int previous = t_count;
        if (threadCount is { } n)
        {
            t_count = n;
        }

        return new Scope(previous);
    }

    /// <summary>An open thread-count setting; disposing it restores the count that was in force before.</summary>
    public readonly struct Scope : IDisposable, IEquatable<Scope>
    {
        private readonly int _previous;

        internal Scope(int previous) => _previous = previous;

        /// <summary>Restores the previous thread count of the calling thread.</summary>
        public void Dispose() => t_count = _previous;

        /// <inheritdoc />
        public bool Equals(Scope other) => _previous == other._previous;

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is Scope other && Equals(other);

        /// <inheritdoc />
        public override int GetHashCode() => _previous;

        /// <summary>Whether two scopes restore the same count.</summary>
        public static bool operator ==(Scope left, Scope right) => left.Equals(right);

        /// <summary>Whether two scopes restore different counts.</summary>
        public static bool operator !=(Scope left, Scope right) => !left.Equals(right);
    }
}
