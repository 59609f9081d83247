namespace PSRnn.Engine.Training;

/// <summary>
/// The label error rate of greedy CTC decoding over batches (the digit or character error rate): Σ Levenshtein
/// distance(reference, decoded) / Σ reference length, as <see cref="EditDistance.ErrorRate"/>.
/// </summary>
internal sealed class CtcErrorRate
{
    /// <summary>The metric's name in evaluation results and histories (Measure-RnnModel's ErrorRate).</summary>
    public const string Name = "error_rate";

    private readonly CtcDecoder.StepReader _reader = new();
    private int[] _labels = [];
    private long _edits;
    private long _references;

    /// <summary>Σ edits / Σ reference labels so far.</summary>
    public double Result => EditDistance.ErrorRate(_edits, _references);

    /// <summary>Decodes each sample of a batch's per-step output greedily and compares it with its packed label sequence.</summary>
    public void Update(Layers.Activations output, ReadOnlySpan<float> packedTargets, bool fromLogits)
    {
        int width = packedTargets.Length / output.Batch;
        if (_labels.Length < width)
        {
            _labels = new int[width];
        }

        for (int b = 0; b < output.Batch; b++)
        {
            int steps = _reader.Read(output, b, fromLogits);
            CtcHypothesis decoded = CtcDecoder.Greedy(_reader.LogProbabilities, steps, output.Features);
            int n = LabelSequences.Unpack(packedTargets.Slice(b * width, width), _labels);
            _edits += EditDistance.Between(_labels.AsSpan(0, n), decoded.Labels);
            _references += n;
        }
    }
}
