namespace PSRnn.Serving;

/// <summary>What runs a prediction: PSRnn's own engine, or the model exported to ONNX and run by ONNX Runtime.</summary>
public enum PredictionEngine
{
    /// <summary>PSRnn's CPU engine (the default).</summary>
    PSRnn,

    /// <summary>Microsoft.ML.OnnxRuntime with an execution provider (CPU, CUDA, DirectML, OpenVINO, …).</summary>
    OnnxRuntime,
}
