namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>A NodeProto read from a file.</summary>
/// <param name="OpType">The operator.</param>
/// <param name="Domain">The operator's domain; "" (or "ai.onnx") is ONNX's own.</param>
/// <param name="Name">The node's name, possibly empty.</param>
/// <param name="Inputs">Input value names; "" marks an omitted optional input.</param>
/// <param name="Outputs">Output value names; "" marks an omitted optional output.</param>
/// <param name="Attributes">The attributes by name.</param>
internal sealed record OnnxDecodedNode(string OpType, string Domain, string Name, IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs, IReadOnlyDictionary<string, OnnxDecodedAttribute> Attributes)
{
    /// <summary>Input <paramref name="index"/>, or "" when it is absent.</summary>
    public string Input(int index) => index < Inputs.Count ? Inputs[index] : "";

    /// <summary>Output <paramref name="index"/>, or "" when it is absent.</summary>
    public string Output(int index) => index < Outputs.Count ? Outputs[index] : "";

    /// <summary>An integer attribute, or <paramref name="fallback"/>.</summary>
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out OnnxDecodedAttribute? a) ? a.I : fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/>.</summary>
    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out OnnxDecodedAttribute? a) ? a.F : fallback;

    /// <summary>A string attribute, or <paramref name="fallback"/>.</summary>
    public string String(string name, string fallback) => Attributes.TryGetValue(name, out OnnxDecodedAttribute? a) ? a.S : fallback;

    /// <summary>How the node is named in messages: its operator and name.</summary>
    public string Describe() => Name.Length > 0 ? $"{OpType} node '{Name}'" : $"{OpType} node (output '{Output(0)}')";
}
