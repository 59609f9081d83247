namespace PSRnn.Engine.Layers;

/// <summary>How <see cref="Conv1D"/> pads the time axis, as Keras's padding argument.</summary>
public enum Conv1DPadding
{
    /// <summary>No padding: ⌊(T − d(K − 1) − 1)/s⌋ + 1 output steps.</summary>
    Valid,

    /// <summary>⌈T/s⌉ output steps, zeros split as TensorFlow does (the odd one at the end).</summary>
    Same,

    /// <summary>d(K − 1) zeros before the first step: step t sees only steps up to t.</summary>
    Causal,
}
