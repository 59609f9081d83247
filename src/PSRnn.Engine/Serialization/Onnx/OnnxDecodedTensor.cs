namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>A TensorProto read from a file: its name, shape and values (float tensors as float32, integer ones as int64).</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Dims">The shape.</param>
/// <param name="Floats">The values of a floating-point tensor, else null.</param>
/// <param name="Ints">The values of an integer or boolean tensor, else null.</param>
internal sealed record OnnxDecodedTensor(string Name, long[] Dims, float[]? Floats, long[]? Ints)
{
    /// <summary>The number of values.</summary>
    public int Count => Floats?.Length ?? Ints!.Length;

    /// <summary>The values as int64 (floating-point ones truncated), for shape and index constants.</summary>
    public long[] AsInt64s() => Ints ?? Array.ConvertAll(Floats!, f => (long)f);

    /// <summary>The values as float32.</summary>
    public float[] AsFloats() => Floats ?? Array.ConvertAll(Ints!, i => (float)i);
}
