namespace PSRnn.Serving;

/// <summary>How <see cref="OnnxRuntimePredictor"/> runs a model: the execution provider, its device and options, the threads.</summary>
public sealed record OnnxRuntimeSettings
{
    /// <summary>The execution provider: CPU (the default), CUDA, DirectML, TensorRT, ROCm, MIGraphX, DNNL, or a name ONNX
    /// Runtime's generic entry point takes (OpenVINO, CoreML, XNNPACK, QNN, WebGPU, …).</summary>
    public string Provider { get; init; } = "CPU";

    /// <summary>The device of a GPU provider (CUDA, DirectML, TensorRT, ROCm, MIGraphX); 0 by default.</summary>
    public int DeviceId { get; init; }

    /// <summary>Provider options, passed as given (for CUDA, its OrtCUDAProviderOptions keys such as gpu_mem_limit).</summary>
    public IReadOnlyDictionary<string, string> ProviderOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>ONNX Runtime's intra-op threads; null for its default (one per core).</summary>
    public int? ThreadCount { get; init; }

    /// <inheritdoc />
    public bool Equals(OnnxRuntimeSettings? other) =>
        other is not null && string.Equals(Provider, other.Provider, StringComparison.OrdinalIgnoreCase) && DeviceId == other.DeviceId &&
        ThreadCount == other.ThreadCount && ProviderOptions.Count == other.ProviderOptions.Count &&
        ProviderOptions.All(kv => other.ProviderOptions.TryGetValue(kv.Key, out string? v) && v == kv.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Provider.ToUpperInvariant(), DeviceId, ThreadCount, ProviderOptions.Count);
}
