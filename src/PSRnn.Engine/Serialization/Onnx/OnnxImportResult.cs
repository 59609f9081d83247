using PSRnn.Engine.Models;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>What <see cref="OnnxImporter"/> made of an ONNX file.</summary>
/// <param name="Model">The model, in Keras layout: it takes (batch, time, features) — or token ids — and outputs batch-major.</param>
/// <param name="InputTimeMajor">Whether the ONNX graph took its input time-major, (time, batch, features) — torch's
/// batch_first=False — so data for it must be transposed to (batch, time, features) for the imported model.</param>
/// <param name="OutputTimeMajor">Whether the ONNX graph's sequence output was time-major; the imported model's is batch-major.</param>
/// <param name="Producer">The ONNX file's producer_name (pytorch, PSRnn, …), or empty.</param>
public sealed record OnnxImportResult(Sequential Model, bool InputTimeMajor, bool OutputTimeMajor, string Producer);
