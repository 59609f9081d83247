using System.Globalization;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>
/// Writes a <see cref="Sequential"/> model as an ONNX model (ModelProto, IR version <see cref="IrVersion"/>, default
/// domain opset <see cref="Opset"/>) that computes what <see cref="Training.Trainer.Predict"/> computes.
/// </summary>
/// <remarks>
/// <para>The graph has one input <c>input</c> and one output <c>output</c>, batch-major as PSRnn's data:
/// float32 (batch, time, features) — or (batch, features) for a vector model — and, for a model that starts with an
/// Embedding, int64 token ids (batch, time) or (batch, time, 1) as the model's input shape says. The batch axis is
/// the symbolic dimension <c>batch</c>, the time axis <c>time</c> (see <see cref="OnnxExportOptions.DynamicTime"/>).
/// The output is (batch, time, units) for a model that returns sequences, else (batch, units). Token ids are int64,
/// not PSRnn's float ids, because that is what ONNX's Gather and other exporters' tokenizers use; note that Gather
/// reads a negative id as counting from the end of the table, where PSRnn rejects it.</para>
/// <para>Per layer (L the layer name, which prefixes every tensor it adds):
/// Normalization: Sub(x, mean), Div by max(√variance, 1e-7) (inverted: Mul, Add), the scale folded into one constant.
/// Dense: MatMul(x, kernel) + bias, then the activation node(s) — MatMul broadcasts, so 2-D and 3-D input alike.
/// Dropout, SpecAugment: nothing (identity at inference). Embedding: Gather(embeddings, ids, axis 0) (+ Reshape for (B, T, 1) ids).
/// SimpleRNN / LSTM / GRU / Bidirectional: Transpose (B, T, F)→(T, B, F); the ONNX RNN / LSTM / GRU operator with
/// direction forward, reverse (go_backwards) or bidirectional; then for return_sequences Y (T, D, B, H) → [Slice
/// reversing time, for go_backwards, as Keras returns the sequence in processing order] → Transpose (B, T, D, H) →
/// Reshape (B, T, D·H), which concatenates the two directions' features as Bidirectional's "concat" does; else Y_h
/// (D, B, H) → Squeeze (B, H), or Transpose + Reshape (B, 2H) for Bidirectional.</para>
/// <para>Weights: ONNX keeps W (D, G·H, F) and R (D, G·H, H) with gates in rows, Keras kernel (F, G·U) with gates in
/// columns, so each is transposed; LSTM gates are reordered from Keras's i, f, c, o to ONNX's i, o, f, c; GRU's
/// z, r, h are the same in both. B (D, 2·G·H) is [Wb, Rb]: Keras's single bias goes in Wb with Rb zero, except for a
/// reset_after GRU whose bias rows are Wb (input) and Rb (recurrent), with linear_before_reset = 1.</para>
/// <para>Masking (a Masking layer first, or an Embedding with mask_zero): the graph derives the mask from its input and
/// gives the recurrent operators sequence_lens computed from it, after moving each sample's real steps to its front, so
/// that pre, post and inner padding all give Keras's values, masked steps included; Masking itself is Where(mask, x, 0).
/// See OnnxExporter.Masking.cs. A model without a mask exports no mask nodes.</para>
/// <para>Streaming (<see cref="OnnxExportOptions.Streaming"/>): each recurrent node also takes graph inputs L.h_in
/// (and L.c_in) as its initial_h (initial_c), after empty B (when there is no bias) and sequence_lens slots, and writes
/// its Y_h (Y_c) as the graph outputs L.h_out (L.c_out), all (1, batch, units), listed after <c>output</c> in layer
/// order; a last-output layer's Squeeze reads L.h_out. Nothing else changes.</para>
/// </remarks>
public static partial class OnnxExporter
{
    /// <summary>The default-domain operator set the graph uses.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written (IR 8 goes with opset 17).</summary>
    public const long IrVersion = 8;

    /// <summary>The graph input's name.</summary>
    public const string InputName = "input";

    /// <summary>The graph output's name.</summary>
    public const string OutputName = "output";

    /// <summary>The <see cref="ModelException.ErrorId"/> of a layer or setting ONNX export cannot express.</summary>
    public const string UnsupportedErrorId = "OnnxUnsupported";

    /// <summary>The <see cref="ModelException.ErrorId"/> of a model that <see cref="OnnxExportOptions.Streaming"/> cannot
    /// export: Bidirectional or go_backwards layers (they read each sequence from its end), a mask, or no recurrent layer.</summary>
    public const string StreamingUnsupportedErrorId = "OnnxStreamingUnsupported";

    /// <summary>The suffixes of a streamed layer's state inputs and outputs: <c>L.h_in</c>, <c>L.c_in</c>, <c>L.h_out</c>, <c>L.c_out</c>.</summary>
    public const string StateInputSuffix = "_in", StateOutputSuffix = "_out";

    // Protobuf messages are limited to 2 GiB; weights beyond that would need ONNX external data, which is not written.
    private const long MaxWeightBytes = int.MaxValue - (16L << 20);

    /// <summary>Writes <paramref name="model"/> to <paramref name="destination"/> as an ONNX model.</summary>
    /// <param name="model">The model; it must have layers.</param>
    /// <param name="destination">A writable stream; the model is written from its current position.</param>
    /// <param name="options">Export settings, or null for the defaults.</param>
    /// <exception cref="ModelException">The model is empty (ModelEmpty), or has a layer or setting ONNX cannot express
    /// (<see cref="UnsupportedErrorId"/>); nothing is written then.</exception>
    public static void Export(Sequential model, Stream destination, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination stream is not writable.", nameof(destination));
        }

        // Build everything in memory first, so an unsupported layer fails before a byte is written.
        ProtoWriter proto = BuildModel(model, options ?? new OnnxExportOptions());
        proto.CopyTo(destination);
    }

    /// <summary>Writes <paramref name="model"/> to the file <paramref name="path"/> as an ONNX model, atomically.</summary>
    /// <param name="model">The model; it must have layers.</param>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="overwrite">Whether an existing file is replaced.</param>
    /// <param name="options">Export settings, or null for the defaults.</param>
    /// <exception cref="ModelException">As <see cref="Export(Sequential, Stream, OnnxExportOptions?)"/>.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing failed (the
    /// target is then unchanged).</exception>
    public static void Export(Sequential model, string path, bool overwrite, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ProtoWriter proto = BuildModel(model, options ?? new OnnxExportOptions());
        if (!overwrite && File.Exists(path))
        {
            throw new IOException($"The file '{path}' already exists; pass overwrite to replace it.");
        }

        AtomicFile.Write(path, proto.CopyTo, overwrite);
    }

    /// <summary>Serializes the ModelProto (ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8).</summary>
    private static ProtoWriter BuildModel(Sequential model, OnnxExportOptions options)
    {
        OnnxGraph graph = BuildGraph(model, options);
        var writer = new ProtoWriter();
        writer.WriteInt64(1, IrVersion);
        writer.WriteString(2, "PSRnn");
        writer.WriteString(3, typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        string doc = $"Sequential model '{model.Name}' exported by PSRnn.";
        writer.WriteString(6, string.IsNullOrEmpty(options.DocString) ? doc : doc + "\n" + options.DocString);
        writer.WriteMessage(7, graph.WriteTo);
        writer.WriteMessage(8, opset => opset.WriteInt64(2, Opset)); // domain "" (default), version
        return writer;
    }

    /// <summary>Lowers every layer into ONNX nodes; see the class remarks for the layout.</summary>
    internal static OnnxGraph BuildGraph(Sequential model, OnnxExportOptions options)
    {
        model.EnsureNotEmpty();
        if (model.ParameterCount * sizeof(float) > MaxWeightBytes)
        {
            throw Unsupported($"Model '{model.Name}' has {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} weights; an ONNX file holds at most 2 GiB " +
                "(PSRnn does not write ONNX external data).");
        }

        if (options.Streaming)
        {
            CheckStreamable(model);
        }

        var graph = new OnnxGraph(model.Name);
        var builder = new GraphBuilder(graph) { StreamBatch = options.Streaming ? OnnxDim.Symbolic("batch") : null };
        SampleShape input = model.InputShape;
        bool tokens = model.Layers[0] is Embedding;
        OnnxDim batch = OnnxDim.Symbolic("batch");
        int? fixedTime = options.DynamicTime ? null : tokens && !input.IsSequence ? input.Features : input.Time;
        OnnxDim time = fixedTime is { } t ? OnnxDim.Fixed(t) : OnnxDim.Symbolic("time");
        OnnxDim[] inputDims = tokens
            ? input.IsSequence ? [batch, time, OnnxDim.Fixed(1)] : [batch, time]
            : input.IsSequence ? [batch, time, OnnxDim.Fixed(input.Features)] : [batch, OnnxDim.Fixed(input.Features)];
        graph.AddInput(new OnnxValueInfo(InputName, tokens ? OnnxDataType.Int64 : OnnxDataType.Float, inputDims));

        // The last layer that adds nodes names its final tensor "output"; Dropout adds none.
        int last = -1;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is not TrainingNoiseLayer)
            {
                last = i;
            }
        }

        string x = InputName;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i];
            string? output = i == last ? OutputName : null;
            x = layer switch
            {
                TrainingNoiseLayer => x,
                Masking masking => builder.Masking(masking, x, output),
                Dense dense => builder.Dense(dense, x, output),
                Normalization normalization => builder.Normalization(normalization, x, output),
                GlobalPooling1D pooling => builder.Pooling(pooling, x, output),
                LayerNormalization norm => builder.LayerNormalization(norm, x, output),
                Conv1D conv => builder.Conv1D(conv, x, output),
                SelfAttention attention => builder.Attention(attention, x, output),
                MultiHeadAttention attention => builder.MultiHeadAttention(attention, x, output),
                Embedding embedding => builder.Embedding(embedding, x, output),
                Bidirectional wrapper => builder.Bidirectional(wrapper, x, output),
                RecurrentLayer recurrent => builder.Recurrent(recurrent.Name, recurrent, null, x, output),
                MinRecurrentLayer => throw Unsupported($"Layer '{layer.Name}' ({layer.KerasClassName}) has no ONNX export: ONNX has no " +
                    "operator for its recurrence, and PSRnn does not write it as a Scan or an unrolled graph."),
                _ => throw Unsupported($"Layer '{layer.Name}' ({layer.KerasClassName}) has no ONNX export."),
            };

            // Keras's mask propagation: a layer whose output is no longer a sequence of the input's steps drops it.
            if (!layer.OutputShape.IsSequence || layer is Conv1D)
            {
                // Keras 3's convolutions drop the mask too.
                builder.DropMask();
            }
        }

        if (last < 0)
        {
            // Only Dropout and SpecAugment layers: the model is the identity.
            graph.AddNode("Identity", OutputName, [x]);
        }

        SampleShape outputShape = model.OutputShape;
        OnnxDim[] outputDims = outputShape.IsSequence
            ? [batch, time, OnnxDim.Fixed(outputShape.Features)]
            : [batch, OnnxDim.Fixed(outputShape.Features)];
        graph.AddOutput(new OnnxValueInfo(OutputName, OnnxDataType.Float, outputDims));
        foreach (OnnxValueInfo state in builder.StateOutputs)
        {
            graph.AddOutput(state);
        }

        return graph;
    }

    /// <summary>Refuses what a stream cannot carry (<see cref="StreamingUnsupportedErrorId"/>).</summary>
    private static void CheckStreamable(Sequential model)
    {
        static ModelException Refuse(string message) => new(StreamingUnsupportedErrorId, message);
        foreach (Layer layer in model.Layers)
        {
            if (layer is Bidirectional)
            {
                throw Refuse($"Layer '{layer.Name}' is Bidirectional: it reads each sequence from its end, and a stream has no end. " +
                    "Export it without -Streaming, or stream a model of forward layers only.");
            }

            if (layer is RecurrentLayer { GoBackwards: true })
            {
                throw Refuse($"Layer '{layer.Name}' ({layer.KerasClassName}) has go_backwards: it reads each sequence from its end, and a stream " +
                    "has no end. Export it without -Streaming.");
            }

            if (layer.ReadsAcrossSteps)
            {
                throw Refuse($"Layer '{layer.Name}' ({layer.KerasClassName}) reads across the steps of a sequence, not only through a state: " +
                    "run chunk by chunk it would see each chunk's steps alone. Export it without -Streaming.");
            }

            if (layer is Masking || layer is Embedding { MaskZero: true })
            {
                throw Refuse($"Layer '{layer.Name}' masks steps; a streaming ONNX export of a masked model is not supported (ONNX's " +
                    "sequence_lens cannot leave a state alone at a sample's masked steps across calls). Export it without -Streaming, " +
                    "or stream it with New-RnnStream in PSRnn.");
            }
        }

        if (!model.Layers.OfType<RecurrentLayer>().Any())
        {
            throw Refuse($"Model '{model.Name}' has no recurrent layer, so it has no state to stream. Export it without -Streaming.");
        }
    }

    /// <summary>The exception for what ONNX export cannot express.</summary>
    internal static ModelException Unsupported(string message) =>
        new(UnsupportedErrorId, message + " Export the model in PSRnn's own format instead, or change the layer.");

    /// <summary>Adds the nodes of each layer kind to a graph.</summary>
    private sealed partial class GraphBuilder(OnnxGraph graph)
    {
        private readonly HashSet<string> _constants = new(StringComparer.Ordinal);
        private readonly List<OnnxValueInfo> _stateOutputs = [];

        /// <summary>The batch axis of the state inputs and outputs when streaming; null when not.</summary>
        public OnnxDim? StreamBatch { get; init; }

        /// <summary>The state outputs added so far (streaming), in layer order: L.h_out, L.c_out.</summary>
        public IReadOnlyList<OnnxValueInfo> StateOutputs => _stateOutputs;

        /// <summary>Dense: MatMul, Add, activation.</summary>
        public string Dense(Dense dense, string x, string? output)
        {
            string layer = dense.Name;
            IReadOnlyList<Parameter> p = dense.Parameters;
            Parameter kernel = p[0];
            string w = graph.AddFloat($"{layer}/kernel", [kernel.Shape[0], kernel.Shape[1]], kernel.Value);
            bool linear = dense.Activation == ActivationKind.Linear;
            string z = graph.AddNode("MatMul", !dense.UseBias && linear ? output ?? $"{layer}/output" : $"{layer}/MatMul", [x, w]);
            if (dense.UseBias)
            {
                string b = graph.AddFloat($"{layer}/bias", [dense.Units], p[1].Value);
                z = graph.AddNode("Add", linear ? output ?? $"{layer}/output" : $"{layer}/Add", [z, b]);
            }

            return linear ? z : Activation(dense.Activation, layer, z, output ?? $"{layer}/output");
        }

        /// <summary>Normalization: Sub and Div by s = max(√σ², ε) (inverted: Mul and Add), s computed here in float32
        /// as the layer computes it, so ONNX Runtime rounds each value as PSRnn does.</summary>
        public string Normalization(Normalization normalization, string x, string? output)
        {
            string layer = normalization.Name;
            int f = normalization.Mean.Length;
            var scale = new float[f];
            for (int i = 0; i < f; i++)
            {
                scale[i] = MathF.Max(MathF.Sqrt(normalization.Variance.Value[i]), Layers.Normalization.Epsilon);
            }

            string mean = graph.AddFloat($"{layer}/mean", [f], normalization.Mean.Value);
            string s = graph.AddFloat($"{layer}/scale", [f], scale);
            string result = output ?? $"{layer}/output";
            return normalization.Invert
                ? graph.AddNode("Add", result, [graph.AddNode("Mul", $"{layer}/Mul", [x, s]), mean])
                : graph.AddNode("Div", result, [graph.AddNode("Sub", $"{layer}/Sub", [x, mean]), s]);
        }

        /// <summary>
        /// Conv1D: Transpose (B, T, F) → (B, F, T); Conv with W (C, F, K) from Keras's (K, F, C), strides, dilations and
        /// pads (causal: d(K − 1) before; same: auto_pad SAME_UPPER, TensorFlow's split with the odd zero at the end);
        /// Transpose back; the activation.
        /// </summary>
        public string Conv1D(Conv1D conv, string x, string? output)
        {
            string layer = conv.Name;
            int k = conv.KernelSize, f = conv.InputShape.Features, c = conv.Filters;
            ReadOnlySpan<float> kernel = conv.Parameters[0].Value;
            var w = new float[c * f * k];
            for (int tap = 0; tap < k; tap++)
            {
                for (int i = 0; i < f; i++)
                {
                    for (int o = 0; o < c; o++)
                    {
                        w[(((o * f) + i) * k) + tap] = kernel[(((tap * f) + i) * c) + o];
                    }
                }
            }

            string[] inputs = conv.UseBias
                ? [graph.AddNode("Transpose", $"{layer}/X_bft", [x], OnnxAttribute.Ints("perm", 0, 2, 1)), graph.AddFloat($"{layer}/W", [c, f, k], w),
                    graph.AddFloat($"{layer}/B", [c], conv.Parameters[1].Value)]
                : [graph.AddNode("Transpose", $"{layer}/X_bft", [x], OnnxAttribute.Ints("perm", 0, 2, 1)), graph.AddFloat($"{layer}/W", [c, f, k], w)];
            var attributes = new List<OnnxAttribute>
            {
                OnnxAttribute.Ints("kernel_shape", k),
                OnnxAttribute.Ints("strides", conv.Strides),
                OnnxAttribute.Ints("dilations", conv.DilationRate),
            };
            attributes.Add(conv.Padding switch
            {
                Conv1DPadding.Same => OnnxAttribute.String("auto_pad", "SAME_UPPER"),
                Conv1DPadding.Causal => OnnxAttribute.Ints("pads", conv.DilationRate * (k - 1), 0),
                _ => OnnxAttribute.Ints("pads", 0, 0),
            });
            string y = graph.AddNode("Conv", $"{layer}/Conv", inputs, [.. attributes]);
            string result = output ?? $"{layer}/output";
            if (conv.Activation == ActivationKind.Linear)
            {
                return graph.AddNode("Transpose", result, [y], OnnxAttribute.Ints("perm", 0, 2, 1));
            }

            string z = graph.AddNode("Transpose", $"{layer}/Z", [y], OnnxAttribute.Ints("perm", 0, 2, 1));
            return Activation(conv.Activation, layer, z, result);
        }

        /// <summary>LayerNormalization: ONNX's LayerNormalization (opset 17) over axis −1, γ of ones and no B when absent.</summary>
        public string LayerNormalization(LayerNormalization norm, string x, string? output)
        {
            string layer = norm.Name;
            int f = norm.InputShape.Features;
            IReadOnlyList<Parameter> p = norm.Parameters;
            float[] gamma = norm.Scale ? p[0].Value : Enumerable.Repeat(1f, f).ToArray();
            string scale = graph.AddFloat($"{layer}/gamma", [f], gamma);
            string[] inputs = norm.Center ? [x, scale, graph.AddFloat($"{layer}/beta", [f], p[norm.Scale ? 1 : 0].Value)] : [x, scale];
            return graph.AddNode("LayerNormalization", output ?? $"{layer}/output", inputs,
                OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", norm.Epsilon));
        }

        /// <summary>Embedding: Gather rows of the table by id; (B, T, 1) ids need a Reshape to (B, T, D).</summary>
        public string Embedding(Embedding embedding, string ids, string? output)
        {
            string layer = embedding.Name;
            string result = output ?? $"{layer}/output";
            Parameter table = embedding.Parameters[0];
            string e = graph.AddFloat($"{layer}/embeddings", [embedding.InputDim, embedding.OutputDim], table.Value);
            if (embedding.MaskZero)
            {
                MaskFromTokenIds(layer, ids, embedding.InputShape.IsSequence);
            }

            if (!embedding.InputShape.IsSequence)
            {
                return graph.AddNode("Gather", result, [e, ids], OnnxAttribute.Int("axis", 0));
            }

            string gathered = graph.AddNode("Gather", $"{layer}/Gather", [e, ids], OnnxAttribute.Int("axis", 0));
            return graph.AddNode("Reshape", result, [gathered, Constant("const/shape_0_0_-1", 0, 0, -1)]);
        }

        /// <summary>
        /// Bidirectional: the operator's two directions side by side (concat), or, for the other merge modes, those
        /// (…, 2U) features reshaped to (…, 2, U) and reduced over the direction axis: ReduceSum (sum), ReduceProd (mul),
        /// ReduceMean ((f + g) / 2, ave).
        /// </summary>
        public string Bidirectional(Bidirectional wrapper, string x, string? output)
        {
            string layer = wrapper.Name;
            if (wrapper.MergeMode == BidirectionalMerge.Concat)
            {
                return Recurrent(layer, wrapper.ForwardLayer, wrapper.BackwardLayer, x, output);
            }

            string both = Recurrent(layer, wrapper.ForwardLayer, wrapper.BackwardLayer, x, $"{layer}/directions");
            int units = wrapper.ForwardLayer.Units;
            string split = wrapper.ReturnSequences
                ? graph.AddNode("Reshape", $"{layer}/directions_2u", [both, Constant($"const/shape_0_0_2_{units}", 0, 0, 2, units)])
                : graph.AddNode("Reshape", $"{layer}/directions_2u", [both, Constant($"const/shape_0_2_{units}", 0, 2, units)]);
            string result = output ?? $"{layer}/output";
            OnnxAttribute keep = OnnxAttribute.Int("keepdims", 0);
            return wrapper.MergeMode switch
            {
                // Opset 17: ReduceSum takes its axes as an input, ReduceProd and ReduceMean as an attribute.
                BidirectionalMerge.Sum => graph.AddNode("ReduceSum", result, [split, Constant("const/-2", -2)], keep),
                BidirectionalMerge.Mul => graph.AddNode("ReduceProd", result, [split], OnnxAttribute.Ints("axes", -2), keep),
                _ => graph.AddNode("ReduceMean", result, [split], OnnxAttribute.Ints("axes", -2), keep),
            };
        }

        // The (n, n) matrix with v on its diagonal.
        private static float[] Diagonal(ReadOnlySpan<float> v)
        {
            var m = new float[v.Length * v.Length];
            for (int i = 0; i < v.Length; i++)
            {
                m[(i * v.Length) + i] = v[i];
            }

            return m;
        }

        /// <summary>SimpleRNN, LSTM or GRU, one direction or both (<paramref name="backward"/> set for Bidirectional).</summary>
        public string Recurrent(string layer, RecurrentLayer forward, RecurrentLayer? backward, string x, string? output)
        {
            string result = output ?? $"{layer}/output";
            // The operator and, for each of its gates, the Keras gate it reads, as the cell declares them (LSTM: ONNX
            // i, o, f, c ← Keras i, f, c, o).
            RecurrentCellInfo cell = forward.CellInfo
                ?? throw Unsupported($"Layer '{layer}' ({forward.KerasClassName}) has no ONNX export.");
            if (forward.StateWidth != forward.Units)
            {
                // ONNX's LSTM operator has no projection (and torch.onnx refuses proj_size too).
                throw Unsupported($"Layer '{layer}' ({forward.KerasClassName}) projects h to {forward.StateWidth} of its {forward.Units} units " +
                    "(PyTorch's proj_size), and the ONNX LSTM operator has no projection.");
            }

            (string op, int gates, IReadOnlyList<int> gateMap) = (cell.OnnxOperator, cell.Gates, cell.OnnxGateOrder);

            RecurrentLayer[] directions = backward is null ? [forward] : [forward, backward];
            int d = directions.Length, units = forward.Units, features = forward.InputShape.Features, g = gates * units;
            var w = new float[d * g * features];
            var r = new float[d * g * units];
            var b = new float[d * 2 * g];
            for (int k = 0; k < d; k++)
            {
                IReadOnlyList<Parameter> p = directions[k].Parameters;
                GateRows(p[0].Value, features, units, gateMap, w.AsSpan(k * g * features, g * features));
                // IndRNN's element-wise u is ONNX RNN's R = diag(u): the same h·R, one nonzero a row.
                GateRows(directions[k] is IndRnn ? Diagonal(p[1].Value) : p[1].Value, units, units, gateMap, r.AsSpan(k * g * units, g * units));
                if (forward.UseBias)
                {
                    Span<float> wb = b.AsSpan(k * 2 * g, g), rb = b.AsSpan((k * 2 * g) + g, g);
                    ReadOnlySpan<float> bias = p[2].Value;
                    // Keras's single bias goes in Wb (Rb stays zero); a reset_after GRU has rows [input, recurrent].
                    GateRows(bias[..g], 1, units, gateMap, wb);
                    if (bias.Length == 2 * g)
                    {
                        GateRows(bias[g..], 1, units, gateMap, rb);
                    }
                }
            }

            string wName = graph.AddFloat($"{layer}/W", [d, g, features], w);
            string rName = graph.AddFloat($"{layer}/R", [d, g, units], r);
            string bName = forward.UseBias ? graph.AddFloat($"{layer}/B", [d, 2 * g], b) : "";

            var attributes = new List<OnnxAttribute>
            {
                OnnxAttribute.Int("hidden_size", units),
                OnnxAttribute.String("direction", backward is not null ? "bidirectional" : forward.GoBackwards ? "reverse" : "forward"),
            };
            attributes.AddRange(Activations(layer, forward, d));
            if (forward is Gru gru)
            {
                attributes.Add(OnnxAttribute.Int("linear_before_reset", gru.ResetAfter ? 1 : 0));
            }

            // Under a mask each sample's real steps are moved to its front and the operator runs over those only
            // (sequence_lens); see OnnxExporter.Masking.cs.
            bool masked = HasMask;
            string xt = graph.AddNode("Transpose", $"{layer}/X_tbf", [masked ? CompactSteps(layer, x) : x], OnnxAttribute.Ints("perm", 1, 0, 2));
            string[] inputs = masked ? [xt, wName, rName, bName, SequenceLengths()]
                : bName.Length > 0 ? [xt, wName, rName, bName] : [xt, wName, rName];

            // Streaming: initial_h (initial_c) from graph inputs, Y_h (Y_c) to graph outputs (after the other inputs).
            string[] stateOutputs = [];
            if (StreamBatch is { } streamBatch)
            {
                bool lstm = cell.States > 1;
                string[] names = lstm ? ["h", "c"] : ["h"];
                OnnxDim[] dims = [OnnxDim.Fixed(1), streamBatch, OnnxDim.Fixed(units)];
                var streamed = new List<string>(inputs);
                while (streamed.Count < 5)
                {
                    streamed.Add(""); // B (no bias), sequence_lens
                }

                foreach (string n in names)
                {
                    string name = $"{layer}.{n}{StateInputSuffix}";
                    graph.AddInput(new OnnxValueInfo(name, OnnxDataType.Float, dims));
                    streamed.Add(name);
                }

                inputs = [.. streamed];
                stateOutputs = [.. names.Select(n => $"{layer}.{n}{StateOutputSuffix}")];
                foreach (string name in stateOutputs)
                {
                    _stateOutputs.Add(new OnnxValueInfo(name, OnnxDataType.Float, dims));
                }
            }

            if (forward.ReturnSequences)
            {
                string y = $"{layer}/Y";
                graph.AddNode(op, layer, inputs, stateOutputs.Length > 0 ? [y, .. stateOutputs] : [y], [.. attributes]);
                if (masked)
                {
                    // (T, D, B, H) → (B, T, D·H) over the compacted steps, then back to the input's steps as Keras has them.
                    string ycb = graph.AddNode("Transpose", $"{layer}/Y_compact_btdh", [y], OnnxAttribute.Ints("perm", 2, 0, 1, 3));
                    string yc = graph.AddNode("Reshape", $"{layer}/Y_compact", [ycb, Constant("const/shape_0_0_-1", 0, 0, -1)]);
                    return RestoreSteps(layer, yc, backward is not null ? StepKind.Bidirectional : forward.GoBackwards ? StepKind.Backward : StepKind.Forward, result);
                }

                if (backward is null && forward.GoBackwards)
                {
                    // ONNX's Y is indexed by input step; Keras returns go_backwards sequences in processing order.
                    y = graph.AddNode("Slice", $"{layer}/Y_reversed",
                        [y, Constant("const/-1", -1), Constant("const/int64_min", long.MinValue), Constant("const/0", 0), Constant("const/-1", -1)]);
                }

                // (T, D, B, H) → (B, T, D, H) → (B, T, D·H): the directions' features side by side, forward first.
                string yb = graph.AddNode("Transpose", $"{layer}/Y_btdh", [y], OnnxAttribute.Ints("perm", 2, 0, 1, 3));
                return graph.AddNode("Reshape", result, [yb, Constant("const/shape_0_0_-1", 0, 0, -1)]);
            }

            string yh = stateOutputs.Length > 0 ? stateOutputs[0] : $"{layer}/Y_h";
            graph.AddNode(op, layer, inputs, ["", yh, .. stateOutputs.Skip(1)], [.. attributes]);
            if (d == 1)
            {
                return graph.AddNode("Squeeze", result, [yh, Constant("const/0", 0)]);
            }

            // (2, B, H) → (B, 2, H) → (B, 2H): each direction's last state, forward first.
            string yhb = graph.AddNode("Transpose", $"{layer}/Y_h_bdh", [yh], OnnxAttribute.Ints("perm", 1, 0, 2));
            return graph.AddNode("Reshape", result, [yhb, Constant("const/shape_0_-1", 0, -1)]);
        }

        /// <summary>A Dense activation as ONNX nodes, the last of which writes <paramref name="output"/>.</summary>
        private string Activation(ActivationKind kind, string layer, string z, string output) => kind switch
        {
            ActivationKind.Tanh => graph.AddNode("Tanh", output, [z]),
            ActivationKind.Sigmoid => graph.AddNode("Sigmoid", output, [z]),
            ActivationKind.Relu => graph.AddNode("Relu", output, [z]),
            ActivationKind.Softmax => graph.AddNode("Softmax", output, [z], OnnxAttribute.Int("axis", -1)),
            ActivationKind.Elu => graph.AddNode("Elu", output, [z], OnnxAttribute.Float("alpha", 1f)),
            // Keras's constants, which differ from ONNX's defaults in the last digits.
            ActivationKind.Selu => graph.AddNode("Selu", output, [z],
                OnnxAttribute.Float("alpha", 1.67326324f), OnnxAttribute.Float("gamma", 1.05070098f)),
            ActivationKind.Softplus => graph.AddNode("Softplus", output, [z]),
            ActivationKind.Softsign => graph.AddNode("Softsign", output, [z]),
            // Keras 3: relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1); ONNX's default alpha is 0.2 (Keras 2's).
            ActivationKind.HardSigmoid => graph.AddNode("HardSigmoid", output, [z],
                OnnxAttribute.Float("alpha", 1f / 6f), OnnxAttribute.Float("beta", 0.5f)),
            ActivationKind.Swish => graph.AddNode("Mul", output, [z, graph.AddNode("Sigmoid", $"{layer}/Sigmoid", [z])]),
            _ => throw Unsupported($"Layer '{layer}' uses the activation {kind.KerasName()}, which has no ONNX export."),
        };

        /// <summary>
        /// The activations, activation_alpha and activation_beta attributes: per direction (f) for RNN, (f, g) for GRU,
        /// (f, g, h) for LSTM. ONNX Runtime takes alpha and beta values in order only for the activations that use them
        /// (HardSigmoid, Affine, Elu), so the lists hold exactly those.
        /// </summary>
        private static IEnumerable<OnnxAttribute> Activations(string layer, RecurrentLayer cell, int directions)
        {
            ActivationKind[] kinds = cell switch
            {
                Lstm lstm => [lstm.RecurrentActivation, lstm.Activation, lstm.Activation],
                Gru gru => [gru.RecurrentActivation, gru.Activation],
                _ => [cell.Activation],
            };
            var names = new List<string>();
            var alphas = new List<float>();
            var betas = new List<float>();
            for (int k = 0; k < directions; k++)
            {
                foreach (ActivationKind kind in kinds)
                {
                    (string Name, float? Alpha, float? Beta) spec = kind switch
                    {
                        ActivationKind.Tanh => ("Tanh", null, null),
                        ActivationKind.Sigmoid => ("Sigmoid", null, null),
                        ActivationKind.Relu => ("Relu", null, null),
                        ActivationKind.HardSigmoid => ("HardSigmoid", 1f / 6f, 0.5f),
                        ActivationKind.Linear => ("Affine", 1f, 0f),
                        ActivationKind.Elu => ("Elu", 1f, null),
                        ActivationKind.Softplus => ("Softplus", null, null),
                        ActivationKind.Softsign => ("Softsign", null, null),
                        _ => throw Unsupported(
                            $"Layer '{layer}' ({cell.KerasClassName}) uses the activation {kind.KerasName()}, which the ONNX " +
                            $"{(cell is SimpleRnn ? "RNN" : cell.KerasClassName)} operator does not offer (it has tanh, sigmoid, " +
                            "relu, hard_sigmoid, linear, elu, softplus and softsign)."),
                    };
                    names.Add(spec.Name);
                    if (spec.Alpha is { } a)
                    {
                        alphas.Add(a);
                    }

                    if (spec.Beta is { } b)
                    {
                        betas.Add(b);
                    }
                }
            }

            yield return OnnxAttribute.Strings("activations", [.. names]);
            if (alphas.Count > 0)
            {
                yield return OnnxAttribute.Floats("activation_alpha", [.. alphas]);
            }

            if (betas.Count > 0)
            {
                yield return OnnxAttribute.Floats("activation_beta", [.. betas]);
            }
        }

        /// <summary>
        /// Keras (rows, G·U) with gates in column blocks → ONNX (G·U, rows) with gates in row blocks, ONNX gate j taken
        /// from Keras gate <paramref name="gateMap"/>[j]: onnx[j·U + u, f] = keras[f, map[j]·U + u]. A bias is rows = 1.
        /// </summary>
        private static void GateRows(ReadOnlySpan<float> keras, int rows, int units, IReadOnlyList<int> gateMap, Span<float> onnx)
        {
            int width = gateMap.Count * units;
            for (int j = 0; j < gateMap.Count; j++)
            {
                int column = gateMap[j] * units;
                for (int u = 0; u < units; u++)
                {
                    Span<float> row = onnx.Slice(((j * units) + u) * rows, rows);
                    for (int f = 0; f < rows; f++)
                    {
                        row[f] = keras[(f * width) + column + u];
                    }
                }
            }
        }

        /// <summary>A shared 1-D int64 constant, added on first use.</summary>
        private string Constant(string name, params long[] values)
        {
            if (_constants.Add(name))
            {
                graph.AddInt64(name, values);
            }

            return name;
        }
    }
}
