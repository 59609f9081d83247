namespace PSRnn.Engine.Training;

/// <summary>Which vector width the optimizer kernels use; tests force each one to check they agree bit for bit.</summary>
internal enum VectorPath
{
    /// <summary>Plain floats only.</summary>
    Scalar,

    /// <summary><c>Vector128</c> (SSE, AdvSimd) then a scalar tail.</summary>
    Vector128,

    /// <summary><c>Vector256</c> (AVX), then <c>Vector128</c>, then a scalar tail: the default where supported.</summary>
    Vector256,
}
