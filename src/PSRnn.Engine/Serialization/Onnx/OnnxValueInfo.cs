namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>An ONNX ValueInfoProto for a graph input or output: name, element type and shape.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="ElementType">The element type.</param>
/// <param name="Shape">The dimensions.</param>
internal sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, IReadOnlyList<OnnxDim> Shape)
{
    /// <summary>
    /// Writes ValueInfoProto (name 1, type 2) with TypeProto.tensor_type 1 → Tensor (elem_type 1, shape 2) →
    /// TensorShapeProto (dim 1).
    /// </summary>
    public void WriteTo(ProtoWriter writer)
    {
        writer.WriteString(1, Name);
        writer.WriteMessage(2, type => type.WriteMessage(1, tensor =>
        {
            tensor.WriteInt64(1, (long)ElementType);
            tensor.WriteMessage(2, shape =>
            {
                foreach (OnnxDim dim in Shape)
                {
                    shape.WriteMessage(1, dim.WriteTo);
                }
            });
        }));
    }
}
