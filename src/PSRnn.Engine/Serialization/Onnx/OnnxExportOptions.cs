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

    /// <summary>Text for the model's doc_string, after the exporter's own line; null for none.</summary>
    public string? DocString { get; init; }
}
