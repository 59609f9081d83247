namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>An ONNX NodeProto in the default domain: an operator, its input and output tensor names, its attributes.</summary>
/// <param name="OpType">The operator, such as <c>LSTM</c>.</param>
/// <param name="Name">The node name (unique in the graph; for readers and error messages).</param>
/// <param name="Inputs">Input tensor names; an empty string marks an omitted optional input.</param>
/// <param name="Outputs">Output tensor names; an empty string marks an omitted optional output.</param>
/// <param name="Attributes">The attributes.</param>
internal sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyList<OnnxAttribute> Attributes)
{
    /// <summary>Writes the NodeProto fields (input 1, output 2, name 3, op_type 4, attribute 5).</summary>
    public void WriteTo(ProtoWriter writer)
    {
        foreach (string input in Inputs)
        {
            writer.WriteString(1, input);
        }

        foreach (string output in Outputs)
        {
            writer.WriteString(2, output);
        }

        writer.WriteString(3, Name);
        writer.WriteString(4, OpType);
        foreach (OnnxAttribute attribute in Attributes)
        {
            writer.WriteMessage(5, attribute.WriteTo);
        }
    }
}
