using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's SimpleRNNCell for <see cref="RecurrentDriver{TCell}"/>: one gate, state h.
/// <para>Forward (φ the activation, m the recurrent dropout mask): z_t = x_t·W + b + (h_{t−1}⊙m)·U;  h_t = φ(z_t).</para>
/// <para>Backward: dh = dy_t + d(h⊙m)⊙m;  dz_t = dh⊙φ′(z_t);  d(h⊙m) of the step before = dz_t·Uᵀ.
/// dU += H̃ᵀ·dZ, db += Σ dZ.</para>
/// <para>Rows: the gate row holds z (the projection plus the step product); h is the driver's state row.</para>
/// </summary>
internal struct SimpleRnnCell : IRecurrentCell<SimpleRnnCell>
{
    private readonly ActivationKind _activation;

    /// <summary>A cell with activation φ.</summary>
    public SimpleRnnCell(ActivationKind activation) => _activation = activation;

    /// <inheritdoc />
    public static int GateCount => 1;

    /// <inheritdoc />
    public static int StateCount => 1;

    /// <inheritdoc />
    public static (string Operator, int[] GateOrder) Onnx => ("RNN", [0]);

    /// <inheritdoc />
    public static int CarryCount => 0;

    /// <inheritdoc />
    /// <remarks>None: the step's one value is h itself.</remarks>
    public static IReadOnlyList<StepValue> StepValues { get; } = [];

    /// <inheritdoc />
    public static int ScratchCount => 0;

    /// <inheritdoc />
    public readonly bool ProjectBias => true;

    /// <inheritdoc />
    public readonly bool SeparateRecurrentGradient => false;

    /// <inheritdoc />
    public readonly RecurrentKernelUse KernelUse => RecurrentKernelUse.Packed;

    /// <inheritdoc />
    public readonly int SavedWidth(int units) => 0;

    /// <inheritdoc />
    public readonly int RecurrentScratchWidth(int units) => 0;

    /// <inheritdoc />
    public readonly int AccumulatorWidth(int units) => 0;

    /// <inheritdoc />
    public readonly void BeginForward(RecurrentWorkspace work, Parameter? bias)
    {
    }

    /// <inheritdoc />
    public readonly void Forward(ref StepBlock block)
    {
        int u = block.Units;
        RecurrentWorkspace w = block.Work;
        if (!block.First)
        {
            // Z[:, t] += H̃[:, t]·U   (rows, U)·(U, U)
            block.Product(false, u, u, block.PreviousHOperand(), block.Kernel, u, w.ForwardPacked ? w.PackedU : null, 1f,
                block.GatesOperand());
        }

        foreach (int b in block.Rows)
        {
            // h = φ(z)
            ActivationFunctions.Forward(_activation, block.Gates(b), block.H(b), u);
        }
    }

    /// <inheritdoc />
    public readonly void Backward(ref StepBlock block)
    {
        int u = block.Units;
        RecurrentWorkspace w = block.Work;
        foreach (int b in block.Rows)
        {
            // dh, written straight into dz's row; dz = dh⊙φ′(z).
            Span<float> dz = block.DGates(b);
            block.IncomingGradient(b, dz);
            ActivationFunctions.Backward(_activation, block.Gates(b), block.H(b), dz, u);
        }

        if (!block.First)
        {
            // d(h⊙m) = dZ[:, t]·Uᵀ   (rows, U)·(U, U)
            block.Product(true, u, u, block.DGatesOperand(), block.Kernel, u, w.BackwardPacked ? w.PackedUT : null, 0f,
                block.DhRecurrentOperand());
        }
    }

    /// <inheritdoc />
    public readonly void AddRecurrentGradients(RecurrentWorkspace work, Parameter recurrent, Parameter? bias) =>
        RecurrentShared.AddStandardGradients(work, recurrent, bias);
}
