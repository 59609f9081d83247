using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>Keras's masking in the exported graph.</summary>
/// <remarks>
/// <para>The mask is derived inside the graph from the model's input, as the model derives it: for a Masking layer
/// m[b, t] = ReduceMax over the features of Cast(Not(Equal(x, mask_value))) — a step is real when any feature differs from
/// the mask value — and the layer's output is Where(m, x, 0), Keras's zeroed padding; for an Embedding with mask_zero
/// m = Cast(Not(Equal(ids, 0))). Recurrent layers use m through ONNX's sequence_lens: len[b] = ReduceSum over time of m.</para>
/// <para>ONNX's RNN, LSTM and GRU treat steps t ≥ len[b] as padding (Y is zero there, Y_h is the state after step
/// len − 1, a reverse direction starts at len − 1). That is Keras's mask only when the real steps come first ('post'
/// padding); for 'pre' padding (Keras's pad_sequences default) or steps masked in between it is not. So the graph first
/// moves each sample's real steps, in order, to its front — the permutation q[b, s] = the s-th real step of sample b,
/// then the masked ones — with GatherElements, runs the operator with sequence_lens = len, and maps its output back to the
/// input's steps. Keras's values, per input step t with c[b, t] = the real steps up to and including t:</para>
/// <list type="bullet">
/// <item>forward, return_sequences: the output of the last real step at or before t, zero before the first
/// (Y[c − 1] where c &gt; 0);</item>
/// <item>go_backwards, return_sequences: in processing order, the output of the last real step processed, zero before the
/// first: Y[c − m] where a real step remains at or after t (len − c + m &gt; 0), then time reversed;</item>
/// <item>Bidirectional, return_sequences: both directions' outputs at real steps, zero at masked ones (Keras's
/// zero_output_for_mask): Y[c − 1] where m;</item>
/// <item>the last output (no return_sequences): Y_h as it is — the state after each sample's last real step; zero for a
/// sample with no real step.</item>
/// </list>
/// <para>For post padding q is the identity and the outputs at real steps are the operator's own. The graph's input and
/// output are those of the unmasked model; no lengths input is added.</para>
/// </remarks>
public static partial class OnnxExporter
{
    // TensorProto.DataType numbers for Cast's "to".
    private const long OnnxBool = 9;
    private const long OnnxInt32 = 6;
    private const long OnnxInt64 = 7;
    private const long OnnxFloat = 1;

    private sealed partial class GraphBuilder
    {
        // The mask m (B, T) int64 in {0, 1} that the current activations carry, or null; the quantities derived from
        // it for the recurrent layers are added on first use and shared by every layer under the same mask.
        private string? _real;
        private string? _lengths;
        private string? _order;
        private string? _realSoFar;
        private string? _length;
        private string? _isReal;
        private string? _realPosition;
        private string? _position;
        private readonly Dictionary<StepKind, (string Index, string Valid)> _restore = [];

        /// <summary>How a layer's compacted output sequence maps back to the input's steps.</summary>
        internal enum StepKind
        {
            /// <summary>Forward, return_sequences: the last real output so far.</summary>
            Forward,

            /// <summary>go_backwards, return_sequences: the last real output so far in processing order.</summary>
            Backward,

            /// <summary>Bidirectional, return_sequences: the outputs at real steps, zeros at masked ones.</summary>
            Bidirectional,
        }

        /// <summary>Whether the activations carry a mask.</summary>
        public bool HasMask => _real is not null;

        /// <summary>The activations no longer carry a mask (a layer returned no sequence).</summary>
        public void DropMask() => _real = null;

        /// <summary>Masking: m from the features, then Where(m, x, 0).</summary>
        public string Masking(Masking masking, string x, string? output)
        {
            string layer = masking.Name;
            string value = graph.AddFloat($"{layer}/mask_value", [], [masking.MaskValue]);
            string equal = graph.AddNode("Equal", $"{layer}/Equal", [x, value]);
            string differs = graph.AddNode("Not", $"{layer}/Not", [equal]);
            string differsInt = graph.AddNode("Cast", $"{layer}/Not_int64", [differs], OnnxAttribute.Int("to", OnnxInt64));
            // opset 17's ReduceMax takes its axes as an attribute.
            string real3 = graph.AddNode("ReduceMax", $"{layer}/real_bt1", [differsInt], OnnxAttribute.Ints("axes", -1), OnnxAttribute.Int("keepdims", 1));
            SetMask(graph.AddNode("Squeeze", $"{layer}/real", [real3, Constant("const/2", 2)]));
            string keep = graph.AddNode("Cast", $"{layer}/real_bt1_bool", [real3], OnnxAttribute.Int("to", OnnxBool));
            return graph.AddNode("Where", output ?? $"{layer}/output", [keep, x, FloatZero()]);
        }

        /// <summary>Embedding mask_zero: m = (ids ≠ 0), over (B, T) or (B, T, 1) ids.</summary>
        private void MaskFromTokenIds(string layer, string ids, bool idsHaveFeatureAxis)
        {
            string zero = graph.AddInt64Scalar($"{layer}/mask_id", 0);
            string equal = graph.AddNode("Equal", $"{layer}/Equal", [ids, zero]);
            string real = graph.AddNode("Cast", $"{layer}/real_int64", [graph.AddNode("Not", $"{layer}/Not", [equal])], OnnxAttribute.Int("to", OnnxInt64));
            SetMask(idsHaveFeatureAxis ? graph.AddNode("Squeeze", $"{layer}/real", [real, Constant("const/2", 2)]) : real);
        }

        private void SetMask(string real)
        {
            _real = real;
            _lengths = null;
            _order = null;
            _restore.Clear();
        }

        /// <summary>len (B) int32 for sequence_lens: the real steps of each sample.</summary>
        private string SequenceLengths()
        {
            EnsureOrder();
            return _lengths!;
        }

        /// <summary>x (B, T, F) with each sample's real steps first, in order: GatherElements by q along time.</summary>
        private string CompactSteps(string layer, string x)
        {
            string order = EnsureOrder();
            string shape = graph.AddNode("Shape", $"{layer}/X_shape", [x]);
            string index = graph.AddNode("Expand", $"{layer}/X_order", [order, shape]);
            return graph.AddNode("GatherElements", $"{layer}/X_compact", [x, index], OnnxAttribute.Int("axis", 1));
        }

        /// <summary>A compacted (B, T, D·H) output sequence back at the input's steps, with Keras's values at masked steps.</summary>
        private string RestoreSteps(string layer, string compact, StepKind kind, string result)
        {
            (string index, string valid) = RestoreIndex(kind);
            string shape = graph.AddNode("Shape", $"{layer}/Y_shape", [compact]);
            string expanded = graph.AddNode("Expand", $"{layer}/Y_order", [index, shape]);
            string gathered = graph.AddNode("GatherElements", $"{layer}/Y_steps", [compact, expanded], OnnxAttribute.Int("axis", 1));
            if (kind != StepKind.Backward)
            {
                return graph.AddNode("Where", result, [valid, gathered, FloatZero()]);
            }

            // go_backwards returns the sequence in processing order: reverse the input-order values.
            string z = graph.AddNode("Where", $"{layer}/Y_input_order", [valid, gathered, FloatZero()]);
            return graph.AddNode("Slice", result,
                [z, Constant("const/-1", -1), Constant("const/int64_min", long.MinValue), Constant("const/1", 1), Constant("const/-1", -1)]);
        }

        /// <summary>
        /// c = CumSum(m), u = CumSum(1 − m) (the masked steps so far), len = ReduceSum(m); step t goes to position
        /// p = m ? c − 1 : len + u − 1, and q, the inverse permutation, is ScatterElements(t, p, t) with t = c + u − 1.
        /// </summary>
        private string EnsureOrder()
        {
            if (_order is not null)
            {
                return _order;
            }

            string m = _real!;
            string one = Int64Scalar("const/scalar_int64_1", 1);
            _realSoFar = graph.AddNode("CumSum", $"{m}/real_so_far", [m, one]);
            string u = graph.AddNode("CumSum", $"{m}/masked_so_far", [graph.AddNode("Sub", $"{m}/masked", [one, m]), one]);
            _length = graph.AddNode("ReduceSum", $"{m}/length", [m, Constant("const/1", 1)], OnnxAttribute.Int("keepdims", 1));
            _lengths = graph.AddNode("Cast", $"{m}/sequence_lens", [graph.AddNode("Squeeze", $"{m}/length_b", [_length, Constant("const/1", 1)])],
                OnnxAttribute.Int("to", OnnxInt32));
            string step = graph.AddNode("Sub", $"{m}/step", [graph.AddNode("Add", $"{m}/real_plus_masked", [_realSoFar, u]), one]);
            _isReal = graph.AddNode("Cast", $"{m}/real_bool", [m], OnnxAttribute.Int("to", OnnxBool));
            _realPosition = graph.AddNode("Sub", $"{m}/real_position", [_realSoFar, one]);
            string maskedPosition = graph.AddNode("Sub", $"{m}/masked_position", [graph.AddNode("Add", $"{m}/length_plus_masked", [_length, u]), one]);
            _position = graph.AddNode("Where", $"{m}/position", [_isReal, _realPosition, maskedPosition]);
            string order = graph.AddNode("ScatterElements", $"{m}/order", [step, _position, step], OnnxAttribute.Int("axis", 1));
            _order = graph.AddNode("Unsqueeze", $"{m}/order_bt1", [order, Constant("const/2", 2)]);
            return _order;
        }

        /// <summary>The (B, T, 1) position in the compacted output that input step t shows, and whether it shows one (else zero).</summary>
        private (string Index, string Valid) RestoreIndex(StepKind kind)
        {
            EnsureOrder();
            if (_restore.TryGetValue(kind, out (string, string) known))
            {
                return known;
            }

            string m = _real!;
            // Made only where it is read: an unused initializer is one ONNX Runtime warns about at every session.
            string Zero() => Int64Scalar("const/scalar_int64_0", 0);
            (string index, string valid) = kind switch
            {
                // The real step itself; zero where masked.
                StepKind.Bidirectional => (_position!, _isReal!),
                // The last real step at or before t: position c − 1, where c > 0.
                StepKind.Forward => (graph.AddNode("Max", $"{m}/last_real", [_realPosition!, Zero()]),
                    graph.AddNode("Greater", $"{m}/seen_real", [_realSoFar!, Zero()])),
                // The first real step at or after t: position c − m, where len − c + m > 0 real steps remain.
                _ => (graph.AddNode("Sub", $"{m}/next_real", [_realSoFar!, m]),
                    graph.AddNode("Greater", $"{m}/real_ahead", [graph.AddNode("Add", $"{m}/real_remaining",
                        [graph.AddNode("Sub", $"{m}/length_minus_real", [_length!, _realSoFar!]), m]), Zero()])),
            };
            string name = kind.ToString().ToLowerInvariant();
            (string, string) restore = (
                graph.AddNode("Unsqueeze", $"{m}/{name}_index_bt1", [index, Constant("const/2", 2)]),
                graph.AddNode("Unsqueeze", $"{m}/{name}_valid_bt1", [valid, Constant("const/2", 2)]));
            _restore[kind] = restore;
            return restore;
        }

        /// <summary>
        /// GlobalAveragePooling1D / GlobalMaxPooling1D over axis 1 of (B, T, F). Unmasked: ReduceMean or ReduceMax. Under a
        /// mask m (B, T): average Σ m·x / max(Σ m, 1), max ReduceMax(Where(m, x, −∞)) with zeros where no step is real.
        /// </summary>
        public string Pooling(GlobalPooling1D pooling, string x, string? output)
        {
            string layer = pooling.Name;
            string result = output ?? $"{layer}/output";
            OnnxAttribute keep = OnnxAttribute.Int("keepdims", 0);
            bool average = pooling.Mode == GlobalPoolingMode.Average;
            if (_real is null)
            {
                return graph.AddNode(average ? "ReduceMean" : "ReduceMax", result, [x], OnnxAttribute.Ints("axes", 1), keep);
            }

            string m = _real;
            string real3 = graph.AddNode("Unsqueeze", $"{layer}/real_bt1", [m, Constant("const/2", 2)]);
            string count = graph.AddNode("ReduceSum", $"{layer}/real_steps", [m, Constant("const/1", 1)], OnnxAttribute.Int("keepdims", 1));
            if (average)
            {
                string weights = graph.AddNode("Cast", $"{layer}/real_bt1_float", [real3], OnnxAttribute.Int("to", OnnxFloat));
                string sum = graph.AddNode("ReduceSum", $"{layer}/sum", [graph.AddNode("Mul", $"{layer}/masked_x", [x, weights]), Constant("const/1", 1)], keep);
                string one = Int64Scalar("const/scalar_int64_1", 1);
                string divisor = graph.AddNode("Cast", $"{layer}/divisor", [graph.AddNode("Max", $"{layer}/count_at_least_1", [count, one])],
                    OnnxAttribute.Int("to", OnnxFloat));
                return graph.AddNode("Div", result, [sum, divisor]);
            }

            string lowest = FloatScalar("const/scalar_float_-inf", float.NegativeInfinity);
            string isReal = graph.AddNode("Cast", $"{layer}/real_bt1_bool", [real3], OnnxAttribute.Int("to", OnnxBool));
            string max = graph.AddNode("ReduceMax", $"{layer}/max", [graph.AddNode("Where", $"{layer}/real_or_-inf", [isReal, x, lowest])],
                OnnxAttribute.Ints("axes", 1), keep);
            string any = graph.AddNode("Greater", $"{layer}/any_real", [count, Int64Scalar("const/scalar_int64_0", 0)]);
            return graph.AddNode("Where", result, [any, max, FloatZero()]);
        }

        /// <summary>
        /// Attention (self, dot): S = s·X·Xᵀ; Keras's masking as it writes it: S − 1e9 where a key is disallowed (padding,
        /// or after the query when causal: Trilu of a (T, T) ones matrix); Softmax; A·X; zeros at padding queries.
        /// </summary>
        public string Attention(SelfAttention attention, string x, string? output)
        {
            string layer = attention.Name;
            string result = output ?? $"{layer}/output";
            string xt = graph.AddNode("Transpose", $"{layer}/X_t", [x], OnnxAttribute.Ints("perm", 0, 2, 1));
            string scores = graph.AddNode("MatMul", $"{layer}/R", [x, xt]);
            if (attention.UseScale)
            {
                scores = graph.AddNode("Mul", $"{layer}/S", [scores, graph.AddFloat($"{layer}/scale", [], attention.Parameters[0].Value)]);
            }

            string? allowed = null;
            if (attention.Causal)
            {
                // ones (T, T) from the input's steps, lower triangle kept: key j ≤ query i.
                string shape = graph.AddNode("Shape", $"{layer}/X_shape", [x]);
                string steps = graph.AddNode("Gather", $"{layer}/T", [shape, Constant("const/1", 1)], OnnxAttribute.Int("axis", 0));
                string square = graph.AddNode("Concat", $"{layer}/T_T", [steps, steps], OnnxAttribute.Int("axis", 0));
                string ones = graph.AddNode("Expand", $"{layer}/ones", [Int64Scalar("const/scalar_int64_1", 1), square]);
                string lower = graph.AddNode("Trilu", $"{layer}/lower", [ones], OnnxAttribute.Int("upper", 0));
                allowed = graph.AddNode("Cast", $"{layer}/causal", [lower], OnnxAttribute.Int("to", OnnxBool));
            }

            string? queries = null;
            if (_real is not null)
            {
                string keys = graph.AddNode("Cast", $"{layer}/real_b1t", [graph.AddNode("Unsqueeze", $"{layer}/real_b1t_int", [_real, Constant("const/1", 1)])],
                    OnnxAttribute.Int("to", OnnxBool));
                allowed = allowed is null ? keys : graph.AddNode("And", $"{layer}/allowed", [keys, allowed]);
                queries = graph.AddNode("Cast", $"{layer}/real_bt1", [graph.AddNode("Unsqueeze", $"{layer}/real_bt1_int", [_real, Constant("const/2", 2)])],
                    OnnxAttribute.Int("to", OnnxBool));
            }

            if (allowed is not null)
            {
                string shifted = graph.AddNode("Sub", $"{layer}/S_shifted", [scores, FloatScalar("const/scalar_float_1e9", 1e9f)]);
                scores = graph.AddNode("Where", $"{layer}/S_masked", [allowed, scores, shifted]);
            }

            string weights = graph.AddNode("Softmax", $"{layer}/A", [scores], OnnxAttribute.Int("axis", -1));
            if (queries is null)
            {
                return graph.AddNode("MatMul", result, [weights, x]);
            }

            string y = graph.AddNode("MatMul", $"{layer}/Y", [weights, x]);
            return graph.AddNode("Where", result, [queries, y, FloatZero()]);
        }

        private string FloatScalar(string name, float value)
        {
            if (_constants.Add(name))
            {
                graph.AddFloat(name, [], [value]);
            }

            return name;
        }

        private string FloatZero()
        {
            const string name = "const/scalar_float_0";
            if (_constants.Add(name))
            {
                graph.AddFloat(name, [], [0f]);
            }

            return name;
        }

        private string Int64Scalar(string name, long value)
        {
            if (_constants.Add(name))
            {
                graph.AddInt64Scalar(name, value);
            }

            return name;
        }
    }
}
