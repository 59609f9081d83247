using PSRnn.Engine.Tensors;

namespace PSRnn.Models;

/// <summary>
/// What Measure-RnnAttribution returns: the attributions (N, T, F) and, per sample, the output attributed, f(x) and,
/// for integrated gradients, f(baseline) and the completeness delta.
/// </summary>
public sealed class RnnAttribution
{
    internal RnnAttribution(string method, Tensor attributions, long[] target, double[] output, double[]? baselineOutput,
        double[]? convergenceDelta, int? steps, double? stepSeconds)
    {
        Method = method;
        Attributions = attributions;
        Target = target;
        Output = output;
        BaselineOutput = baselineOutput;
        ConvergenceDelta = convergenceDelta;
        Steps = steps;
        StepSeconds = stepSeconds;
    }

    /// <summary>Saliency, GradientTimesInput, IntegratedGradients or Occlusion.</summary>
    public string Method { get; }

    /// <summary>The attributions, a float32 tensor (samples, time steps, features).</summary>
    public Tensor Attributions { get; }

    /// <summary>The output index attributed, per sample (the predicted class unless -Target was given).</summary>
    public long[] Target { get; }

    /// <summary>f(x): the model's target output per sample (a probability for a softmax model).</summary>
    public double[] Output { get; }

    /// <summary>f(baseline) per sample, for integrated gradients; otherwise null.</summary>
    public double[]? BaselineOutput { get; }

    /// <summary>Integrated gradients' completeness error per sample: Σ attributions − (f(x) − f(baseline)); otherwise null.</summary>
    public double[]? ConvergenceDelta { get; }

    /// <summary>The integration points of integrated gradients; otherwise null.</summary>
    public int? Steps { get; }

    /// <summary>Seconds per time step when the model carries its audio recipe (the frame hop), otherwise null.</summary>
    public double? StepSeconds { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Target.Length;
}
