namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>An AttributeProto read from a file; the fields its type does not use are empty.</summary>
internal sealed class OnnxDecodedAttribute
{
    /// <summary>The attribute's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The single float (f).</summary>
    public float F { get; set; }

    /// <summary>The single integer (i).</summary>
    public long I { get; set; }

    /// <summary>The single string (s), as UTF-8 text.</summary>
    public string S { get; set; } = "";

    /// <summary>The tensor (t), or null.</summary>
    public OnnxDecodedTensor? T { get; set; }

    /// <summary>The floats.</summary>
    public List<float> Floats { get; } = [];

    /// <summary>The integers.</summary>
    public List<long> Ints { get; } = [];

    /// <summary>The strings.</summary>
    public List<string> Strings { get; } = [];

    /// <summary>Whether the attribute is a graph or other kind PSRnn never needs (it is then refused where used).</summary>
    public bool HasSubgraph { get; set; }
}
