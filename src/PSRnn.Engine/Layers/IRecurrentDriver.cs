namespace PSRnn.Engine.Layers;

/// <summary>
/// What a recurrent layer asks of its <see cref="RecurrentDriver{TCell}"/>, whatever the cell: one call a batch, so the
/// interface call costs nothing next to the time loops, which stay specialized for the cell inside the driver.
/// </summary>
internal interface IRecurrentDriver
{
    /// <summary>The workspace of the time loops (tests and the estimate read its layout).</summary>
    RecurrentWorkspace Workspace { get; }

    /// <summary>What the cell declares, for <paramref name="units"/> units (valid once bound).</summary>
    RecurrentCellInfo Info(int units);

    /// <summary>The layer's Forward.</summary>
    Activations Forward(Activations input, bool training);

    /// <summary>The names of the per-step values <see cref="CopyStepValue"/> reads: h, then the cell's (<see cref="IRecurrentCell{TSelf}.StepValues"/>).</summary>
    IReadOnlyList<string> StepValueNames { get; }

    /// <summary>Copies value <paramref name="index"/> of <see cref="StepValueNames"/> of the last Forward into (B, T, U).</summary>
    void CopyStepValue(int index, Span<float> into);

    /// <summary>The layer's Backward.</summary>
    Activations? Backward(Activations outputGradient, bool computeInputGradient);
}
