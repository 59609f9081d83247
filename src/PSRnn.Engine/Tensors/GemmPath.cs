namespace PSRnn.Engine.Tensors;

/// <summary>Which micro-kernel <see cref="Gemm"/> runs; tests force each one.</summary>
internal enum GemmPath
{
    /// <summary>The fastest path this machine supports.</summary>
    Auto,

    /// <summary>8×32 tiles of <c>Vector512</c> with FMA (x86 AVX-512F).</summary>
    Vector512,

    /// <summary>6×16 tiles of <c>Vector256</c> with FMA (x86 AVX2 + FMA).</summary>
    Vector256,

    /// <summary>6×8 tiles of <c>Vector128</c> (SSE, AdvSimd or software).</summary>
    Vector128,

    /// <summary>4×4 tiles of plain floats.</summary>
    Scalar,
}
