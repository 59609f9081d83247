namespace PSRnn.Engine.Layers;

/// <summary>Which workspace buffer of a forward pass holds a value a cell keeps for every step (<see cref="StepValue"/>).</summary>
internal enum StepValueSource
{
    /// <summary>The gate rows (G per input step; compacted under a mask).</summary>
    Gates,

    /// <summary>The saved rows (the cell's saved width per input step).</summary>
    Saved,

    /// <summary>State 1, LSTM's cell state c (U per processing step).</summary>
    CellState,
}
