using System.Globalization;
using PSRnn.Engine.Layers;

// Node handlers return the common Sym type on purpose: a node may map to any kind of value.
#pragma warning disable CA1859

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>
/// Runs an ONNX graph symbolically to recover the Sequential model it computes: every value is tracked as what it is to
/// the model — a constant, a piece of shape arithmetic, zeros, the activations after some chain of layers (with the
/// meaning of each axis: batch, time, features, direction), a recurrent operator's final states — and each node maps
/// these to new ones. Nodes whose meaning PSRnn cannot represent yield a poisoned value naming the reason; it is an error
/// only if it reaches the graph's output, so dead side branches (torch's unused h_n/c_n) do no harm.
/// </summary>
/// <remarks>
/// Axis labels: B batch, T time, F features, D1/D2 a direction axis of size 1/2, S the stacked-state axis of Y_h, 1 a
/// size-1 axis, I0/I1 the graph input's first two axes until a recurrent operator says which is batch and which time.
/// </remarks>
internal sealed partial class OnnxGraphInterpreter
{
    private readonly OnnxDecodedModel _model;
    private readonly Dictionary<string, Sym> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _bind = new(StringComparer.Ordinal);

    // Whether a constant's values are all zero, by values array: many nodes may test one large initializer.
    private readonly Dictionary<object, bool> _zero = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The most entries of a shape value, axes of a value, constants read as axes or shapes, or final states joined:
    /// every node's work is then bounded, whatever the file repeats (a chain of Concat nodes doubled a shape each time).
    /// </summary>
    internal const int MaxAxes = OnnxModelDecoder.MaxRank;

    /// <summary>The most final states one value may join (layers × directions of a stacked recurrent network).</summary>
    internal const int MaxStates = 256;

    public OnnxGraphInterpreter(OnnxDecodedModel model) => _model = model;

    /// <summary>The graph input's labels after binding (so the caller can tell batch-major from time-major).</summary>
    public string[] InputLabels { get; private set; } = [];

    /// <summary>The graph output's labels after binding.</summary>
    public string[] OutputLabels { get; private set; } = [];

    /// <summary>Whether the layers' recurrent operators read the per-sample lengths input as sequence_lens (all of them do then).</summary>
    public bool UsesLengths { get; private set; }

    /// <summary>The layers from input to output, or throws <see cref="ImportException"/>.</summary>
    /// <param name="inputName">The data input.</param>
    /// <param name="inputRank">Its rank.</param>
    /// <param name="ids">Whether it holds token ids.</param>
    /// <param name="features">Its features (last axis).</param>
    /// <param name="lengthsName">The per-sample lengths input (rank 1, integers), or null.</param>
    public IReadOnlyList<LayerSpec> Run(string inputName, int inputRank, bool ids, int features, string? lengthsName = null)
    {
        string[] inputLabels = (ids, inputRank) switch
        {
            (true, 2) => ["I0", "I1"],
            (true, 3) => ["I0", "I1", "1"],
            (false, 2) => ["B", "F"],
            (false, 3) => ["I0", "I1", "F"],
            _ => throw new ImportException(OnnxImporter.UnsupportedGraphErrorId,
                $"The graph input '{inputName}' has {inputRank} axes; PSRnn models take (batch, time, features) or (batch, features)."),
        };
        _values[inputName] = new ActSym(null, inputLabels, ids ? 1 : features, false, ids, OpenDense.None);
        if (lengthsName is not null)
        {
            _values[lengthsName] = new LengthsSym(lengthsName);
        }

        foreach ((string name, OnnxDecodedTensor tensor) in _model.Initializers)
        {
            _values[name] = new ConstSym(tensor);
        }

        foreach (OnnxDecodedNode node in _model.Nodes)
        {
            Sym[] results;
            try
            {
                results = Evaluate(node);
            }
            catch (ImportException e)
            {
                results = [new PoisonSym(e.ErrorId, e.Message)];
            }

            // One value for every output the node does not compute: a node may list thousands.
            Sym? extra = null;
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (node.Outputs[i].Length > 0)
                {
                    _values[node.Outputs[i]] = i < results.Length ? results[i] : extra ??= results[0] is PoisonSym p ? p
                        : new PoisonSym(OnnxImporter.UnsupportedGraphErrorId, string.Create(CultureInfo.InvariantCulture,
                            $"The graph uses an output after the first {results.Length} of {node.Describe()}, which PSRnn does not represent."));
                }
            }
        }

        string output = _model.Outputs[0];
        Sym result = _values.TryGetValue(output, out Sym? r) ? r
            : throw new ImportException("OnnxCorrupt", $"The graph output '{output}' is computed by no node.");
        if (result is PoisonSym poison)
        {
            throw new ImportException(poison.ErrorId, poison.Message);
        }

        if (result is not ActSym act || act.Chain is null || act.Ids)
        {
            throw new ImportException(OnnxImporter.UnsupportedGraphErrorId,
                "The graph's output is not computed from its input by layers PSRnn has (recurrent layers, Dense, Embedding).");
        }

        if (act.Reversed)
        {
            throw new ImportException(OnnxImporter.UnsupportedGraphErrorId,
                "The graph's output is a sequence in reversed time order, which no Keras layer stack computes.");
        }

        Bind("I0", "B");
        Bind("I1", "T");
        InputLabels = Resolve(inputLabels);
        OutputLabels = Resolve(act.Labels);
        if (OutputLabels.Contains("D1") || OutputLabels.Contains("D2") || OutputLabels.Contains("S") || OutputLabels.Contains("1"))
        {
            throw new ImportException(OnnxImporter.UnsupportedGraphErrorId,
                $"The graph's output has the axes ({string.Join(", ", OutputLabels)}); PSRnn's models output (batch, time, features) or (batch, features).");
        }

        var layers = new List<LayerSpec>();
        for (Chain? c = act.Chain; c is not null; c = c.Parent)
        {
            layers.Add(c.Layer);
        }

        layers.Reverse();
        RecurrentSpec[] recurrent = layers.OfType<RecurrentSpec>().ToArray();
        UsesLengths = recurrent.Any(r => r.UsesLengths);
        if (UsesLengths && recurrent.Any(r => !r.UsesLengths))
        {
            throw new ImportException(OnnxImporter.UnsupportedGraphErrorId,
                "Some of the graph's recurrent operators take the per-sample lengths (sequence_lens) and others do not; a Keras " +
                "mask reaches every recurrent layer (pack the input of each recurrent layer, or of none).");
        }

        return layers;
    }

    private Sym[] Evaluate(OnnxDecodedNode node)
    {
        Sym[] inputs = new Sym[node.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            string name = node.Inputs[i];
            if (name.Length == 0)
            {
                inputs[i] = AbsentSym.Instance;
            }
            else if (!_values.TryGetValue(name, out inputs[i]!))
            {
                throw new ImportException("OnnxCorrupt", $"{node.Describe()} reads '{name}', which no earlier node computes (the graph is not in order).");
            }
            else if (inputs[i] is PoisonSym poison)
            {
                return [poison];
            }
        }

        if (node.Domain.Length > 0)
        {
            throw Operator(node, $"is from the operator domain '{node.Domain}'");
        }

        if (Array.FindIndex(inputs, i => i is LengthsSym) is int li and >= 0 && LengthsUse(node, inputs, li) is { } lengths)
        {
            return [lengths];
        }

        // Found by fuzzing: a node with fewer inputs than its operator takes indexed past them.
        int needed = node.OpType switch
        {
            "Constant" or "ConstantOfShape" => 0,
            "Gather" or "Reshape" or "MatMul" or "Add" or "Gemm" => 2,
            "RNN" or "LSTM" or "GRU" or "Slice" => 3,
            _ => 1,
        };
        if (inputs.Length < needed)
        {
            throw new ImportException("OnnxCorrupt", string.Create(CultureInfo.InvariantCulture,
                $"{node.Describe()} has {inputs.Length} inputs; the operator {node.OpType} takes at least {needed}."));
        }

        return node.OpType switch
        {
            "Constant" => [Constant(node)],
            "Identity" => [inputs[0]],
            "Dropout" => [inputs[0]],
            "Shape" => [Shape(node, inputs[0])],
            "Gather" => [Gather(node, inputs[0], inputs[1])],
            "Unsqueeze" => [Unsqueeze(node, inputs)],
            "Squeeze" => [Squeeze(node, inputs)],
            "Concat" => [Concat(node, inputs)],
            "ConstantOfShape" => [ConstantOfShape(node)],
            "Expand" => [inputs[0] is ConstSym z && IsZero(z) ? ZerosSym.Instance : throw Pattern(node, "expands a value that is not zeros")],
            "Slice" => [Slice(node, inputs)],
            "Transpose" => [Transpose(node, inputs[0])],
            "Reshape" => [Reshape(node, inputs[0], inputs[1])],
            "RNN" or "LSTM" or "GRU" => Recurrent(node, inputs),
            "MatMul" => [MatMul(node, inputs[0], inputs[1])],
            "Gemm" => [Gemm(node, inputs)],
            "Add" => [Add(node, inputs[0], inputs[1])],
            "Relu" or "Tanh" or "Sigmoid" or "Softmax" or "Elu" or "Softplus" or "Softsign" or "Selu" or "HardSigmoid" => [ActivationNode(node, inputs[0])],
            "Equal" when inputs[0] is ActSym { Chain: null } => throw Operator(node, "derives a sequence mask from the graph input " +
                "(Keras's Masking or Embedding mask_zero, as PSRnn's ONNX export writes them), which PSRnn does not read back from ONNX: " +
                "import the model's own file (Export-RnnModel -Format Safetensors) instead, or export from PyTorch with per-sample lengths"),
            _ => throw Operator(node, "is an operator PSRnn does not import"),
        };
    }

    /// <summary>
    /// A node that reads the lengths input: Identity and integer Cast keep it (torch casts it to int64, then int32), a
    /// recurrent operator reads it as sequence_lens (null: evaluate the node as usual); anything else is refused.
    /// </summary>
    private static Sym? LengthsUse(OnnxDecodedNode node, Sym[] inputs, int index)
    {
        var lengths = (LengthsSym)inputs[index];
        switch (node.OpType)
        {
            case "Identity":
            case "Cast" when node.Int("to", 0) is 2 or 3 or 4 or 5 or 6 or 7 or 12 or 13:
                return lengths;
            case "RNN" or "LSTM" or "GRU" when index == 4 && !inputs.Where((_, i) => i != 4).Any(i => i is LengthsSym):
                return null;
            default:
                throw Pattern(node, $"uses the per-sample lengths '{lengths.Name}' other than as the recurrent operators' " +
                    "sequence_lens (torch's pack_padded_sequence with enforce_sorted=False sorts the batch by length inside the " +
                    "graph: export with enforce_sorted=True and a batch sorted longest first)");
        }
    }

    private static ImportException Operator(OnnxDecodedNode node, string why) =>
        new(OnnxImporter.UnsupportedOperatorErrorId,
            $"The ONNX graph uses the operator '{node.OpType}' ({node.Describe()}), which {why}. PSRnn imports graphs of " +
            "RNN, LSTM, GRU, MatMul/Gemm + Add, Gather (embeddings), activations and the shape operators around them.");

    private static ImportException Pattern(OnnxDecodedNode node, string why) =>
        new(OnnxImporter.UnsupportedGraphErrorId, $"The ONNX graph's {node.Describe()} {why}, which PSRnn's layers cannot represent.");

    private void Bind(string label, string meaning)
    {
        if (!_bind.ContainsKey(label) && !_bind.ContainsValue(meaning))
        {
            _bind[label] = meaning;
        }
        else if (!_bind.ContainsKey(label))
        {
            _bind[label] = meaning == "B" ? "T" : "B";
        }
    }

    private string Resolve(string label) => _bind.TryGetValue(label, out string? r) ? r : label;

    private string[] Resolve(string[] labels) => Array.ConvertAll(labels, Resolve);

    private bool IsZero(ConstSym c)
    {
        object values = (object?)c.Tensor.Floats ?? c.Tensor.Ints!;
        if (!_zero.TryGetValue(values, out bool zero))
        {
            zero = c.Tensor.Floats is { } f ? f.All(v => v == 0f) : c.Tensor.Ints!.All(v => v == 0);
            _zero[values] = zero;
        }

        return zero;
    }

    private static int Axis(OnnxDecodedNode node, long axis, int rank) =>
        axis >= -rank && axis < rank ? (int)(axis < 0 ? axis + rank : axis) : throw Pattern(node, $"names axis {axis} of a {rank}-axis value");

    private static long[] Ints(OnnxDecodedNode node, Sym s, string what) => s switch
    {
        ConstSym { Tensor.Count: > MaxAxes } c => throw Pattern(node, $"takes {c.Tensor.Count} values for its {what}; PSRnn follows at most {MaxAxes}"),
        ConstSym c => c.Tensor.AsInt64s(),
        _ => throw Pattern(node, $"takes its {what} from a computed value, not a constant"),
    };

    /// <summary>A shape value, refused past <see cref="MaxAxes"/> entries.</summary>
    private static ShapeSym ShapeOf(OnnxDecodedNode node, OnnxDim[] dims, bool scalar) => dims.Length <= MaxAxes ? new ShapeSym(dims, scalar)
        : throw Pattern(node, string.Create(CultureInfo.InvariantCulture, $"makes a shape of {dims.Length} entries; PSRnn follows at most {MaxAxes}"));

    private static Sym Constant(OnnxDecodedNode node)
    {
        foreach (OnnxDecodedAttribute a in node.Attributes.Values)
        {
            switch (a.Name)
            {
                case "value" when a.T is not null: return new ConstSym(a.T);
                case "value_float": return new ConstSym(new OnnxDecodedTensor("", [], [a.F], null));
                case "value_floats": return new ConstSym(new OnnxDecodedTensor("", [a.Floats.Count], [.. a.Floats], null));
                case "value_int": return new ConstSym(new OnnxDecodedTensor("", [], null, [a.I]));
                case "value_ints": return new ConstSym(new OnnxDecodedTensor("", [a.Ints.Count], null, [.. a.Ints]));
            }
        }

        throw Operator(node, "holds a kind of constant (sparse or string) PSRnn does not read");
    }

    private static Sym Shape(OnnxDecodedNode node, Sym x)
    {
        OnnxDim[] dims = x switch
        {
            ActSym a => Array.ConvertAll(a.Labels, l => LabelDim(a, l)),
            ConstSym c => Array.ConvertAll(c.Tensor.Dims, d => OnnxDim.Fixed(d)),
            _ => throw Pattern(node, "takes the shape of a value whose shape is not known"),
        };
        long start = node.Int("start", 0), end = node.Int("end", dims.Length);
        int s = (int)Math.Clamp(start < 0 ? start + dims.Length : start, 0, dims.Length);
        int e = (int)Math.Clamp(end < 0 ? end + dims.Length : end, 0, dims.Length);
        return ShapeOf(node, dims[s..Math.Max(s, e)], false);
    }

    private static OnnxDim LabelDim(ActSym a, string label) => label switch
    {
        "F" => OnnxDim.Fixed(a.Features),
        "1" or "D1" => OnnxDim.Fixed(1),
        "D2" => OnnxDim.Fixed(2),
        _ => OnnxDim.Symbolic(label),
    };

    private Sym Gather(OnnxDecodedNode node, Sym data, Sym indices)
    {
        long axis = node.Int("axis", 0);
        switch (data, indices)
        {
            case (ShapeSym shape, ConstSym index):
                {
                    var picked = Ints(node, index, "indices").Select(i => shape.Dims[Axis(node, i, shape.Dims.Length)]).ToArray();
                    return ShapeOf(node, picked, index.Tensor.Dims.Length == 0);
                }

            case (ConstSym table, ActSym ids) when ids.Ids && ids.Chain is null && table.Tensor.Dims.Length == 2 && table.Tensor.Floats is not null && axis == 0:
                {
                    // Dims fit an int (the decoder checks); an empty table is no embedding.
                    int vocab = (int)table.Tensor.Dims[0], dim = (int)table.Tensor.Dims[1];
                    if (vocab == 0 || dim == 0)
                    {
                        throw Pattern(node, $"looks ids up in a table of shape ({vocab}, {dim})");
                    }

                    var spec = new EmbeddingSpec(vocab, dim, table.Tensor.Floats);
                    return new ActSym(new Chain(null, spec), [.. ids.Labels, "F"], dim, false, false, OpenDense.None);
                }

            case (ActSym act, ConstSym index) when index.Tensor.Count == 1 && index.Tensor.Dims.Length == 0:
                return LastStep(node, act, Axis(node, axis, act.Labels.Length), index.Tensor.AsInt64s()[0]);

            case (StateSym state, ConstSym index) when index.Tensor.Dims.Length == 0:
                {
                    int a = Axis(node, axis, state.Labels.Length);
                    if (state.Labels[a] != "S")
                    {
                        throw Pattern(node, "picks from the final states along an axis other than the layer/direction axis");
                    }

                    // In 64 bits: index 2^32 is not entry 0.
                    long i = index.Tensor.AsInt64s()[0];
                    long k = i < 0 ? i + state.Entries.Length : i;
                    if (k < 0 || k >= state.Entries.Length)
                    {
                        throw Pattern(node, $"picks final state {i} of {state.Entries.Length}");
                    }

                    return Picked(node, state.Entries[(int)k], state.Labels.Where((_, j) => j != a).ToArray());
                }

            default:
                throw Pattern(node, "gathers in a way that is not an embedding lookup, a last time step or a final state");
        }
    }

    /// <summary>out[:, -1] of a recurrent layer's sequence is its final state: the layer then returns no sequence.</summary>
    private Sym LastStep(OnnxDecodedNode node, ActSym act, int axis, long index)
    {
        if (Resolve(act.Labels[axis]) != "T" || act.Chain?.Layer is not RecurrentSpec { ReturnSequences: true } spec || act.Open != OpenDense.None)
        {
            throw Pattern(node, "takes one step of a sequence that is not a recurrent layer's output");
        }

        if (spec.Directions == 2)
        {
            throw Pattern(node, "takes the last time step of a bidirectional layer's output sequence (its backward half is then the " +
                "backward direction's first step, not its final state; Keras's Bidirectional returns both final states — use " +
                "torch.cat([h_n[-2], h_n[-1]], dim=1) in the PyTorch model)");
        }

        if (act.Labels.Any(l => l is "D1" or "D2"))
        {
            throw Pattern(node, "takes a time step before the direction axis is removed");
        }

        if (index != (act.Reversed ? 0 : -1))
        {
            throw Pattern(node, $"takes time step {index} of a sequence; PSRnn represents only the step the layer ends on");
        }

        var last = new Chain(act.Chain.Parent, spec with { ReturnSequences = false });
        return new ActSym(last, act.Labels.Where((_, j) => j != axis).ToArray(), act.Features, false, false, OpenDense.None);
    }

    /// <summary>One direction's final state; a unidirectional layer's is its output as a layer that returns no sequence.</summary>
    private static Sym Picked(OnnxDecodedNode node, StateEntry entry, string[] labels)
    {
        if (entry.Op.Spec.Directions == 1)
        {
            if (labels.Length != 2)
            {
                throw Pattern(node, "reshapes a final state");
            }

            return new ActSym(new Chain(entry.Op.Before, entry.Op.Spec), labels, entry.Op.Spec.Units, false, false, OpenDense.None);
        }

        return new PickedSym(entry, labels);
    }

    private static Sym Unsqueeze(OnnxDecodedNode node, Sym[] inputs)
    {
        long[] axes = inputs.Length > 1 ? Ints(node, inputs[1], "axes") : [.. node.Attributes.TryGetValue("axes", out OnnxDecodedAttribute? a) ? a.Ints : []];
        switch (inputs[0])
        {
            case ShapeSym { Scalar: true } s when axes.Length == 1 && axes[0] is 0 or -1:
                return s with { Scalar = false };
            case ActSym act:
                {
                    var labels = act.Labels.ToList();
                    int rank = Rank(node, labels.Count + axes.Length);
                    foreach (int ax in axes.Select(x => Axis(node, x, rank)).Order())
                    {
                        labels.Insert(ax, "1");
                    }

                    return act with { Labels = [.. labels] };
                }

            case ConstSym c:
                {
                    var dims = c.Tensor.Dims.ToList();
                    int rank = Rank(node, dims.Count + axes.Length);
                    foreach (int ax in axes.Select(x => Axis(node, x, rank)).Order())
                    {
                        dims.Insert(ax, 1);
                    }

                    return new ConstSym(c.Tensor with { Dims = [.. dims] });
                }

            default:
                throw Pattern(node, "adds an axis to a value that is not a shape, a constant or activations");
        }
    }

    private static int Rank(OnnxDecodedNode node, int rank) => rank <= MaxAxes ? rank
        : throw Pattern(node, string.Create(CultureInfo.InvariantCulture, $"makes a value of {rank} axes; PSRnn follows at most {MaxAxes}"));

    private static Sym Squeeze(OnnxDecodedNode node, Sym[] inputs)
    {
        long[]? axes = inputs.Length > 1 && inputs[1] is not AbsentSym ? Ints(node, inputs[1], "axes")
            : node.Attributes.TryGetValue("axes", out OnnxDecodedAttribute? a) ? [.. a.Ints] : null;
        switch (inputs[0])
        {
            case ActSym act:
                {
                    int rank = act.Labels.Length;
                    HashSet<int> drop = axes is null
                        ? [.. Enumerable.Range(0, rank).Where(i => act.Labels[i] is "1" or "D1")]
                        : [.. axes.Select(x => Axis(node, x, rank))];
                    if (drop.Any(i => act.Labels[i] is not ("1" or "D1")))
                    {
                        throw Pattern(node, "removes an axis that is not of size 1");
                    }

                    return act with { Labels = act.Labels.Where((_, i) => !drop.Contains(i)).ToArray() };
                }

            case StateSym state when state.Entries.Length == 1:
                {
                    int rank = state.Labels.Length;
                    int[] drop = axes is null ? [Array.IndexOf(state.Labels, "S")] : axes.Select(x => Axis(node, x, rank)).ToArray();
                    if (drop.Length != 1 || drop[0] < 0 || state.Labels[drop[0]] != "S")
                    {
                        throw Pattern(node, "removes an axis of a final state other than its direction axis");
                    }

                    return Picked(node, state.Entries[0], state.Labels.Where((_, i) => i != drop[0]).ToArray());
                }

            case ZerosSym:
                return ZerosSym.Instance;
            default:
                throw Pattern(node, "removes an axis of a value PSRnn cannot follow");
        }
    }

    private static Sym Concat(OnnxDecodedNode node, Sym[] inputs)
    {
        long axis = node.Int("axis", 0);
        if (inputs.All(i => i is ShapeSym or ConstSym { Tensor.Ints: not null }))
        {
            var dims = new List<OnnxDim>();
            foreach (Sym s in inputs)
            {
                dims.AddRange(s is ShapeSym shape ? shape.Dims : Ints(node, s, "shape entries").Select(OnnxDim.Fixed));
                if (dims.Count > MaxAxes)
                {
                    return ShapeOf(node, [.. dims], false);
                }
            }

            return ShapeOf(node, [.. dims], false);
        }

        if (inputs.All(i => i is StateSym) && inputs.Length > 0)
        {
            var states = inputs.Cast<StateSym>().ToArray();
            int a = Axis(node, axis, states[0].Labels.Length);
            if (states.Any(s => !s.Labels.SequenceEqual(states[0].Labels)) || states[0].Labels[a] != "S")
            {
                throw Pattern(node, "joins final states along an axis other than the layer/direction axis");
            }

            long count = states.Sum(s => (long)s.Entries.Length);
            if (count > MaxStates)
            {
                throw Pattern(node, string.Create(CultureInfo.InvariantCulture, $"joins {count} final states; PSRnn follows at most {MaxStates}"));
            }

            return new StateSym(states.SelectMany(s => s.Entries).ToArray(), states[0].Labels);
        }

        if (inputs.Length == 2 && inputs[0] is PickedSym forward && inputs[1] is PickedSym backward)
        {
            int a = Axis(node, axis, forward.Labels.Length);
            if (forward.Labels[a] != "F" || !forward.Labels.SequenceEqual(backward.Labels))
            {
                throw Pattern(node, "joins final states along an axis other than the features");
            }

            return BothDirections(node, forward.Entry, backward.Entry, forward.Labels);
        }

        throw Pattern(node, "joins values that are not shapes or final states");
    }

    /// <summary>The two directions' final states side by side, forward first: Keras's Bidirectional (merge concat) output.</summary>
    private static ActSym BothDirections(OnnxDecodedNode node, StateEntry forward, StateEntry backward, string[] labels)
    {
        if (!ReferenceEquals(forward.Op, backward.Op) || forward.Direction != 0 || backward.Direction != 1)
        {
            throw Pattern(node, "joins final states that are not the forward and backward directions (in that order) of one bidirectional layer");
        }

        RecurrentSpec spec = forward.Op.Spec;
        return new ActSym(new Chain(forward.Op.Before, spec), labels, 2 * spec.Units, false, false, OpenDense.None);
    }

    private Sym ConstantOfShape(OnnxDecodedNode node)
    {
        if (node.Attributes.TryGetValue("value", out OnnxDecodedAttribute? v) && v.T is { } t && !IsZero(new ConstSym(t)))
        {
            throw Pattern(node, "fills a tensor with a value other than zero");
        }

        return ZerosSym.Instance;
    }

    private Sym Slice(OnnxDecodedNode node, Sym[] inputs)
    {
        if (inputs[0] is ZerosSym)
        {
            return ZerosSym.Instance;
        }

        if (inputs[0] is not ActSym act || inputs.Length < 3)
        {
            throw Pattern(node, "slices a value other than activations or zeros");
        }

        long[] starts = Ints(node, inputs[1], "starts"), ends = Ints(node, inputs[2], "ends");
        long[] axes = inputs.Length > 3 && inputs[3] is not AbsentSym ? Ints(node, inputs[3], "axes") : [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        long[] steps = inputs.Length > 4 && inputs[4] is not AbsentSym ? Ints(node, inputs[4], "steps") : [.. starts.Select(_ => 1L)];
        // Only a whole reversal of the time axis: x[::-1] as ONNX writes it (start -1, end far below -T, step -1).
        if (starts.Length == 1 && steps[0] == -1 && starts[0] is -1 or long.MaxValue or int.MaxValue && ends[0] <= int.MinValue
            && Resolve(act.Labels[Axis(node, axes[0], act.Labels.Length)]) == "T")
        {
            return act with { Reversed = !act.Reversed };
        }

        throw Pattern(node, "slices activations other than by reversing the whole time axis");
    }

    private static Sym Transpose(OnnxDecodedNode node, Sym x)
    {
        string[] labels = x switch
        {
            ActSym a => a.Labels,
            StateSym s => s.Labels,
            PickedSym p => p.Labels,
            _ => throw Pattern(node, "transposes a value PSRnn cannot follow"),
        };
        long[] perm = node.Attributes.TryGetValue("perm", out OnnxDecodedAttribute? a2) ? [.. a2.Ints]
            : [.. Enumerable.Range(0, labels.Length).Reverse().Select(i => (long)i)];
        if (perm.Length != labels.Length || perm.Distinct().Count() != perm.Length)
        {
            throw Pattern(node, "has a permutation that does not fit its input");
        }

        string[] permuted = perm.Select(p => labels[Axis(node, p, labels.Length)]).ToArray();
        return x switch
        {
            ActSym a => a with { Labels = permuted },
            StateSym s => s with { Labels = permuted },
            _ => ((PickedSym)x) with { Labels = permuted },
        };
    }

    private static Sym Reshape(OnnxDecodedNode node, Sym x, Sym shapeSym)
    {
        long[] shape = Ints(node, shapeSym, "shape");
        string[] labels = x switch
        {
            ActSym a => a.Labels,
            StateSym s => s.Labels,
            _ => throw Pattern(node, "reshapes a value PSRnn cannot follow"),
        };

        // Leading 0s copy axes; a final -1 takes the rest, which may only be [direction or 1-axis,] features.
        int copied = 0;
        while (copied < shape.Length && copied < labels.Length && shape[copied] == 0)
        {
            copied++;
        }

        if (copied != shape.Length - 1 || shape[^1] != -1)
        {
            throw Pattern(node, $"reshapes to ({string.Join(", ", shape)}); PSRnn follows only reshapes that merge the last axes into the features");
        }

        string[] rest = labels[copied..];
        if (x is StateSym state)
        {
            if (rest.SequenceEqual(["S", "F"]) && state.Entries.Length == 2)
            {
                return BothDirections(node, state.Entries[0], state.Entries[1], [.. labels[..copied], "F"]);
            }

            if (rest.SequenceEqual(["S", "F"]) && state.Entries.Length == 1)
            {
                return Picked(node, state.Entries[0], [.. labels[..copied], "F"]);
            }

            throw Pattern(node, "reshapes final states other than by joining the directions");
        }

        var act = (ActSym)x;
        int features = rest switch
        {
            ["F"] => act.Features,
            ["D1" or "1", "F"] => act.Features,
            ["D2", "F"] => 2 * act.Features,
            ["1"] when act.Ids => 1,
            _ => throw Pattern(node, $"reshapes the axes ({string.Join(", ", rest)}) into one"),
        };
        if (act.Ids)
        {
            throw Pattern(node, "reshapes token ids");
        }

        return act with { Labels = [.. labels[..copied], "F"], Features = features };
    }
}
