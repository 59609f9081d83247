using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras 3's MultiHeadAttention used as self-attention in a Sequential model: query = key = value = the input sequence,
/// with the masks Keras builds from the inputs' mask (padding keys get no weight) and optionally its causal mask.
/// <para>Shapes per sample: X (T, F); H heads of key size Dk and value size Dv; the kernels in Keras's EinsumDense layout,
/// Wq, Wk (F, H, Dk), Wv (F, H, Dv), Wo (H, Dv, Fo), read as the matrices (F, H·Dk), (F, H·Dv), (H·Dv, Fo); biases
/// bq, bk (H, Dk), bv (H, Dv), bo (Fo); Fo = output_shape, by default F. Per head h: Q_h, K_h (T, Dk), V_h (T, Dv),
/// A_h (T, T).</para>
/// <para>Forward (Keras's einsums abc,cde→abde; aecd,abcd→acbe; acbe,aecd→abcd; abcd,cde→abe): Q = (X·Wq + bq)/√Dk,
/// K = X·Wk + bk, V = X·Wv + bv; S_h = Q_h·K_hᵀ; A_h,ij = softmax_j over the allowed keys j (real, and j ≤ i when causal)
/// of S_h,ij, 0 for the others; O_h = A_h·V_h; y = [O_1 … O_H]·Wo + bo.</para>
/// <para>A query with no allowed key (a padding step: Keras ANDs the query's mask in) gets weights 1/T on every key: Keras
/// adds −1e9 to each disallowed score, and in float32 every score then rounds to −1e9 (its ulp is 64), so its softmax is
/// uniform. Those weights are constants here: no gradient reaches such a row's scores (Keras's autodiff passes the
/// softmax's through the rounded sum; a model that honours the mask sends nothing back from padding steps either way).
/// Such steps are masked for the layers after (the output carries the input's mask, as Keras's).</para>
/// <para>Backward: dbo += Σ dy; dWo += Oᵀ·dy; dO = dy·Woᵀ; per head dA_h = dO_h·V_hᵀ, dV_h = A_hᵀ·dO_h,
/// dS_h,ij = A_h,ij (dA_h,ij − Σ_k A_h,ik dA_h,ik) (0 on a padding query's row), dQ_h = dS_h·K_h/√Dk, dK_h = dS_hᵀ·Q_h (Q scaled); then each projection
/// as a Dense: dW += Xᵀ·dP, db += Σ dP, and dX = dQ·Wqᵀ + dK·Wkᵀ + dV·Wvᵀ.</para>
/// <para>Keras's attention dropout and attention_axes other than the time axis are not supported.</para>
/// </summary>
public sealed class MultiHeadAttention : Layer
{
    private static readonly string[] Sublayers = ["query", "key", "value", "attention_output"];
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private float[] _q = [], _k = [], _v = [], _o = [], _weights = [];
    private float[] _dq = [], _dk = [], _dv = [], _do = [], _dA = [];
    private Activations? _input;
    private SequenceMask? _mask;
    private Parameter? _wq, _bq, _wk, _bk, _wv, _bv, _wo, _bo;
    private string[] _parameterNames = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="heads">The number of heads H (Keras's num_heads).</param>
    /// <param name="keyDim">The size Dk of each head's queries and keys (Keras's key_dim).</param>
    /// <param name="valueDim">The size Dv of each head's values (Keras's value_dim), or null for <paramref name="keyDim"/>.</param>
    /// <param name="useBias">Whether the four projections add biases.</param>
    /// <param name="causal">Whether step i attends only to steps up to i (Keras's use_causal_mask).</param>
    /// <param name="outputSize">The output features Fo (Keras's output_shape), or null for the input's features.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public MultiHeadAttention(int heads, int keyDim, int? valueDim = null, bool useBias = true, bool causal = false, int? outputSize = null, string? name = null)
        : base(name)
    {
        Heads = RequirePositive(heads);
        KeyDim = RequirePositive(keyDim);
        ValueDim = valueDim is { } dv ? RequirePositive(dv, nameof(valueDim)) : keyDim;
        OutputSize = outputSize is { } fo ? RequirePositive(fo, nameof(outputSize)) : null;
        UseBias = useBias;
        Causal = causal;
    }

    /// <inheritdoc />
    public override string KerasClassName => "MultiHeadAttention";

    /// <inheritdoc />
    /// <remarks>True: every query attends to the whole sequence.</remarks>
    internal override bool ReadsAcrossSteps => true;

    /// <summary>The number of heads.</summary>
    public int Heads { get; }

    /// <summary>The size of each head's queries and keys.</summary>
    public int KeyDim { get; }

    /// <summary>The size of each head's values.</summary>
    public int ValueDim { get; }

    /// <summary>Whether the projections add biases.</summary>
    public bool UseBias { get; }

    /// <summary>Whether each step attends only to itself and the steps before it.</summary>
    public bool Causal { get; }

    /// <summary>The output features as configured (Keras's output_shape), or null for the input's features.</summary>
    public int? OutputSize { get; }

    /// <summary>Keras's kernel_initializer, for all four kernels.</summary>
    public string KernelInitializer { get; init; } = "glorot_uniform";

    /// <summary>Keras's bias_initializer, for all four biases.</summary>
    public string BiasInitializer { get; init; } = "zeros";

    /// <summary>The attention weights of the last Forward, (B, H, T, T) row-major: row (b, h, i) over the keys j.</summary>
    public ReadOnlySpan<float> AttentionWeights => _weights.AsSpan(0, _y.Batch * Heads * _y.Time * _y.Time);

    /// <summary>Keras's names: <c>query.kernel</c>, <c>query.bias</c>, …, <c>attention_output.bias</c> (its sublayers' weights).</summary>
    public override IReadOnlyList<string> ParameterNames => _parameterNames;

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        // Keras clones the initializers for each EinsumDense sublayer; a kernel's fans are those of its 3-D shape.
        foreach (Parameter p in Parameters)
        {
            Initializers.Initialize(p.Name == "kernel" ? KernelInitializer : BiasInitializer, p.Value, p.Shape, rng);
        }
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int batch = input.Batch, time = input.Time, f = input.Features, rows = input.Rows;
        int hk = Heads * KeyDim, hv = Heads * ValueDim, fo = OutputShape.Features, square = time * time;
        _input = input;
        _mask = input.Mask is { AllReal: false } m ? m : null;
        Grow(ref _q, rows * hk);
        Grow(ref _k, rows * hk);
        Grow(ref _v, rows * hv);
        Grow(ref _o, rows * hv);
        Grow(ref _weights, batch * Heads * square);
        _y.Resize(batch, time, fo, true);
        ReadOnlySpan<float> x = input.Span;
        Project(x, rows, f, _wq!, _bq, _q, hk);
        TensorPrimitives.Multiply(_q.AsSpan(0, rows * hk), 1f / MathF.Sqrt(KeyDim), _q.AsSpan(0, rows * hk));
        Project(x, rows, f, _wk!, _bk, _k, hk);
        Project(x, rows, f, _wv!, _bv, _v, hv);
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < Heads; h++)
            {
                int qk = (b * time * hk) + (h * KeyDim), vo = (b * time * hv) + (h * ValueDim);
                Span<float> a = _weights.AsSpan(((b * Heads) + h) * square, square);
                // S_h = Q_h·K_hᵀ  (T, Dk)·(Dk, T), the heads read in place from the (T, H·Dk) rows.
                Gemm.Multiply(false, true, time, time, KeyDim, 1f, _q.AsSpan(qk), hk, _k.AsSpan(qk), hk, 0f, a, time);
                for (int i = 0; i < time; i++)
                {
                    Softmax(b, i, a.Slice(i * time, time));
                }

                // O_h = A_h·V_h  (T, T)·(T, Dv)
                Gemm.Multiply(false, false, time, ValueDim, time, 1f, a, time, _v.AsSpan(vo), hv, 0f, _o.AsSpan(vo), hv);
            }
        }

        Project(_o, rows, hv, _wo!, _bo, _y.Span, fo);
        return _y;
    }

    // A row of scores in place to weights: the softmax over the allowed keys, 0 for the others, or 1/T for every key when
    // none is allowed (Keras's float32 result).
    private void Softmax(int b, int i, Span<float> row)
    {
        int time = row.Length, end = Causal ? i + 1 : time;
        float max = float.NegativeInfinity;
        if (_mask is null || _mask[b, i])
        {
            for (int j = 0; j < end; j++)
            {
                if (_mask is null || _mask[b, j])
                {
                    max = MathF.Max(max, row[j]);
                }
            }
        }

        if (float.IsNegativeInfinity(max))
        {
            row.Fill(1f / time);
            return;
        }

        double total = 0;
        for (int j = 0; j < time; j++)
        {
            if (j < end && (_mask is null || _mask[b, j]))
            {
                float e = MathF.Exp(row[j] - max);
                row[j] = e;
                total += e;
            }
            else
            {
                row[j] = 0f;
            }
        }

        TensorPrimitives.Multiply(row, (float)(1.0 / total), row);
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Activations input = _input ?? throw new InvalidOperationException("Backward needs a Forward first.");
        if (outputGradient.Length != _y.Length)
        {
            throw new ArgumentException($"The output gradient has {outputGradient.Length} elements; the last output had {_y.Length}.", nameof(outputGradient));
        }

        int batch = input.Batch, time = input.Time, f = input.Features, rows = input.Rows;
        int hk = Heads * KeyDim, hv = Heads * ValueDim, fo = OutputShape.Features, square = time * time;
        Grow(ref _dq, rows * hk);
        Grow(ref _dk, rows * hk);
        Grow(ref _dv, rows * hv);
        Grow(ref _do, rows * hv);
        Grow(ref _dA, square);
        ReadOnlySpan<float> dy = outputGradient.Span;
        // The output projection: dWo += Oᵀ·dy, dbo += Σ dy, dO = dy·Woᵀ.
        ProjectBack(_o, rows, hv, _wo!, _bo, dy, fo);
        Gemm.Multiply(false, true, rows, hv, fo, 1f, dy, _wo!.Value, 0f, _do.AsSpan(0, rows * hv));
        Span<float> dA = _dA.AsSpan(0, square);
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < Heads; h++)
            {
                int qk = (b * time * hk) + (h * KeyDim), vo = (b * time * hv) + (h * ValueDim);
                ReadOnlySpan<float> a = _weights.AsSpan(((b * Heads) + h) * square, square);
                // dA_h = dO_h·V_hᵀ  (T, Dv)·(Dv, T); dV_h = A_hᵀ·dO_h  (T, T)·(T, Dv)
                Gemm.Multiply(false, true, time, time, ValueDim, 1f, _do.AsSpan(vo), hv, _v.AsSpan(vo), hv, 0f, dA, time);
                Gemm.Multiply(true, false, time, ValueDim, time, 1f, a, time, _do.AsSpan(vo), hv, 0f, _dv.AsSpan(vo), hv);
                for (int i = 0; i < time; i++)
                {
                    // dS = A ⊙ (dA − Σ A·dA) in place of dA; a disallowed key has A = 0 and gets none, a padding query's
                    // constant row none at all.
                    Span<float> d = dA.Slice(i * time, time);
                    if (_mask is not null && !_mask[b, i])
                    {
                        d.Clear();
                        continue;
                    }

                    ReadOnlySpan<float> ai = a.Slice(i * time, time);
                    float dot = TensorPrimitives.Dot(ai, d);
                    TensorPrimitives.Subtract(d, dot, d);
                    TensorPrimitives.Multiply(d, ai, d);
                }

                // dQ_h = dS_h·K_h/√Dk (the scale folded in below); dK_h = dS_hᵀ·Q_h with Q already scaled.
                Gemm.Multiply(false, false, time, KeyDim, time, 1f, dA, time, _k.AsSpan(qk), hk, 0f, _dq.AsSpan(qk), hk);
                Gemm.Multiply(true, false, time, KeyDim, time, 1f, dA, time, _q.AsSpan(qk), hk, 0f, _dk.AsSpan(qk), hk);
            }
        }

        TensorPrimitives.Multiply(_dq.AsSpan(0, rows * hk), 1f / MathF.Sqrt(KeyDim), _dq.AsSpan(0, rows * hk));
        ReadOnlySpan<float> x = input.Span;
        ProjectBack(x, rows, f, _wq!, _bq, _dq, hk);
        ProjectBack(x, rows, f, _wk!, _bk, _dk, hk);
        ProjectBack(x, rows, f, _wv!, _bv, _dv, hv);
        if (!computeInputGradient)
        {
            return null;
        }

        // dX = dQ·Wqᵀ + dK·Wkᵀ + dV·Wvᵀ
        _dx.ResizeLike(input);
        Span<float> dx = _dx.Span;
        Gemm.Multiply(false, true, rows, f, hk, 1f, _dq, _wq!.Value, 0f, dx);
        Gemm.Multiply(false, true, rows, f, hk, 1f, _dk, _wk!.Value, 1f, dx);
        Gemm.Multiply(false, true, rows, f, hv, 1f, _dv, _wv!.Value, 1f, dx);
        return _dx;
    }

    // P = X·W + b  (N, in)·(in, out), as a Dense without activation.
    private static void Project(ReadOnlySpan<float> x, int rows, int inFeatures, Parameter kernel, Parameter? bias, Span<float> p, int outFeatures)
    {
        p = p[..(rows * outFeatures)];
        if (bias is not null)
        {
            for (int r = 0; r < rows; r++)
            {
                bias.Value.CopyTo(p.Slice(r * outFeatures, outFeatures));
            }
        }

        Gemm.Multiply(false, false, rows, outFeatures, inFeatures, 1f, x[..(rows * inFeatures)], kernel.Value, bias is null ? 0f : 1f, p);
    }

    // dW += Xᵀ·dP  (in, N)·(N, out); db += Σ dP.
    private static void ProjectBack(ReadOnlySpan<float> x, int rows, int inFeatures, Parameter kernel, Parameter? bias, ReadOnlySpan<float> dp, int outFeatures)
    {
        dp = dp[..(rows * outFeatures)];
        Gemm.Multiply(true, false, inFeatures, outFeatures, rows, 1f, x[..(rows * inFeatures)], dp, 1f, kernel.Gradient);
        if (bias is not null)
        {
            Span<float> db = bias.Gradient;
            for (int r = 0; r < rows; r++)
            {
                TensorPrimitives.Add(db, dp.Slice(r * outFeatures, outFeatures), db);
            }
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["num_heads"] = Heads,
            ["key_dim"] = KeyDim,
            ["value_dim"] = ValueDim,
            ["dropout"] = 0.0,
            ["use_bias"] = UseBias,
            ["output_shape"] = OutputSize is { } fo ? new[] { fo } : null,
            ["attention_axes"] = null,
            ["kernel_initializer"] = KernelInitializer,
            ["bias_initializer"] = BiasInitializer,
            // Keras passes use_causal_mask to call(); a Sequential model keeps it with the layer.
            ["use_causal_mask"] = Causal,
        };
        AddRegularizerConfig(config);
        return config;
    }

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        int f = input.Features, fo = OutputSize ?? f;
        var names = new List<string>();
        Parameter Add(int sublayer, string weight, params int[] shape)
        {
            names.Add($"{Sublayers[sublayer]}.{weight}");
            return AddParameter(weight, shape);
        }

        // Keras's get_weights order: each sublayer's kernel, then its bias.
        _wq = Add(0, "kernel", f, Heads, KeyDim);
        _bq = UseBias ? Add(0, "bias", Heads, KeyDim) : null;
        _wk = Add(1, "kernel", f, Heads, KeyDim);
        _bk = UseBias ? Add(1, "bias", Heads, KeyDim) : null;
        _wv = Add(2, "kernel", f, Heads, ValueDim);
        _bv = UseBias ? Add(2, "bias", Heads, ValueDim) : null;
        _wo = Add(3, "kernel", Heads, ValueDim, fo);
        _bo = UseBias ? Add(3, "bias", fo) : null;
        _parameterNames = [.. names];
        return SampleShape.Sequence(input.Time, fo);
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }
}
