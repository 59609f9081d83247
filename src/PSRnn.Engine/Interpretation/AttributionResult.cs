namespace PSRnn.Engine.Interpretation;

/// <summary>
/// Attributions (N, T, F) row-major, with each sample's target, f(x) and, for integrated gradients, f(x′) and Captum's
/// convergence delta Σ attributions − (f(x) − f(x′)).
/// </summary>
public sealed class AttributionResult
{
    /// <summary>Creates a result.</summary>
    public AttributionResult(float[] values, int count, int time, int features, long[] targets, double[] outputs,
        double[]? baselineOutputs, double[]? convergenceDelta)
    {
        Values = values;
        Count = count;
        Time = time;
        Features = features;
        Targets = targets;
        Outputs = outputs;
        BaselineOutputs = baselineOutputs;
        ConvergenceDelta = convergenceDelta;
    }

    /// <summary>The attributions, (N, T, F).</summary>
    public float[] Values { get; }

    /// <summary>N.</summary>
    public int Count { get; }

    /// <summary>T.</summary>
    public int Time { get; }

    /// <summary>F.</summary>
    public int Features { get; }

    /// <summary>The output index attributed, per sample.</summary>
    public long[] Targets { get; }

    /// <summary>f(x): the target output per sample.</summary>
    public double[] Outputs { get; }

    /// <summary>f(x′) per sample (integrated gradients), else null.</summary>
    public double[]? BaselineOutputs { get; }

    /// <summary>Σ attributions − (f(x) − f(x′)) per sample (integrated gradients), else null.</summary>
    public double[]? ConvergenceDelta { get; }
}
