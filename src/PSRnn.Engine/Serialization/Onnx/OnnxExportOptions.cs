namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>Settings of <see cref="OnnxExporter"/>.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// Whether the time axis of the input and output is symbolic (<c>time</c>) even when the model was built for a
    /// fixed number of steps (default true: recurrent weights do not depend on the length, so any length runs). When
    /// false, a model with a fixed length exports that length; a variable-length model stays symbolic either way.
    /// </summary>
    public bool DynamicTime { get; init; } = true;

    /// <summary>
    /// Whether every recurrent layer's state is a graph input and output, so that a serving engine can stream (as
    /// <see cref="Models.RnnStream"/> does): for a layer L, inputs <c>L.h_in</c> (and <c>L.c_in</c> for LSTM) feed the
    /// operator's initial_h (initial_c), outputs <c>L.h_out</c> (<c>L.c_out</c>) are its Y_h (Y_c); each is
    /// (1, batch, units) float32, ONNX's (num_directions, batch, hidden) with the graph's symbolic batch. Feed zeros
    /// first, then each call's outputs back. Default false. Bidirectional and go_backwards layers, and masked models,
    /// are refused (<see cref="OnnxExporter.StreamingUnsupportedErrorId"/>).
    /// </summary>
    public bool Streaming { get; init; }

    /// <summary>Text for the model's doc_string, after the exporter's own line; null for none.</summary>
    public string? DocString { get; init; }
}
