namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>The element types the exporter writes, with onnx.proto's TensorProto.DataType numbers.</summary>
internal enum OnnxDataType
{
    /// <summary>FLOAT (float32).</summary>
    Float = 1,

    /// <summary>INT64.</summary>
    Int64 = 7,
}
