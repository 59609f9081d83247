using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>Keras's MultiHeadAttention (self-attention) in the exported graph.</summary>
public static partial class OnnxExporter
{
    private sealed partial class GraphBuilder
    {
        /// <summary>
        /// MultiHeadAttention: Q = (X·Wq + bq)·(1/√Dk), K, V likewise without the scale, each Reshape (B, T, H, D) and
        /// Transpose to (B, H, T, D) (K to (B, H, Dk, T)); S = Q·Kᵀ; Where(allowed, S, −1e9) with allowed = real key ∧ real
        /// query ∧ (causal: key ≤ query), so a padding query's row is uniform as in the layer; Softmax; A·V back to
        /// (B, T, H·Dv); the output projection.
        /// </summary>
        public string MultiHeadAttention(MultiHeadAttention attention, string x, string? output)
        {
            string layer = attention.Name;
            int h = attention.Heads, dk = attention.KeyDim, dv = attention.ValueDim, fo = attention.OutputShape.Features;
            int f = attention.InputShape.Features;
            IReadOnlyList<Parameter> p = attention.Parameters;
            int step = attention.UseBias ? 2 : 1;
            string Projection(string input, string sublayer, int index, int inFeatures, int outFeatures, string? name)
            {
                string w = graph.AddFloat($"{layer}/{sublayer}/kernel", [inFeatures, outFeatures], p[index * step].Value);
                string z = graph.AddNode("MatMul", attention.UseBias ? $"{layer}/{sublayer}/MatMul" : name ?? $"{layer}/{sublayer}/output", [input, w]);
                return attention.UseBias
                    ? graph.AddNode("Add", name ?? $"{layer}/{sublayer}/output", [z, graph.AddFloat($"{layer}/{sublayer}/bias", [outFeatures], p[(index * step) + 1].Value)])
                    : z;
            }

            string Heads(string projected, string sublayer, int size, params long[] perm)
            {
                string split = graph.AddNode("Reshape", $"{layer}/{sublayer}/split", [projected, Constant($"const/0_0_{h}_{size}", 0, 0, h, size)]);
                return graph.AddNode("Transpose", $"{layer}/{sublayer}/heads", [split], OnnxAttribute.Ints("perm", perm));
            }

            string q = graph.AddNode("Mul", $"{layer}/query/scaled", [Projection(x, "query", 0, f, h * dk, null), FloatScalar($"{layer}/inverse_sqrt_key_dim", 1f / MathF.Sqrt(dk))]);
            string qh = Heads(q, "query", dk, 0, 2, 1, 3);
            string kh = Heads(Projection(x, "key", 1, f, h * dk, null), "key", dk, 0, 2, 3, 1);
            string vh = Heads(Projection(x, "value", 2, f, h * dv, null), "value", dv, 0, 2, 1, 3);
            string scores = graph.AddNode("MatMul", $"{layer}/S", [qh, kh]);
            string? allowed = attention.Causal ? CausalMask(layer, x) : null;
            if (_real is not null)
            {
                string keys = RealBool(layer, "real_b11t", 1, 2);
                string queries = RealBool(layer, "real_b1t1", 1, 3);
                string both = graph.AddNode("And", $"{layer}/real_pairs", [queries, keys]);
                allowed = allowed is null ? both : graph.AddNode("And", $"{layer}/allowed", [both, allowed]);
            }

            if (allowed is not null)
            {
                scores = graph.AddNode("Where", $"{layer}/S_masked", [allowed, scores, FloatScalar("const/scalar_float_-1e9", -1e9f)]);
            }

            string weights = graph.AddNode("Softmax", $"{layer}/A", [scores], OnnxAttribute.Int("axis", -1));
            string heads = graph.AddNode("MatMul", $"{layer}/O_heads", [weights, vh]);
            string merged = graph.AddNode("Transpose", $"{layer}/O_steps", [heads], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
            string o = graph.AddNode("Reshape", $"{layer}/O", [merged, Constant($"const/0_0_{h * dv}", 0, 0, h * dv)]);
            return Projection(o, "attention_output", 3, h * dv, fo, output);
        }
    }
}
