namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>One dimension of a graph input or output: a fixed size or a symbolic name (<c>batch</c>, <c>time</c>).</summary>
/// <param name="Value">The fixed size, or null for a symbolic dimension.</param>
/// <param name="Param">The symbolic name, when <paramref name="Value"/> is null.</param>
internal readonly record struct OnnxDim(long? Value, string? Param)
{
    /// <summary>A fixed dimension.</summary>
    public static OnnxDim Fixed(long value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static OnnxDim Symbolic(string name) => new(null, name);

    /// <summary>Writes TensorShapeProto.Dimension (dim_value 1 or dim_param 2).</summary>
    public void WriteTo(ProtoWriter writer)
    {
        if (Value is { } v)
        {
            writer.WriteInt64(1, v);
        }
        else
        {
            writer.WriteString(2, Param ?? "");
        }
    }
}
