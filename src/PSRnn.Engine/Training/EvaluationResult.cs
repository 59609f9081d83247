namespace PSRnn.Engine.Training;

/// <summary>Keras's evaluate(): the mean loss and metrics over a dataset.</summary>
public sealed class EvaluationResult
{
    /// <summary>Creates a result.</summary>
    public EvaluationResult(double loss, IReadOnlyDictionary<string, double> metrics, int samples)
    {
        Loss = loss;
        Metrics = metrics;
        Samples = samples;
    }

    /// <summary>The mean loss.</summary>
    public double Loss { get; }

    /// <summary>Metrics by Keras name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>How many samples were evaluated.</summary>
    public int Samples { get; }
}
