namespace PSRnn.Models;

/// <summary>The file formats Export-RnnModel writes.</summary>
public enum ModelFileFormat
{
    /// <summary>PSRnn's model file: safetensors weights with the configuration in the metadata.</summary>
    Safetensors,

    /// <summary>An ONNX inference graph (opset 17).</summary>
    Onnx,
}
