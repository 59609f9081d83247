namespace PSRnn.Engine.Layers;

/// <summary>
/// A layer that can carry its state between calls (streams, truncated BPTT's windows): the recurrent layers on the
/// driver and minGRU/minLSTM. While <see cref="State"/> is set, a forward pass starts from it and leaves the state
/// after the last step in it; the backward pass stops at it.
/// </summary>
internal interface IStatefulLayer
{
    /// <summary>The layer's name (the stream names its states <c>name.h</c>, <c>name.c</c>).</summary>
    string Name { get; }

    /// <summary>The layer's Keras class name, for messages.</summary>
    string KerasClassName { get; }

    /// <summary>The state size.</summary>
    int Units { get; }

    /// <summary>Whether the layer reads each sequence from its end (no stream then).</summary>
    bool GoBackwards { get; }

    /// <summary>State vectors per sequence (1: h; 2: h and LSTM's c), or null for a layer that cannot carry one.</summary>
    int? StateVectors { get; }

    /// <summary>The width of h: <see cref="Units"/>, or an LSTM's projection size.</summary>
    int StateWidth { get; }

    /// <summary>The carried state, or null for zeros at the start of every batch.</summary>
    RecurrentState? State { get; set; }
}
