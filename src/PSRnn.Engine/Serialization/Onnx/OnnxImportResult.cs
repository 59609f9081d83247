using PSRnn.Engine.Models;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>What <see cref="OnnxImporter"/> made of an ONNX file.</summary>
/// <param name="Model">The model, in Keras layout: it takes (batch, time, features) — or token ids — and outputs batch-major.</param>
/// <param name="InputTimeMajor">Whether the ONNX graph took its input time-major, (time, batch, features) — torch's
/// batch_first=False — so data for it must be transposed to (batch, time, features) for the imported model.</param>
/// <param name="OutputTimeMajor">Whether the ONNX graph's sequence output was time-major; the imported model's is batch-major.</param>
/// <param name="Producer">The ONNX file's producer_name (pytorch, PSRnn, …), or empty.</param>
public sealed record OnnxImportResult(Sequential Model, bool InputTimeMajor, bool OutputTimeMajor, string Producer)
{
    /// <summary>
    /// The graph input of per-sample lengths that the recurrent operators read as sequence_lens, or null: the imported
    /// model takes the data input only and masks its padding instead (Masking with mask value 0 first, or an Embedding
    /// with mask_zero), which is the same for data padded with zeros after each sample's real steps.
    /// </summary>
    public string? LengthsInput { get; init; }
}
