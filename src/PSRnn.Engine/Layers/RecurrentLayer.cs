using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// What SimpleRNN, LSTM and GRU share, as Keras's RNN wrapper owns it: units, return_sequences, go_backwards, input and
/// recurrent dropout, initializers, the output layout, and the hoisted input projection.
/// </summary>
/// <remarks>
/// <para>Input (B, T, F); output (B, T, U) with return_sequences, else the last state (B, U). With go_backwards the steps
/// are processed from the last to the first and, as in Keras, a returned sequence is in processing order (reversed);
/// Bidirectional flips it back.</para>
/// <para>Dropout as Keras: one mask per sample for the inputs (B, F) and one for the recurrent state (B, U), drawn once per
/// batch and used at every step, scaled by 1/(1 − rate); only in training. Because the input mask is constant over time,
/// the input projection of all steps is still one matrix product.</para>
/// </remarks>
public abstract class RecurrentLayer : Layer, IStatefulLayer
{
    private int _inputMaskLength;
    private int _recurrentMaskLength;
    private float[] _maskedInput = [];
    private Rng? _dropoutRng;
    private readonly BatchSplit _split = new();

    /// <summary>Sets the shared configuration.</summary>
    protected RecurrentLayer(int units, bool returnSequences, bool goBackwards, float dropout, float recurrentDropout, string? name)
        : base(name)
    {
        RequirePositive(units);
        if (dropout is < 0 or >= 1 || float.IsNaN(dropout))
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        }

        if (recurrentDropout is < 0 or >= 1 || float.IsNaN(recurrentDropout))
        {
            throw new ArgumentOutOfRangeException(nameof(recurrentDropout), recurrentDropout, "Recurrent dropout must be in [0, 1).");
        }

        Units = units;
        ReturnSequences = returnSequences;
        GoBackwards = goBackwards;
        Dropout = dropout;
        RecurrentDropout = recurrentDropout;
    }

    /// <summary>Sets the shared configuration from a twin's or a saved config's settings.</summary>
    private protected RecurrentLayer(RecurrentSettings settings)
        : this(settings.Units, settings.ReturnSequences, settings.GoBackwards, settings.Dropout, settings.RecurrentDropout, settings.Name)
    {
        Activation = settings.Activation;
        UseBias = settings.UseBias;
        KernelInitializer = settings.KernelInitializer;
        RecurrentInitializer = settings.RecurrentInitializer;
        BiasInitializer = settings.BiasInitializer;
    }

    /// <summary>The shared configuration, for a twin (<see cref="CreateTwin"/>) to start from.</summary>
    internal RecurrentSettings Settings => new(Units, ReturnSequences, GoBackwards, Dropout, RecurrentDropout, Activation, UseBias,
        KernelInitializer, RecurrentInitializer, BiasInitializer, Name);

    /// <summary>The state size.</summary>
    public int Units { get; }

    /// <summary>
    /// The width of h, the layer's output and recurrent state: <see cref="Units"/>, or an LSTM's projection size
    /// (PyTorch's proj_size), whose h = W_hr·(o⊙φ(c)) is narrower than its cell state c.
    /// </summary>
    public virtual int StateWidth => Units;

    /// <summary>Whether the whole output sequence is returned (else the last state).</summary>
    public bool ReturnSequences { get; }

    /// <summary>Whether the input is processed from the last step to the first.</summary>
    public bool GoBackwards { get; }

    /// <summary>Keras's dropout: the rate dropped from the inputs, per sample, the same at every step.</summary>
    public float Dropout { get; }

    /// <summary>Keras's recurrent_dropout: the rate dropped from the recurrent state, per sample, the same at every step.</summary>
    public float RecurrentDropout { get; }

    /// <summary>The activation of the candidate/output (Keras's activation; tanh by default).</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.Tanh;

    /// <summary>Keras's use_bias.</summary>
    public bool UseBias { get; init; } = true;

    /// <summary>Keras's kernel_initializer.</summary>
    public string KernelInitializer { get; init; } = "glorot_uniform";

    /// <summary>Keras's recurrent_initializer.</summary>
    public string RecurrentInitializer { get; init; } = "orthogonal";

    /// <summary>Keras's bias_initializer.</summary>
    public string BiasInitializer { get; init; } = "zeros";

    /// <inheritdoc />
    internal override IReadOnlyList<Rng> RandomStreams => _dropoutRng is null ? [] : [_dropoutRng];

    /// <summary>A layer of the same type and configuration (not weights), for Bidirectional's second direction.</summary>
    public abstract RecurrentLayer CreateTwin(bool goBackwards, string name);

    /// <summary>
    /// The input mask of the current batch (B·F), or empty when no input dropout applies. Valid after
    /// <see cref="PrepareDropout"/>.
    /// </summary>
    internal ReadOnlySpan<float> InputMask => _inputMaskStore.AsSpan(0, _inputMaskLength);

    /// <summary>The recurrent mask of the current batch (B·P), or empty when no recurrent dropout applies.</summary>
    internal ReadOnlySpan<float> RecurrentMask => _recurrentMaskStore.AsSpan(0, _recurrentMaskLength);

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        // Weights first, so the dropout stream never shifts the initial weights of a seed.
        InitializeWeights(rng);
        _dropoutRng = new Rng(rng.NextUInt64());
    }

    /// <inheritdoc />
    /// <remarks>
    /// The stream starts from the generator's first draw, where <see cref="Initialize"/> starts it after the weights'
    /// draws: files that record the stream's state (PSRnn's) put it back; for others (Keras, ONNX) it is simply another
    /// seeded start.
    /// </remarks>
    internal override void InitializeStreams(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _dropoutRng = new Rng(rng.NextUInt64());
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["units"] = Units,
            ["activation"] = Activation.KerasName(),
            ["use_bias"] = UseBias,
            ["return_sequences"] = ReturnSequences,
            ["go_backwards"] = GoBackwards,
            ["dropout"] = (double)Dropout,
            ["recurrent_dropout"] = (double)RecurrentDropout,
            ["kernel_initializer"] = KernelInitializer,
            ["recurrent_initializer"] = RecurrentInitializer,
            ["bias_initializer"] = BiasInitializer,
        };
        AddConfig(config);
        AddRegularizerConfig(config);
        return config;
    }

    /// <summary>Fills the weights (Keras initializers); the base then sets up the dropout stream.</summary>
    protected abstract void InitializeWeights(Rng rng);

    /// <summary>Adds the layer's own settings (recurrent_activation, unit_forget_bias, reset_after, …).</summary>
    protected virtual void AddConfig(IDictionary<string, object?> config)
    {
    }

    /// <inheritdoc />
    protected sealed override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        CreateParameters(input.Features);
        return ReturnSequences ? SampleShape.Sequence(input.Time, StateWidth) : SampleShape.Vector(StateWidth);
    }

    /// <summary>Registers kernel, recurrent_kernel and bias with Keras's shapes for <paramref name="inputFeatures"/>.</summary>
    protected abstract void CreateParameters(int inputFeatures);

    /// <summary>The kernel W (F, G), once built.</summary>
    protected internal Parameter? Kernel { get; private set; }

    /// <summary>The recurrent kernel U (U, G), once built.</summary>
    protected internal Parameter? RecurrentKernel { get; private set; }

    /// <summary>The bias, once built with use_bias.</summary>
    protected internal Parameter? Bias { get; private set; }

    /// <summary>Registers kernel (F, G), recurrent_kernel (P, G) and, with use_bias, the bias of <paramref name="biasShape"/>.</summary>
    private protected void CreateWeights(int inputFeatures, int gates, params int[] biasShape)
    {
        int g = gates * Units;
        Kernel = AddParameter("kernel", inputFeatures, g);
        RecurrentKernel = AddParameter("recurrent_kernel", StateWidth, g);
        Bias = UseBias ? AddParameter("bias", biasShape) : null;
    }

    /// <summary>
    /// Registers kernel (F, U), an element-wise recurrent_kernel (U) and, with use_bias, bias (U): the weights of a cell
    /// whose recurrence is u ⊙ h₋₁ (IndRNN), not a matrix product.
    /// </summary>
    private protected void CreateElementwiseWeights(int inputFeatures)
    {
        Kernel = AddParameter("kernel", inputFeatures, Units);
        RecurrentKernel = AddParameter("recurrent_kernel", Units);
        Bias = UseBias ? AddParameter("bias", Units) : null;
    }

    /// <summary>
    /// The carried state, or null for Keras's default (zeros at the start of every batch). While set, Forward starts
    /// from it and leaves the state after the last step in it; Backward stops at it. Its batch must be the input's.
    /// </summary>
    public RecurrentState? State { get; set; }

    /// <inheritdoc />
    int? IStatefulLayer.StateVectors => CellInfo?.States;

    /// <summary>
    /// What the layer's cell declares (gates, states, buffers, ONNX operator), once built; null for a recurrent layer
    /// that does not run on <see cref="RecurrentDriver{TCell}"/> (it then has no ONNX export and no stream).
    /// </summary>
    internal RecurrentCellInfo? CellInfo => Driver?.Info(Units);

    /// <summary>The driver of the time loops, set by a layer that runs on one (null for a test layer with its own loops).</summary>
    private protected IRecurrentDriver? Driver { get; init; }

    /// <summary>The workspace of the time loops (tests read its layout).</summary>
    internal RecurrentWorkspace Workspace => (Driver ?? throw new InvalidOperationException($"Layer '{Name}' has no recurrent driver.")).Workspace;

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training) =>
        (Driver ?? throw new InvalidOperationException($"Layer '{Name}' has no recurrent driver.")).Forward(input, training);

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient) =>
        (Driver ?? throw new InvalidOperationException($"Layer '{Name}' has no recurrent driver.")).Backward(outputGradient, computeInputGradient);

    /// <summary>The layer's input check, for the driver.</summary>
    /// <summary>The per-step values of the last Forward <see cref="CopyStepValue"/> reads: h, then the cell's gates and c.</summary>
    internal IReadOnlyList<string> StepValueNames => (Driver ?? throw new InvalidOperationException($"Layer '{Name}' has no recurrent driver.")).StepValueNames;

    /// <summary>Copies per-step value <paramref name="index"/> of <see cref="StepValueNames"/> of the last Forward into (B, T, U).</summary>
    internal void CopyStepValue(int index, Span<float> into) =>
        (Driver ?? throw new InvalidOperationException($"Layer '{Name}' has no recurrent driver.")).CopyStepValue(index, into);

    internal void CheckLayerInput(Activations input) => CheckInput(input);

    /// <summary>
    /// Test hook: the fewest batch rows per chunk of the batch-parallel time loop (at least 2; default
    /// <see cref="BatchSplit.DefaultMinRows"/>). Lowering it forces the split on small batches.
    /// </summary>
    internal int BatchSplitMinRows
    {
        get => _split.MinRows;
        set => _split.MinRows = value;
    }

    /// <summary>
    /// Test hook: the least multiply-adds per chunk of the batch-parallel time loop (default
    /// <see cref="BatchSplit.DefaultMinChunkMacs"/>); 0 lets tiny test layers split.
    /// </summary>
    internal long BatchSplitMinChunkMacs
    {
        get => _split.MinChunkMacs;
        set => _split.MinChunkMacs = value;
    }

    /// <summary>The batch split of the layer's time loops (the compacted products' row copies follow it too).</summary>
    internal BatchSplit Split => _split;

    /// <summary>
    /// Runs <paramref name="body"/>(firstRow, endRow) over the batch rows: in one call with the caller's thread count, or,
    /// with two or more threads and enough rows and work, in contiguous chunks concurrently, each single-threaded (see
    /// <see cref="BatchSplit"/>). The body must touch only its own rows of the per-step buffers; results are the same.
    /// </summary>
    /// <param name="batch">The batch rows.</param>
    /// <param name="stepMacsPerRow">Multiply-adds of one step's recurrent products per row (g·U·U).</param>
    /// <param name="time">The steps of the loop.</param>
    /// <param name="body">The loop over rows [firstRow, endRow).</param>
    /// <param name="mask">The batch's sequence mask, or null: with one, chunks are cut by real steps, not rows.</param>
    /// <returns>The chunks the batch ran in: 1 when it ran whole.</returns>
    internal int RunBatchChunks(int batch, long stepMacsPerRow, int time, Action<int, int> body, SequenceMask? mask = null) =>
        _split.Run(batch, stepMacsPerRow, time, body, mask);

    /// <summary>
    /// The weight gradients of every step at once, after the backward loop: dW += x̃ᵀ·dG, dU += H̃ᵀ·dG, db += Σ dG, with
    /// x̃ the input as the kernel saw it (B·T, F), H̃ the states each step received (B·T, U) and dG (B·T, G).
    /// </summary>
    internal void AddWeightGradients(Activations input, ReadOnlySpan<float> dGates, int gates,
        ReadOnlySpan<float> previous, Parameter kernel, Parameter recurrent, Parameter? bias)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(recurrent);
        int rows = input.Rows;
        Gemm.Multiply(true, false, input.Features, gates, rows, 1f, DroppedInput(input), dGates, 1f, kernel.Gradient);
        Gemm.Multiply(true, false, StateWidth, gates, rows, 1f, previous[..(rows * StateWidth)], dGates, 1f, recurrent.Gradient);
        if (bias is not null)
        {
            RecurrentShared.AddColumnSums(dGates, gates, bias.Gradient);
        }
    }

    /// <summary>The input gradient dx = (dG·Wᵀ) ⊙ input mask, into <paramref name="dx"/> (resized like the input).</summary>
    internal Activations InputGradient(Activations input, ReadOnlySpan<float> dGates, int gates, Parameter kernel,
        Activations dx, RecurrentWorkspace? compact = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(dx);
        dx.ResizeLike(input);
        int features = input.Features;
        if (compact is null)
        {
            Gemm.Multiply(false, true, input.Rows, features, gates, 1f, dGates, kernel.Value, 0f, dx.Span);
        }
        else
        {
            // dG holds the real rows only (compacted): their products, spread out; padding gets no gradient.
            int real = compact.RealRowCount;
            Span<float> rows = compact.CompactRowsToWrite(real * features);
            Gemm.Multiply(false, true, real, features, gates, 1f, dGates, gates, kernel.Value, gates, 0f, rows, features);
            compact.ScatterRealRows(compact.CompactRows, features, dx.Buffer);
        }

        RecurrentShared.ApplyInputMask(dx.Span, InputMask, input.Batch, input.Time, input.Features);
        return dx;
    }

    /// <summary>
    /// Lays out the recurrent kernel (or its transpose) for a time loop's step products when the loop will use it: at
    /// least two steps (the first has no recurrent product) and two rows (a one-row product reads the stored matrix).
    /// Returns whether <paramref name="into"/> now holds op(<paramref name="kernel"/>).
    /// </summary>
    internal static bool PackRecurrent(bool transposed, int k, int n, ReadOnlySpan<float> kernel, int ldk,
        PackedMatrix into, int batch, int time)
    {
        if (batch < 2 || time < 2)
        {
            return false;
        }

        Gemm.Pack(transposed, k, n, kernel, ldk, into);
        return true;
    }

    /// <summary>
    /// One step's recurrent product c = op(a)·op(W) + beta·c over the rows of a batch chunk, from the packed kernel when
    /// <paramref name="packed"/> (see <see cref="PackRecurrent"/>), else from the stored one; the bits are the same.
    /// </summary>
    private protected static void StepProduct(bool packed, bool transposed, int rows, int n, int k, ReadOnlySpan<float> a,
        int lda, ReadOnlySpan<float> kernel, int ldk, PackedMatrix packedKernel, float beta, Span<float> c, int ldc)
    {
        if (packed)
        {
            Gemm.MultiplyPacked(false, transposed, rows, n, k, 1f, a, lda, kernel, ldk, packedKernel, beta, c, ldc);
        }
        else
        {
            Gemm.Multiply(false, transposed, rows, n, k, 1f, a, lda, kernel, ldk, beta, c, ldc);
        }
    }

    /// <summary>
    /// Test hook: when set, Forward keeps the dropout masks of the last training Forward whatever its
    /// <c>training</c> argument, so a gradient check sees one fixed function with dropout applied.
    /// </summary>
    internal bool HoldDropoutMasks { get; set; }

    /// <summary>The input step processed at position <paramref name="s"/> of the loop (reversed with go_backwards).</summary>
    internal int InputStep(int s, int time) => GoBackwards ? time - 1 - s : s;

    /// <summary>
    /// Draws this batch's dropout masks (training only; otherwise the masks are empty). Each mask element is 0 with the
    /// rate's probability and 1/(1 − rate) otherwise.
    /// </summary>
    internal void PrepareDropout(int batch, int inputFeatures, bool training)
    {
        if (HoldDropoutMasks)
        {
            return;
        }

        _inputMaskLength = training && Dropout > 0 ? Mask(ref _inputMaskStore, batch * inputFeatures, Dropout) : 0;
        _recurrentMaskLength = training && RecurrentDropout > 0 ? Mask(ref _recurrentMaskStore, batch * StateWidth, RecurrentDropout) : 0;
    }

    private float[] _inputMaskStore = [];
    private float[] _recurrentMaskStore = [];

    private int Mask(ref float[] store, int length, float rate)
    {
        Rng rng = _dropoutRng ?? throw new InvalidOperationException("Initialize the layer before training it.");
        // Grow only: a smaller last batch must not re-allocate every epoch.
        if (store.Length < length)
        {
            store = new float[length];
        }

        float keep = 1f / (1f - rate);
        for (int i = 0; i < length; i++)
        {
            store[i] = rng.NextDouble() < rate ? 0f : keep;
        }

        return length;
    }

    /// <summary>
    /// The input projection of every step in one matrix product: P = (x ⊙ input mask)·W + b, with x viewed as
    /// (B·T, F), W the kernel (F, G) and b the first G entries of <paramref name="bias"/> (or none when empty).
    /// <paramref name="projection"/> receives (B·T, G) in the input's time order, or with <paramref name="compact"/> the
    /// R real rows only, in its compacted order (<see cref="RecurrentWorkspace.CompactIndex"/>). With
    /// <paramref name="quantized"/> (prediction at a lower precision) W is read from that copy instead.
    /// </summary>
    internal void ProjectInputs(Activations input, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int gates, Span<float> projection,
        RecurrentWorkspace? compact = null, QuantizedMatrix? quantized = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        int rows = input.Rows, features = input.Features;
        float[] x = ApplyInputDropout(input);
        if (!bias.IsEmpty)
        {
            for (int r = 0, filled = compact?.RealRowCount ?? rows; r < filled; r++)
            {
                bias[..gates].CopyTo(projection.Slice(r * gates, gates));
            }
        }

        float beta = bias.IsEmpty ? 0f : 1f;
        if (compact is null)
        {
            if (quantized is not null)
            {
                QuantizedGemm.Multiply(rows, gates, features, x.AsSpan(0, input.Length), features, quantized, 0, beta, projection, gates);
                return;
            }

            Gemm.Multiply(false, false, rows, gates, features, 1f, x.AsSpan(0, input.Length), kernel, beta, projection);
            return;
        }

        // Only the real rows (the loops never read the others): gathered and projected into the first R rows, where the
        // loops read them (the compacted layout of the gate buffers).
        int real = compact.RealRowCount;
        // Over the batch chunks only when the previous layer's chunked loops wrote the rows (they are in each core's cache);
        // the model's own input, or a row the calling thread wrote, is copied by the calling thread, without a hand-off.
        compact.GatherRealRows(x, features, features, compact.CompactRows, byChunks: ReferenceEquals(x, input.Buffer) && input.RowsByChunks);
        if (quantized is not null)
        {
            QuantizedGemm.Multiply(real, gates, features, compact.CompactRows.AsSpan(0, real * features), features, quantized, 0, beta,
                projection[..(real * gates)], gates);
            return;
        }

        Gemm.Multiply(false, false, real, gates, features, 1f, compact.CompactRows.AsSpan(0, real * features), features, kernel, gates, beta,
            projection[..(real * gates)], gates);
    }

    /// <summary>
    /// The input as the kernel saw it in the last <see cref="ProjectInputs"/>: with this batch's input dropout applied,
    /// or the input itself when there is none. Backward uses it for the kernel gradient.
    /// </summary>
    internal ReadOnlySpan<float> DroppedInput(Activations input) => DroppedInputBuffer(input).AsSpan(0, input.Length);

    /// <summary>The array behind <see cref="DroppedInput"/> (its first Length elements; row gathers take arrays).</summary>
    internal float[] DroppedInputBuffer(Activations input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return _inputMaskLength == 0 ? input.Buffer : _maskedInput;
    }

    // The input with this batch's input dropout applied (its first Length elements), or the input's own buffer.
    private float[] ApplyInputDropout(Activations input)
    {
        if (_inputMaskLength == 0)
        {
            return input.Buffer;
        }

        int batch = input.Batch, time = input.Time, features = input.Features;
        if (_maskedInput.Length < input.Length)
        {
            _maskedInput = new float[input.Length];
        }

        ReadOnlySpan<float> x = input.Span;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> mask = _inputMaskStore.AsSpan(b * features, features);
            for (int t = 0; t < time; t++)
            {
                int offset = ((b * time) + t) * features;
                System.Numerics.Tensors.TensorPrimitives.Multiply(x.Slice(offset, features), mask, _maskedInput.AsSpan(offset, features));
            }
        }

        return _maskedInput;
    }
}
