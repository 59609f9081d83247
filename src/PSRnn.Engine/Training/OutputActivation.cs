namespace PSRnn.Engine.Training;

/// <summary>
/// The activation of a model's last layer that a loss can fuse with (Keras's <c>from_logits</c>): the training
/// loop then feeds the loss the pre-activation values, which is both faster and numerically stable.
/// </summary>
public enum OutputActivation
{
    /// <summary>No activation: <c>y = x</c>.</summary>
    Linear,

    /// <summary>Softmax over the last axis: <c>y_j = exp(x_j) / Σ_k exp(x_k)</c>.</summary>
    Softmax,

    /// <summary>Elementwise logistic sigmoid: <c>y = 1 / (1 + exp(−x))</c>.</summary>
    Sigmoid,
}
