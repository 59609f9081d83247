namespace PSRnn.Engine.Training;

/// <summary>
/// Keras 3's <c>AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7)</c>: Adam
/// after decoupled weight decay <c>w = w − w·wd·lr</c>. PyTorch's AdamW applies the same decay,
/// <c>w = w·(1 − lr·wd)</c>, with its own Adam (default wd 0.01, ε 1e-8).
/// </summary>
/// <param name="learningRate">The learning rate (Keras default 0.001).</param>
/// <param name="weightDecay">The decoupled weight decay (Keras default 0.004).</param>
/// <param name="beta1">β1.</param>
/// <param name="beta2">β2.</param>
/// <param name="epsilon">ε.</param>
/// <param name="amsgrad">Whether to use AMSGrad.</param>
public sealed class AdamW(float learningRate = 0.001f, float weightDecay = 0.004f, float beta1 = 0.9f,
    float beta2 = 0.999f, float epsilon = 1e-7f, bool amsgrad = false)
    : Adam(learningRate, beta1, beta2, epsilon, amsgrad, weightDecay)
{
    /// <inheritdoc/>
    public override string KerasName => "adamw";
}
