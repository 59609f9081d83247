namespace PSRnn.Engine.Training;

/// <summary>The hyper-parameters Nadam and Adamax share with Adam: β1 (first moment), β2 (second moment or norm), ε.</summary>
public abstract class AdaptiveMomentOptimizer : Optimizer
{
    private protected AdaptiveMomentOptimizer(float learningRate, float beta1, float beta2, float epsilon, float? weightDecay)
        : base(learningRate, weightDecay)
    {
        Beta1 = OptimizerArguments.Decay(beta1, "beta_1", nameof(beta1));
        Beta2 = OptimizerArguments.Decay(beta2, "beta_2", nameof(beta2));
        Epsilon = OptimizerArguments.NonNegative(epsilon, "epsilon", nameof(epsilon));
    }

    /// <summary>β1, the decay of the first moment, in [0, 1).</summary>
    public float Beta1 { get; }

    /// <summary>β2, the decay of the second moment (Nadam) or of the infinity norm (Adamax), in [0, 1).</summary>
    public float Beta2 { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }
}
