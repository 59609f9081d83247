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

    /// <summary>The layer's Backward.</summary>
    Activations? Backward(Activations outputGradient, bool computeInputGradient);
}
