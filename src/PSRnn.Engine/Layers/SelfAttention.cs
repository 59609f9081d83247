using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Attention (dot-product, Luong-style) used as self-attention in a Sequential model: query = key = value = the
/// input sequence, with Keras's masks (padding keys excluded, padding queries zero) and optionally its causal mask.
/// <para>Shapes per sample: X (T, F); R = X·Xᵀ (T, T); scale s (a scalar weight <c>scale</c>, ones at first, with
/// use_scale; else 1); A (T, T); y (T, F).</para>
/// <para>Forward: S = s·R; A_ij = softmax_j over the allowed keys j (real, and j ≤ i when causal) of S_ij, 0 for the others;
/// y_i = Σ_j A_ij X_j, and 0 where query i is padding (Keras: ops.where(q_mask, output, 0)). Keras subtracts 1e9 from a
/// disallowed score instead of dropping it: the same weights to the last bit in float32 (e^−1e9 is 0).</para>
/// <para>Backward: dA = dy·Xᵀ; dS_ij = A_ij (dA_ij − Σ_k A_ik dA_ik); dR = s·dS; dX = Aᵀ·dy + (dR + dRᵀ)·X (value, then
/// query and key); ds += Σ_ij dS_ij R_ij.</para>
/// <para>The mask passes on (Keras's compute_mask returns the query mask). Keras's score_mode "concat" and attention
/// dropout are not supported.</para>
/// </summary>
public sealed class SelfAttention : Layer
{
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private float[] _raw = [];
    private float[] _weights = [];
    private float[] _dWeights = [];
    private Activations? _input;
    private SequenceMask? _mask;
    private Parameter? _scale;

    /// <summary>Creates the layer.</summary>
    /// <param name="useScale">Whether a trainable scalar scales the scores (Keras's use_scale).</param>
    /// <param name="causal">Whether step i attends only to steps up to i (Keras's use_causal_mask).</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public SelfAttention(bool useScale = false, bool causal = false, string? name = null)
        : base(name)
    {
        UseScale = useScale;
        Causal = causal;
    }

    /// <inheritdoc />
    public override string KerasClassName => "Attention";

    /// <inheritdoc />
    /// <remarks>True: every query attends to the whole sequence.</remarks>
    internal override bool ReadsAcrossSteps => true;

    /// <summary>Whether a trainable scalar scales the scores.</summary>
    public bool UseScale { get; }

    /// <summary>Whether each step attends only to itself and the steps before it.</summary>
    public bool Causal { get; }

    /// <summary>The attention weights of the last Forward, (B, T, T) row-major: row (b, i) over the keys j.</summary>
    public ReadOnlySpan<float> AttentionWeights => _weights.AsSpan(0, _y.Batch * _y.Time * _y.Time);

    /// <inheritdoc />
    public override void Initialize(Rng rng) => _scale?.Value.AsSpan().Fill(1f);

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int batch = input.Batch, time = input.Time, f = input.Features, square = time * time;
        _input = input;
        _mask = input.Mask is { AllReal: false } m ? m : null;
        Grow(ref _raw, batch * square);
        Grow(ref _weights, batch * square);
        _y.ResizeLike(input);
        float s = _scale is null ? 1f : _scale.Value[0];
        ReadOnlySpan<float> x = input.Span;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> xb = x.Slice(b * time * f, time * f);
            Span<float> raw = _raw.AsSpan(b * square, square), a = _weights.AsSpan(b * square, square);
            // R = X·Xᵀ  (T, F)·(F, T)
            Gemm.Multiply(false, true, time, time, f, 1f, xb, xb, 0f, raw);
            for (int i = 0; i < time; i++)
            {
                Span<float> row = a.Slice(i * time, time);
                ReadOnlySpan<float> scores = raw.Slice(i * time, time);
                row.Clear();
                if (_mask is not null && !_mask[b, i])
                {
                    continue; // a padding query: output 0
                }

                // Softmax over the allowed keys, from their largest score.
                float max = float.NegativeInfinity;
                int end = Causal ? i + 1 : time;
                for (int j = 0; j < end; j++)
                {
                    if (Allowed(b, j))
                    {
                        max = MathF.Max(max, s * scores[j]);
                    }
                }

                if (float.IsNegativeInfinity(max))
                {
                    continue;
                }

                double total = 0;
                for (int j = 0; j < end; j++)
                {
                    if (Allowed(b, j))
                    {
                        float e = MathF.Exp((s * scores[j]) - max);
                        row[j] = e;
                        total += e;
                    }
                }

                TensorPrimitives.Multiply(row, (float)(1.0 / total), row);
            }

            // y = A·X  (T, T)·(T, F)
            Gemm.Multiply(false, false, time, f, time, 1f, a, xb, 0f, _y.Span.Slice(b * time * f, time * f));
        }

        return _y;
    }

    private bool Allowed(int b, int j) => _mask is null || _mask[b, j];

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        if (outputGradient.Length != _y.Length)
        {
            throw new ArgumentException($"The output gradient has {outputGradient.Length} elements; the last output had {_y.Length}.", nameof(outputGradient));
        }

        int batch = input.Batch, time = input.Time, f = input.Features, square = time * time;
        float s = _scale is null ? 1f : _scale.Value[0];
        Grow(ref _dWeights, square);
        _dx.ResizeLike(input);
        ReadOnlySpan<float> x = input.Span, dy = outputGradient.Span;
        double dScale = 0;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> xb = x.Slice(b * time * f, time * f), dyb = dy.Slice(b * time * f, time * f);
            ReadOnlySpan<float> a = _weights.AsSpan(b * square, square), raw = _raw.AsSpan(b * square, square);
            Span<float> dxb = _dx.Span.Slice(b * time * f, time * f), dA = _dWeights.AsSpan(0, square);
            // dA = dy·Xᵀ  (T, F)·(F, T)
            Gemm.Multiply(false, true, time, time, f, 1f, dyb, xb, 0f, dA);
            for (int i = 0; i < time; i++)
            {
                // dS_ij = A_ij (dA_ij − Σ_k A_ik dA_ik), then dR = s·dS (in place of dA); disallowed entries have A = 0.
                Span<float> d = dA.Slice(i * time, time);
                ReadOnlySpan<float> ai = a.Slice(i * time, time);
                float dot = TensorPrimitives.Dot(ai, d);
                for (int j = 0; j < time; j++)
                {
                    float dS = ai[j] * (d[j] - dot);
                    dScale += (double)dS * raw[(i * time) + j];
                    d[j] = s * dS;
                }
            }

            if (!computeInputGradient)
            {
                continue;
            }

            // dX = Aᵀ·dy + dR·X + dRᵀ·X
            Gemm.Multiply(true, false, time, f, time, 1f, a, dyb, 0f, dxb);
            Gemm.Multiply(false, false, time, f, time, 1f, dA, xb, 1f, dxb);
            Gemm.Multiply(true, false, time, f, time, 1f, dA, xb, 1f, dxb);
        }

        if (_scale is not null)
        {
            _scale.Gradient[0] += (float)dScale;
        }

        return computeInputGradient ? _dx : null;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["use_scale"] = UseScale,
        ["score_mode"] = "dot",
        ["dropout"] = 0.0,
        // Keras passes use_causal_mask to call(); a Sequential model keeps it with the layer.
        ["use_causal_mask"] = Causal,
    };

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        _scale = UseScale ? AddParameter("scale") : null;
        return input;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
