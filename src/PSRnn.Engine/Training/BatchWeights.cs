namespace PSRnn.Engine.Training;

/// <summary>
/// The sample weights of the batch in hand, one per output row, and of the rows the loss last read (all of them, or the
/// real steps of a masked output): the loss and the weighted metrics read <see cref="Active"/>.
/// </summary>
internal sealed class BatchWeights
{
    private float[] _rows = [];
    private float[] _compact = [];
    private int _count;
    private bool _compactActive;

    private BatchWeights(bool weighsLoss) => WeighsLoss = weighsLoss;

    /// <summary>Whether the data carry weights, so the loss is weighted; false: ones, for weighted metrics only.</summary>
    public bool WeighsLoss { get; }

    /// <summary>The weights of the rows the loss last read.</summary>
    public ReadOnlySpan<float> Active => _compactActive ? _compact.AsSpan(0, _count) : _rows.AsSpan(0, _count);

    /// <summary>Weights for <paramref name="data"/>, or null when neither the loss nor a weighted metric needs them.</summary>
    public static BatchWeights? For(Dataset data, IReadOnlyList<string>? weightedMetrics) =>
        data.HasSampleWeights || weightedMetrics is { Count: > 0 } ? new BatchWeights(data.HasSampleWeights) : null;

    /// <summary>Weights of one batch given row by row (the loss and metric tests' way in).</summary>
    internal static BatchWeights ForRows(ReadOnlySpan<float> rows)
    {
        var weights = new BatchWeights(true);
        rows.CopyTo(weights.Size(rows.Length));
        return weights;
    }

    /// <summary>Gathers the weights of a batch's rows: <paramref name="steps"/> a sample from step <paramref name="from"/>.</summary>
    public void Gather(Dataset data, ReadOnlySpan<int> indices, int from, int steps) =>
        data.GatherRowWeights(indices, from, steps, Size(indices.Length * steps));

    // The row buffer for a batch of this many rows, every row active.
    private Span<float> Size(int rows)
    {
        if (_rows.Length < rows)
        {
            _rows = new float[rows];
            _compact = new float[rows];
        }

        _count = rows;
        _compactActive = false;
        return _rows.AsSpan(0, rows);
    }

    /// <summary>The loss reads every row.</summary>
    public void UseAll() => _compactActive = false;

    /// <summary>The loss reads the real rows <paramref name="masked"/> gathered.</summary>
    public void UseMasked(MaskedRows masked)
    {
        masked.GatherRowValues(_rows, _compact);
        _count = masked.Count;
        _compactActive = true;
    }
}
