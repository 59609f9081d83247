namespace PSRnn.Engine.Serialization;

/// <summary>The model file formats <see cref="ModelFormats.Detect(string)"/> tells apart by content.</summary>
public enum ModelFormat
{
    /// <summary>PSRnn's own safetensors model file (also the fallback for content too short or too damaged to tell).</summary>
    Safetensors,

    /// <summary>An ONNX ModelProto (protobuf).</summary>
    Onnx,

    /// <summary>An HDF5 file: a Keras model (model.save('m.h5')) or weights (model.save_weights('w.h5')).</summary>
    Hdf5,

    /// <summary>A Keras 3 archive (model.save('m.keras')): a zip of config.json, metadata.json and model.weights.h5.</summary>
    KerasArchive,
}
