using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// What a recurrent cell declares to <see cref="RecurrentDriver{TCell}"/>, as Keras's RNN(cell) and PyTorch's RNNBase
/// split the work: the driver owns the time loop forward and backward, go_backwards, return_sequences, dropout masks,
/// the sequence mask, the batch split, the packing of U and Uᵀ and the weight gradients; the cell owns one fused step
/// over a block of rows, its gates and its state vectors.
/// </summary>
/// <remarks>
/// Cells are structs: the driver is generic over the cell type, so the JIT specializes (and inlines) every call of the
/// hot step loop, as <c>IGemmKernel</c> does for the matrix kernels. Static members are the cell's fixed facts; instance
/// members read the layer's settings (activations, reset_after), which the cell copies in when the layer is built.
/// </remarks>
/// <typeparam name="TSelf">The cell type itself.</typeparam>
internal interface IRecurrentCell<TSelf>
    where TSelf : struct, IRecurrentCell<TSelf>
{
    /// <summary>Gates per unit: the kernels are (F, g·U) and (U, g·U). SimpleRNN 1, GRU 3, LSTM 4.</summary>
    static abstract int GateCount { get; }

    /// <summary>State vectors of U the cell carries: 1 (h), or 2 (h and LSTM's c). State 0 is always h, the output.</summary>
    static abstract int StateCount { get; }

    /// <summary>The ONNX operator (RNN, GRU, LSTM) and, for each of its gates, the Keras gate it reads.</summary>
    static abstract (string Operator, int[] GateOrder) Onnx { get; }

    /// <summary>
    /// The per-step values besides h that a forward leaves in the workspace (post-activation gates, LSTM's c), which
    /// Get-RnnActivation reads after an inference pass: the cell's own buffers, not a second computation.
    /// </summary>
    static abstract IReadOnlyList<StepValue> StepValues { get; }

    /// <summary>Floats kept per sample and input step for the backward pass, besides the gates and the states.</summary>
    int SavedWidth(int units);

    /// <summary>Whether the hoisted input projection adds the bias (false: the step adds it, while the row is in L1).</summary>
    bool ProjectBias { get; }

    /// <summary>Width of the per-row recurrent scratch of one step (GRU reset_after: (h⊙m)·U + b_r), 0 for none.</summary>
    int RecurrentScratchWidth(int units);

    /// <summary>Whether the backward keeps a recurrent-side gate gradient apart from the input side (GRU reset_after).</summary>
    bool SeparateRecurrentGradient { get; }

    /// <summary>Per-sample carries of the backward loop besides dh (LSTM: dc; GRU: dh⊙z), in units of U.</summary>
    static abstract int CarryCount { get; }

    /// <summary>Per-sample accumulators of one backward pass (GRU's bias sums), floats.</summary>
    int AccumulatorWidth(int units);

    /// <summary>Scratch rows of U the cell uses per batch chunk.</summary>
    static abstract int ScratchCount { get; }

    /// <summary>How the step products read U: packed for the forward steps, packed Uᵀ for the backward, or a stored transpose.</summary>
    RecurrentKernelUse KernelUse { get; }

    /// <summary>Once per forward pass, before the steps: constants of the batch (GRU reset_after's step bias).</summary>
    void BeginForward(RecurrentWorkspace work, Parameter? bias);

    /// <summary>One step forward over the block's active rows: recurrent product, gates, new states.</summary>
    void Forward(ref StepBlock block);

    /// <summary>One step back over the block's active rows: gate gradients, carries, and the product that carries dh back.</summary>
    void Backward(ref StepBlock block);

    /// <summary>After the backward loop: dU and db from the gate gradients of every step (dW and dx are the driver's).</summary>
    void AddRecurrentGradients(RecurrentWorkspace work, Parameter recurrent, Parameter? bias);
}
