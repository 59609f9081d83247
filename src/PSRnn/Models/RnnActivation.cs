using System.Collections.Specialized;
using PSRnn.Engine.Tensors;

namespace PSRnn.Models;

/// <summary>
/// What Get-RnnActivation returns: a layer's output and, for a recurrent layer, every step's h and gates as named
/// tensors (samples, time steps, units).
/// </summary>
public sealed class RnnActivation
{
    internal RnnActivation(string layer, int layerIndex, Tensor output, OrderedDictionary gates, double? stepSeconds)
    {
        Layer = layer;
        LayerIndex = layerIndex;
        Output = output;
        Gates = gates;
        StepSeconds = stepSeconds;
    }

    /// <summary>The layer's name.</summary>
    public string Layer { get; }

    /// <summary>The layer's index in the model (0 the first).</summary>
    public int LayerIndex { get; }

    /// <summary>The layer's output as the next layer receives it: (samples, time steps, units), or (samples, units).</summary>
    public Tensor Output { get; }

    /// <summary>
    /// Name → float32 tensor (samples, time steps, units), step t the one that read input step t: h (every step's
    /// output state), and LSTM's i, f, g (the candidate c̃), o and c (the cell state), or GRU's z, r and n (the candidate
    /// h̃), after their activations; forward_… and backward_… for a Bidirectional layer. Empty for other layers.
    /// </summary>
    public OrderedDictionary Gates { get; }

    /// <summary>Seconds per time step when the model carries its audio recipe (the frame hop), otherwise null.</summary>
    public double? StepSeconds { get; }
}
