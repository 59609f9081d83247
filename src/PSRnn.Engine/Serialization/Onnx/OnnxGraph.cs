using System.Globalization;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>
/// An ONNX GraphProto under construction: nodes in topological order (the order they are added), initializers, and
/// the graph's inputs and outputs. Tensor and node names must be unique; the exporter prefixes them with the layer
/// name, which the model keeps unique.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    // Node names given so far, and per stem the next suffix to try: a scan of every node for each name made exporting
    // a 20,000-layer model quadratic.
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.Ordinal);

    /// <summary>Creates an empty graph.</summary>
    public OnnxGraph(string name) => Name = name;

    /// <summary>The graph name.</summary>
    public string Name { get; }

    /// <summary>The graph's documentation, or null.</summary>
    public string? DocString { get; set; }

    /// <summary>The nodes, in execution order.</summary>
    public IReadOnlyList<OnnxNode> Nodes => _nodes;

    /// <summary>The initializers (weights and constant shapes).</summary>
    public IReadOnlyList<OnnxTensor> Initializers => _initializers;

    /// <summary>Declares a graph input.</summary>
    public void AddInput(OnnxValueInfo input)
    {
        Claim(input.Name);
        _inputs.Add(input);
    }

    /// <summary>Declares a graph output (a tensor some node produces).</summary>
    public void AddOutput(OnnxValueInfo output) => _outputs.Add(output);

    /// <summary>Adds a float32 constant and returns its name.</summary>
    public string AddFloat(string name, long[] dims, ReadOnlySpan<float> values)
    {
        Claim(name);
        _initializers.Add(OnnxTensor.Float(name, dims, values));
        return name;
    }

    /// <summary>Adds a 1-D int64 constant and returns its name.</summary>
    public string AddInt64(string name, params long[] values)
    {
        Claim(name);
        _initializers.Add(OnnxTensor.Int64(name, [values.Length], values));
        return name;
    }

    /// <summary>Adds a 0-D int64 constant and returns its name.</summary>
    public string AddInt64Scalar(string name, long value)
    {
        Claim(name);
        _initializers.Add(OnnxTensor.Int64(name, [], [value]));
        return name;
    }

    /// <summary>Adds a node with one output named <paramref name="output"/> and returns that name.</summary>
    public string AddNode(string opType, string output, string[] inputs, params OnnxAttribute[] attributes)
    {
        AddNode(opType, output, inputs, [output], attributes);
        return output;
    }

    /// <summary>Adds a node; <paramref name="name"/> names the node, each output its tensor ("" for an omitted one).</summary>
    public void AddNode(string opType, string name, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        foreach (string output in outputs.Where(o => o.Length > 0))
        {
            Claim(output);
        }

        _nodes.Add(new OnnxNode(opType, UniqueNodeName(name), inputs, outputs, attributes));
    }

    /// <summary>Writes the GraphProto fields (node 1, name 2, initializer 5, doc_string 10, input 11, output 12).</summary>
    public void WriteTo(ProtoWriter writer)
    {
        foreach (OnnxNode node in _nodes)
        {
            writer.WriteMessage(1, node.WriteTo);
        }

        writer.WriteString(2, Name);
        foreach (OnnxTensor tensor in _initializers)
        {
            writer.WriteMessage(5, tensor.WriteTo);
        }

        if (!string.IsNullOrEmpty(DocString))
        {
            writer.WriteString(10, DocString);
        }

        foreach (OnnxValueInfo input in _inputs)
        {
            writer.WriteMessage(11, input.WriteTo);
        }

        foreach (OnnxValueInfo output in _outputs)
        {
            writer.WriteMessage(12, output.WriteTo);
        }
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            // A bug in the exporter, not in the user's model: names derive from unique layer names.
            throw new InvalidOperationException($"The ONNX tensor name '{name}' is used twice.");
        }
    }

    private string UniqueNodeName(string stem)
    {
        // Node names live in their own namespace; a node is usually named after its output tensor.
        string candidate = stem;
        for (int i = _nextSuffix.GetValueOrDefault(stem, 1); !_nodeNames.Add(candidate); i++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{stem}_{i}");
            _nextSuffix[stem] = i + 1;
        }

        return candidate;
    }
}
