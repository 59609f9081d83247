using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// IndRNN's cell (Li et al., 2018, "Independently Recurrent Neural Network") for <see cref="RecurrentDriver{TCell}"/>:
/// one gate, state h, and an element-wise recurrence — each unit reads only its own previous state.
/// <para>Forward (φ the activation, u the recurrent weights (U), m the recurrent dropout mask):
/// z_t = x_t·W + b + u ⊙ (h_{t−1}⊙m);  h_t = φ(z_t).</para>
/// <para>Backward: dh = dy_t + d(h⊙m)⊙m;  dz_t = dh⊙φ′(z_t);  d(h⊙m) of the step before = dz_t ⊙ u.
/// du += Σ_t dz_t ⊙ h̃_t, db += Σ dZ.</para>
/// <para>Rows: the gate row holds z (the projection plus u ⊙ h̃); h is the driver's state row. No step product: the
/// recurrence is one multiply-add a unit (<see cref="RecurrentKernelUse.Elementwise"/>).</para>
/// </summary>
internal struct IndRnnCell : IRecurrentCell<IndRnnCell>
{
    private readonly ActivationKind _activation;

    /// <summary>A cell with activation φ.</summary>
    public IndRnnCell(ActivationKind activation) => _activation = activation;

    /// <inheritdoc />
    public static int GateCount => 1;

    /// <inheritdoc />
    public static int StateCount => 1;

    /// <inheritdoc />
    /// <remarks>ONNX's RNN with R = diag(u): the exporter writes u on the diagonal.</remarks>
    public static (string Operator, int[] GateOrder) Onnx => ("RNN", [0]);

    /// <inheritdoc />
    public static int CarryCount => 0;

    /// <inheritdoc />
    public static IReadOnlyList<StepValue> StepValues { get; } = [];

    /// <inheritdoc />
    public static int ScratchCount => 0;

    /// <inheritdoc />
    public readonly bool ProjectBias => true;

    /// <inheritdoc />
    public readonly bool SeparateRecurrentGradient => false;

    /// <inheritdoc />
    public readonly RecurrentKernelUse KernelUse => RecurrentKernelUse.Elementwise;

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
        ReadOnlySpan<float> weights = block.Kernel;
        bool first = block.First;
        foreach (int b in block.Rows)
        {
            Span<float> z = block.Gates(b);
            if (!first)
            {
                // z += u ⊙ h̃
                TensorPrimitives.MultiplyAdd(weights, block.PreviousH(b), z, z);
            }

            // h = φ(z)
            ActivationFunctions.Forward(_activation, z, block.H(b), u);
        }
    }

    /// <inheritdoc />
    public readonly void Backward(ref StepBlock block)
    {
        int u = block.Units;
        ReadOnlySpan<float> weights = block.Kernel;
        bool first = block.First;
        foreach (int b in block.Rows)
        {
            // dh, written straight into dz's row; dz = dh⊙φ′(z); d(h⊙m) of the step before = dz ⊙ u.
            Span<float> dz = block.DGates(b);
            block.IncomingGradient(b, dz);
            ActivationFunctions.Backward(_activation, block.Gates(b), block.H(b), dz, u);
            if (!first)
            {
                TensorPrimitives.Multiply(dz, weights, block.DhRecurrent(b));
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>du += Σ over every step's rows of dz ⊙ h̃ (compacted, both hold the real rows in the same order).</remarks>
    public readonly void AddRecurrentGradients(RecurrentWorkspace work, Parameter recurrent, Parameter? bias)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(recurrent);
        int u = work.Units, rows = work.ProductRows;
        ReadOnlySpan<float> dGates = work.DGates.AsSpan(0, rows * u);
        Span<float> du = recurrent.Gradient;
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.MultiplyAdd(dGates.Slice(r * u, u), work.PreviousH.AsSpan(r * u, u), du, du);
        }

        if (bias is not null)
        {
            RecurrentShared.AddColumnSums(dGates, u, bias.Gradient);
        }
    }
}
