namespace PSRnn.Engine.Training;

/// <summary>
/// The few lane operations the optimizer kernels need, for one vector type. Kernels are written once, generic
/// over this interface, and the JIT specializes them per struct: the scalar, 128- and 256-bit paths then run
/// the same operations in the same order (no FMA contraction), so they give the same bits.
/// </summary>
/// <typeparam name="TVec">The lane type: <c>Vector256&lt;float&gt;</c>, <c>Vector128&lt;float&gt;</c> or float.</typeparam>
internal interface ISimdOps<TVec>
    where TVec : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Loads lanes starting at element <paramref name="i"/>; the caller guarantees the range.</summary>
    static abstract TVec Load(Span<float> source, int i);

    /// <summary>Loads lanes from a read-only span.</summary>
    static abstract TVec LoadReadOnly(ReadOnlySpan<float> source, int i);

    /// <summary>Stores lanes starting at element <paramref name="i"/>.</summary>
    static abstract void Store(TVec value, Span<float> destination, int i);

    /// <summary>Every lane equal to <paramref name="value"/>.</summary>
    static abstract TVec Splat(float value);

    /// <summary>a + b.</summary>
    static abstract TVec Add(TVec a, TVec b);

    /// <summary>a − b.</summary>
    static abstract TVec Subtract(TVec a, TVec b);

    /// <summary>a · b.</summary>
    static abstract TVec Multiply(TVec a, TVec b);

    /// <summary>a / b.</summary>
    static abstract TVec Divide(TVec a, TVec b);

    /// <summary>√a, correctly rounded.</summary>
    static abstract TVec Sqrt(TVec a);

    /// <summary>max(a, b).</summary>
    static abstract TVec Max(TVec a, TVec b);
}
