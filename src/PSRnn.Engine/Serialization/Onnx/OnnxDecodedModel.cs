namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>The parts of a ModelProto that import needs: the default-domain opset and the main graph.</summary>
/// <param name="IrVersion">The IR version.</param>
/// <param name="Opset">The default domain's opset version (0 when the file declares none).</param>
/// <param name="ProducerName">Who wrote the file (pytorch, PSRnn, …).</param>
/// <param name="GraphName">The graph's name.</param>
/// <param name="Nodes">The nodes, in the file's (topological) order.</param>
/// <param name="Initializers">Constant tensors by name.</param>
/// <param name="Inputs">Graph inputs that are not initializers: name, element type, shape.</param>
/// <param name="Outputs">Graph output names.</param>
internal sealed record OnnxDecodedModel(long IrVersion, long Opset, string ProducerName, string GraphName,
    IReadOnlyList<OnnxDecodedNode> Nodes, IReadOnlyDictionary<string, OnnxDecodedTensor> Initializers,
    IReadOnlyList<(string Name, int ElementType, OnnxDim[] Dims)> Inputs, IReadOnlyList<string> Outputs);
