using System.Globalization;
using PSRnn.Engine.Layers;

// Node handlers return the common Sym type on purpose: a node may map to any kind of value.
#pragma warning disable CA1859

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>The interpreter's layer operators (RNN, LSTM, GRU, MatMul, Gemm, Add, activations) and its symbolic values.</summary>
internal sealed partial class OnnxGraphInterpreter
{
    /// <summary>ONNX gate j is Keras gate map[j]: LSTM ONNX i, o, f, c ← Keras i, f, c, o; GRU z, r, h in both.</summary>
    private static readonly int[] LstmGates = [0, 3, 1, 2], GruGates = [0, 1, 2], RnnGates = [0];

    private Sym[] Recurrent(OnnxDecodedNode node, Sym[] inputs)
    {
        if (inputs[0] is not ActSym x || x.Ids || x.Open != OpenDense.None && x.Chain?.Layer is not DenseSpec)
        {
            throw Pattern(node, "runs over a value that is not a sequence of features");
        }

        if (x.Reversed)
        {
            throw Pattern(node, "runs over a time-reversed sequence");
        }

        long layout = node.Int("layout", 0);
        string[] expected = layout == 0 ? ["T", "B", "F"] : ["B", "T", "F"];
        if (x.Labels.Length != 3)
        {
            throw Pattern(node, $"runs over a value with axes ({string.Join(", ", x.Labels)}), not a sequence");
        }

        for (int i = 0; i < 3; i++)
        {
            if (x.Labels[i] is "I0" or "I1")
            {
                Bind(x.Labels[i], expected[i]);
            }

            if (Resolve(x.Labels[i]) != expected[i])
            {
                throw Pattern(node, $"reads its input as ({string.Join(", ", expected)}) where it is ({string.Join(", ", Resolve(x.Labels))})");
            }
        }

        if (node.Attributes.ContainsKey("clip"))
        {
            throw Pattern(node, "clips its cell values (clip)");
        }

        if (node.Int("input_forget", 0) != 0)
        {
            throw Pattern(node, "couples its input and forget gates (input_forget)");
        }

        (int gates, int[] map, ActivationKind[] defaults) = node.OpType switch
        {
            "LSTM" => (4, LstmGates, new[] { ActivationKind.Sigmoid, ActivationKind.Tanh, ActivationKind.Tanh }),
            "GRU" => (3, GruGates, new[] { ActivationKind.Sigmoid, ActivationKind.Tanh }),
            _ => (1, RnnGates, new[] { ActivationKind.Tanh }),
        };
        string direction = node.String("direction", "forward");
        int d = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw Pattern(node, $"has direction '{direction}'"),
        };
        // hidden_size is an int64: checked before any int arithmetic (2^30 made 4·H wrap to 0, 2^32 + 4 became 4).
        long hidden = node.Int("hidden_size", 0);
        if (hidden <= 0)
        {
            throw Pattern(node, "has no hidden_size");
        }

        if (hidden * gates > int.MaxValue)
        {
            throw new ImportException(OnnxImporter.TooLargeErrorId, string.Create(CultureInfo.InvariantCulture,
                $"The ONNX graph's {node.Describe()} has hidden_size {hidden}: {gates}·{hidden} gate columns are more than PSRnn's layers hold ({int.MaxValue:N0})."));
        }

        int units = (int)hidden, features = x.Features, g = gates * units;
        float[] w = Weight(node, inputs, 1, "W", [d, g, features]);
        float[] r = Weight(node, inputs, 2, "R", [d, g, units]);
        float[]? b = inputs.Length > 3 && inputs[3] is not AbsentSym ? Weight(node, inputs, 3, "B", [d, 2L * g]) : null;

        bool lengths = inputs.Length > 4 && inputs[4] is LengthsSym;
        if (inputs.Length > 4 && inputs[4] is not (AbsentSym or LengthsSym))
        {
            throw Pattern(node, "takes per-sample sequence lengths (sequence_lens) that are not a graph input of the lengths");
        }

        for (int i = 5; i < inputs.Length; i++)
        {
            if (inputs[i] is not (AbsentSym or ZerosSym) && !(inputs[i] is ConstSym c && IsZero(c)))
            {
                throw Pattern(node, i == 7 ? "has peephole weights (P)" : "starts from a state other than zeros");
            }
        }

        ActivationKind[] acts = RecurrentActivations(node, defaults, d);
        bool resetAfter = node.OpType == "GRU" && node.Int("linear_before_reset", 0) != 0;
        if (node.OpType == "LSTM" && acts[1] != acts[2])
        {
            throw Pattern(node, "uses different activations for the cell input and the output (Keras's LSTM has one activation for both)");
        }

        // The weights stay as the file has them: converted to Keras layout only for the layers that reach the output,
        // when the model is built (a file can make thousands of nodes read one large initializer).
        var spec = new RecurrentSpec(node.OpType, units, features, false, direction == "reverse", d,
            acts[^1], acts[0], resetAfter, w, r, b) { UsesLengths = lengths };
        if (node.OpType == "RNN")
        {
            spec = spec with { Activation = acts[0] };
        }

        var op = new RecurrentOp(x.Chain, spec);
        string dir = d == 2 ? "D2" : "D1";
        var y = new ActSym(new Chain(x.Chain, spec with { ReturnSequences = true }),
            layout == 0 ? ["T", dir, "B", "F"] : ["B", "T", dir, "F"], units, direction == "reverse", false, OpenDense.None);
        StateEntry[] entries = d == 2 ? [new(op, 0), new(op, 1)] : [new(op, 0)];
        var yh = new StateSym(entries, layout == 0 ? ["S", "B", "F"] : ["B", "S", "F"]);
        var yc = new PoisonSym(OnnxImporter.UnsupportedGraphErrorId,
            $"The ONNX graph uses the cell state (Y_c) of {node.Describe()}; a Keras LSTM layer outputs its hidden state only.");
        return [y, yh, yc];
    }

    private static float[] Weight(OnnxDecodedNode node, Sym[] inputs, int index, string name, long[] dims)
    {
        if (index >= inputs.Length || inputs[index] is not ConstSym { Tensor.Floats: { } values } c)
        {
            throw Pattern(node, $"computes its weights {name} instead of reading a constant");
        }

        if (!c.Tensor.Dims.SequenceEqual(dims))
        {
            throw Pattern(node, $"has {name} of shape ({string.Join(", ", c.Tensor.Dims)}) where ({string.Join(", ", dims)}) fits its input and hidden_size");
        }

        return values;
    }

    /// <summary>The per-direction activations (f[, g[, h]]); both directions must agree, as Keras's Bidirectional has one cell type.</summary>
    private static ActivationKind[] RecurrentActivations(OnnxDecodedNode node, ActivationKind[] defaults, int directions)
    {
        if (!node.Attributes.TryGetValue("activations", out OnnxDecodedAttribute? a) || a.Strings.Count == 0)
        {
            return defaults;
        }

        if (a.Strings.Count != defaults.Length * directions)
        {
            throw Pattern(node, $"lists {a.Strings.Count} activations where {defaults.Length * directions} are expected");
        }

        var alphas = new Queue<float>(node.Attributes.TryGetValue("activation_alpha", out OnnxDecodedAttribute? al) ? al.Floats : []);
        var betas = new Queue<float>(node.Attributes.TryGetValue("activation_beta", out OnnxDecodedAttribute? be) ? be.Floats : []);
        var kinds = new ActivationKind[a.Strings.Count];
        for (int i = 0; i < kinds.Length; i++)
        {
            string name = a.Strings[i];
            kinds[i] = name.ToUpperInvariant() switch
            {
                "TANH" => ActivationKind.Tanh,
                "SIGMOID" => ActivationKind.Sigmoid,
                "RELU" => ActivationKind.Relu,
                "SOFTPLUS" => ActivationKind.Softplus,
                "SOFTSIGN" => ActivationKind.Softsign,
                "ELU" => Near(alphas.TryDequeue(out float e) ? e : 1f, 1f) ? ActivationKind.Elu : throw Pattern(node, "uses Elu with alpha other than 1"),
                "AFFINE" => Near(alphas.TryDequeue(out float s) ? s : 1f, 1f) && Near(betas.TryDequeue(out float o) ? o : 0f, 0f)
                    ? ActivationKind.Linear : throw Pattern(node, "uses Affine other than the identity"),
                "HARDSIGMOID" => Near(alphas.TryDequeue(out float ha) ? ha : 0.2f, 1f / 6f) && Near(betas.TryDequeue(out float hb) ? hb : 0.5f, 0.5f)
                    ? ActivationKind.HardSigmoid : throw Pattern(node, "uses HardSigmoid with other constants than Keras 3's (alpha 1/6, beta 0.5)"),
                _ => throw Pattern(node, $"uses the activation {name}"),
            };
        }

        for (int i = defaults.Length; i < kinds.Length; i++)
        {
            if (kinds[i] != kinds[i - defaults.Length])
            {
                throw Pattern(node, "uses other activations in its backward direction than in its forward one");
            }
        }

        return kinds[..defaults.Length];
    }

    private static bool Near(float a, float b) => Math.Abs(a - b) <= 1e-6f;

    private static Sym MatMul(OnnxDecodedNode node, Sym a, Sym b)
    {
        if (a is not ActSym x || x.Ids || b is not ConstSym { Tensor.Floats: { } kernel } w || w.Tensor.Dims.Length != 2)
        {
            throw Pattern(node, "multiplies values other than activations by a constant matrix");
        }

        if (x.Labels[^1] != "F" || w.Tensor.Dims[0] != x.Features)
        {
            throw Pattern(node, $"multiplies activations of {x.Features} features by a ({string.Join(", ", w.Tensor.Dims)}) matrix");
        }

        int units = (int)w.Tensor.Dims[1];
        if (units == 0)
        {
            throw Pattern(node, "multiplies by a matrix with no columns");
        }

        var spec = new DenseSpec(units, x.Features, kernel, false, null, ActivationKind.Linear);
        return new ActSym(new Chain(x.Chain, spec), x.Labels, units, x.Reversed, false, OpenDense.NoBias);
    }

    private static Sym Gemm(OnnxDecodedNode node, Sym[] inputs)
    {
        if (node.Int("transA", 0) != 0 || !Near(node.Float("alpha", 1f), 1f) || !Near(node.Float("beta", 1f), 1f))
        {
            throw Pattern(node, "scales or transposes its input (transA, alpha, beta)");
        }

        if (inputs[0] is not ActSym x || inputs[1] is not ConstSym { Tensor.Floats: { } values } w || w.Tensor.Dims.Length != 2 || x.Labels.Length != 2)
        {
            throw Pattern(node, "multiplies values other than (batch, features) activations by a constant matrix");
        }

        bool transB = node.Int("transB", 0) != 0;
        int rows = (int)w.Tensor.Dims[0], cols = (int)w.Tensor.Dims[1];
        int inputs_ = transB ? cols : rows, units = transB ? rows : cols;
        if (inputs_ != x.Features)
        {
            throw Pattern(node, $"multiplies activations of {x.Features} features by a ({rows}, {cols}) matrix");
        }

        if (units == 0)
        {
            throw Pattern(node, "multiplies by a matrix with no output columns");
        }

        // torch's Linear keeps weight (out, in), transposed into Keras's (in, out) kernel when the model is built.
        var result = new ActSym(new Chain(x.Chain, new DenseSpec(units, inputs_, values, transB, null, ActivationKind.Linear)), x.Labels, units, x.Reversed, false, OpenDense.NoBias);
        return inputs.Length > 2 && inputs[2] is not AbsentSym ? Add(node, result, inputs[2]) : result;
    }

    private static Sym Add(OnnxDecodedNode node, Sym a, Sym b)
    {
        (ActSym? x, ConstSym? c) = (a, b) switch
        {
            (ActSym p, ConstSym q) => (p, q),
            (ConstSym q, ActSym p) => (p, q),
            _ => (null, null),
        };
        if (x is null || c is null || x.Open != OpenDense.NoBias || x.Chain!.Layer is not DenseSpec dense || c.Tensor.Floats is null)
        {
            throw Pattern(node, "adds values other than a bias to a matrix product");
        }

        // A single value is broadcast to every unit (when the model is built: nothing here grows with the file).
        float[] bias = c.Tensor.Floats;
        if ((bias.Length != dense.Units && bias.Length != 1) || c.Tensor.Dims.Length > 0 && c.Tensor.Dims[^1] != bias.Length && bias.Length != 1)
        {
            throw Pattern(node, $"adds a bias of shape ({string.Join(", ", c.Tensor.Dims)}) to {dense.Units} units");
        }

        return x with { Chain = x.Chain with { Layer = dense with { Bias = bias } }, Open = OpenDense.Biased };
    }

    private static Sym ActivationNode(OnnxDecodedNode node, Sym input)
    {
        if (input is not ActSym x || x.Open == OpenDense.None || x.Chain!.Layer is not DenseSpec dense)
        {
            throw Pattern(node, "applies an activation that does not follow a Dense layer's matrix product (PSRnn has no separate activation layer)");
        }

        ActivationKind kind = node.OpType switch
        {
            "Relu" => ActivationKind.Relu,
            "Tanh" => ActivationKind.Tanh,
            "Sigmoid" => ActivationKind.Sigmoid,
            "Softplus" => ActivationKind.Softplus,
            "Softsign" => ActivationKind.Softsign,
            "Elu" when Near(node.Float("alpha", 1f), 1f) => ActivationKind.Elu,
            "Selu" when Math.Abs(node.Float("alpha", 1.67326319f) - 1.67326324f) < 1e-6f && Math.Abs(node.Float("gamma", 1.05070102f) - 1.05070098f) < 1e-6f => ActivationKind.Selu,
            "HardSigmoid" when Near(node.Float("alpha", 0.2f), 1f / 6f) && Near(node.Float("beta", 0.5f), 0.5f) => ActivationKind.HardSigmoid,
            "Softmax" => Axis(node, node.Int("axis", -1), x.Labels.Length) == x.Labels.Length - 1 ? ActivationKind.Softmax
                : throw Pattern(node, "takes the softmax over an axis other than the features"),
            _ => throw Pattern(node, "uses constants that differ from Keras's"),
        };
        return x with { Chain = x.Chain with { Layer = dense with { Activation = kind } }, Open = OpenDense.None };
    }

    /// <summary>Whether a Dense layer's product can still take its bias and activation.</summary>
    internal enum OpenDense
    {
        None,
        NoBias,
        Biased,
    }

    /// <summary>A node failed to map; caught per node and turned into a <see cref="PoisonSym"/>.</summary>
    internal sealed class ImportException(string errorId, string message) : Exception(message)
    {
        public string ErrorId { get; } = errorId;
    }

    /// <summary>A layer the graph computes, with the file's weights; Keras layout on request.</summary>
    internal abstract record LayerSpec
    {
        /// <summary>The weights the PSRnn layer has (what building it allocates).</summary>
        public abstract long WeightCount { get; }
    }

    /// <summary>
    /// Dense: the weight as stored — Keras's kernel (in, units), or torch's (units, in) when <paramref name="Transposed"/> —
    /// a bias of one value per unit or one for all, or none, and the activation.
    /// </summary>
    internal sealed record DenseSpec(int Units, int Inputs, float[] Weight, bool Transposed, float[]? Bias, ActivationKind Activation) : LayerSpec
    {
        /// <inheritdoc />
        public override long WeightCount => ((long)Inputs * Units) + (Bias is null ? 0 : Units);

        /// <summary>The Keras kernel (in, units).</summary>
        public float[] Kernel()
        {
            if (!Transposed)
            {
                return Weight;
            }

            var kernel = new float[Weight.Length];
            for (int i = 0; i < Units; i++)
            {
                for (int j = 0; j < Inputs; j++)
                {
                    kernel[(j * Units) + i] = Weight[(i * Inputs) + j];
                }
            }

            return kernel;
        }

        /// <summary>The Keras bias (units), or null.</summary>
        public float[]? KerasBias() => Bias is null || Bias.Length == Units ? Bias : Enumerable.Repeat(Bias[0], Units).ToArray();
    }

    /// <summary>Embedding: table (vocab, dim).</summary>
    internal sealed record EmbeddingSpec(int Vocab, int Dim, float[] Table) : LayerSpec
    {
        /// <inheritdoc />
        public override long WeightCount => (long)Vocab * Dim;
    }

    /// <summary>
    /// A recurrent layer, one or two directions, with ONNX's W (D, G·H, F), R (D, G·H, H) and B (D, 2·G·H) as stored;
    /// <see cref="Kernel"/>, <see cref="RecurrentKernel"/> and <see cref="KerasBias"/> give one direction's in Keras layout.
    /// </summary>
    internal sealed record RecurrentSpec(string Op, int Units, int Features, bool ReturnSequences, bool GoBackwards, int Directions,
        ActivationKind Activation, ActivationKind RecurrentActivation, bool ResetAfter, float[] W, float[] R, float[]? B) : LayerSpec
    {
        /// <summary>Whether the operator reads the graph's per-sample lengths as sequence_lens.</summary>
        public bool UsesLengths { get; init; }

        private int[] Map => Op switch { "LSTM" => LstmGates, "GRU" => GruGates, _ => RnnGates };

        private int Gates => Map.Length * Units;

        /// <inheritdoc />
        public override long WeightCount =>
            Directions * (((long)Features * Gates) + ((long)Units * Gates) + (B is null ? 0 : ResetAfter ? 2L * Gates : Gates));

        /// <summary>Direction <paramref name="k"/>'s kernel (F, G·H).</summary>
        public float[] Kernel(int k) => KerasColumns(W.AsSpan(k * Gates * Features, Gates * Features), Features, Units, Map);

        /// <summary>Direction <paramref name="k"/>'s recurrent kernel (H, G·H).</summary>
        public float[] RecurrentKernel(int k) => KerasColumns(R.AsSpan(k * Gates * Units, Gates * Units), Units, Units, Map);

        /// <summary>Direction <paramref name="k"/>'s bias: Wb + Rb, or both rows [Wb; Rb] for a reset_after GRU; null without B.</summary>
        public float[]? KerasBias(int k)
        {
            if (B is null)
            {
                return null;
            }

            int g = Gates;
            float[] wb = KerasColumns(B.AsSpan(k * 2 * g, g), 1, Units, Map);
            float[] rb = KerasColumns(B.AsSpan((k * 2 * g) + g, g), 1, Units, Map);
            // Keras's GRU with reset_after keeps both bias rows [input, recurrent]; otherwise they act as one sum.
            return ResetAfter ? [.. wb, .. rb] : wb.Zip(rb, (p, q) => p + q).ToArray();
        }

        /// <summary>ONNX rows (G·U, rows) with gates in row blocks → Keras (rows, G·U) with gates in column blocks; the exporter's GateRows inverted.</summary>
        private static float[] KerasColumns(ReadOnlySpan<float> onnx, int rows, int units, int[] map)
        {
            int width = map.Length * units;
            var keras = new float[rows * width];
            for (int j = 0; j < map.Length; j++)
            {
                for (int u = 0; u < units; u++)
                {
                    ReadOnlySpan<float> row = onnx.Slice(((j * units) + u) * rows, rows);
                    for (int f = 0; f < rows; f++)
                    {
                        keras[(f * width) + (map[j] * units) + u] = row[f];
                    }
                }
            }

            return keras;
        }
    }

    /// <summary>The layers up to a value: an immutable list, last layer first.</summary>
    private sealed record Chain(Chain? Parent, LayerSpec Layer);

    /// <summary>A recurrent operator: the chain before it and its layer (as one that returns no sequence).</summary>
    private sealed record RecurrentOp(Chain? Before, RecurrentSpec Spec);

    /// <summary>One direction of a recurrent operator's final state.</summary>
    private sealed record StateEntry(RecurrentOp Op, int Direction);

    private abstract record Sym;

    private sealed record AbsentSym : Sym
    {
        public static readonly AbsentSym Instance = new();
    }

    private sealed record ZerosSym : Sym
    {
        public static readonly ZerosSym Instance = new();
    }

    private sealed record ConstSym(OnnxDecodedTensor Tensor) : Sym;

    /// <summary>A 1-D int64 shape (or a scalar taken from one), each entry a number or an axis label.</summary>
    private sealed record ShapeSym(OnnxDim[] Dims, bool Scalar) : Sym;

    private sealed record PoisonSym(string ErrorId, string Message) : Sym;

    /// <summary>The graph input of per-sample lengths (or a cast of it).</summary>
    private sealed record LengthsSym(string Name) : Sym;

    /// <summary>Activations after <paramref name="Chain"/> (null: the graph input).</summary>
    private sealed record ActSym(Chain? Chain, string[] Labels, int Features, bool Reversed, bool Ids, OpenDense Open) : Sym;

    /// <summary>Y_h of recurrent operators, joined along S.</summary>
    private sealed record StateSym(StateEntry[] Entries, string[] Labels) : Sym;

    /// <summary>One direction's final state of a bidirectional operator, waiting to be joined with the other.</summary>
    private sealed record PickedSym(StateEntry Entry, string[] Labels) : Sym;
}
