namespace PSRnn.Engine.Interpretation;

/// <summary>
/// One layer's output over the samples and, for a recurrent layer, its per-step values (h, the gates, LSTM's c), each
/// (N, T, U) row-major with step t the one that read input step t.
/// </summary>
public sealed class LayerActivationResult
{
    /// <summary>Creates a result.</summary>
    public LayerActivationResult(int layerIndex, string layerName, float[] output, int[] outputShape, int count, int time,
        int units, IReadOnlyList<string> names, IReadOnlyList<float[]> values)
    {
        LayerIndex = layerIndex;
        LayerName = layerName;
        Output = output;
        OutputShape = outputShape;
        Count = count;
        Time = time;
        Units = units;
        Names = names;
        Values = values;
    }

    /// <summary>The layer's index in the model.</summary>
    public int LayerIndex { get; }

    /// <summary>The layer's name.</summary>
    public string LayerName { get; }

    /// <summary>The layer's output as it returns it: (N, T, U) per step, else (N, U).</summary>
    public float[] Output { get; }

    /// <summary>The shape of <see cref="Output"/>.</summary>
    public int[] OutputShape { get; }

    /// <summary>N.</summary>
    public int Count { get; }

    /// <summary>T of the per-step values.</summary>
    public int Time { get; }

    /// <summary>U of the per-step values (0 for a layer that is not recurrent).</summary>
    public int Units { get; }

    /// <summary>The per-step values' names, in order (empty for a layer that is not recurrent).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The per-step values, (N, T, U) each, in the order of <see cref="Names"/>.</summary>
    public IReadOnlyList<float[]> Values { get; }
}
