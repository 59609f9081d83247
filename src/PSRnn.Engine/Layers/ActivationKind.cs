namespace PSRnn.Engine.Layers;

/// <summary>Keras's activation functions that PSRnn layers offer, by their Keras names (<c>tanh</c>, <c>softmax</c>, …).</summary>
public enum ActivationKind
{
    /// <summary><c>linear</c>: f(x) = x.</summary>
    Linear,
    /// <summary><c>tanh</c>.</summary>
    Tanh,
    /// <summary><c>sigmoid</c>: 1 / (1 + e^−x).</summary>
    Sigmoid,
    /// <summary><c>relu</c>: max(x, 0).</summary>
    Relu,
    /// <summary><c>softmax</c> over the last axis.</summary>
    Softmax,
    /// <summary><c>elu</c> with α = 1: x for x &gt; 0, e^x − 1 otherwise.</summary>
    Elu,
    /// <summary><c>selu</c>: scale·elu(x, α) with Keras's constants.</summary>
    Selu,
    /// <summary><c>softplus</c>: log(1 + e^x).</summary>
    Softplus,
    /// <summary><c>softsign</c>: x / (1 + |x|).</summary>
    Softsign,
    /// <summary><c>swish</c> (also <c>silu</c>): x·sigmoid(x).</summary>
    Swish,
    /// <summary><c>hard_sigmoid</c> as Keras 3: relu6(x + 3) / 6.</summary>
    HardSigmoid,
}
