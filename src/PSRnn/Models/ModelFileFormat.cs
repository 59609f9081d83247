namespace PSRnn.Models;

/// <summary>The file formats Export-RnnModel writes.</summary>
public enum ModelFileFormat
{
    /// <summary>PSRnn's model file: safetensors weights with the configuration in the metadata.</summary>
    Safetensors,

    /// <summary>An ONNX inference graph (opset 17).</summary>
    Onnx,

    /// <summary>A Keras 3 .keras archive (config.json, metadata.json, model.weights.h5), for keras.models.load_model.</summary>
    Keras,
}
