namespace PSRnn.Engine.Interpretation;

/// <summary>The attribution methods of <see cref="Attribution"/>, named as Captum's classes.</summary>
public enum AttributionMethod
{
    /// <summary>Captum's Saliency: |∂f/∂x| (the gradient itself when abs is off).</summary>
    Saliency,

    /// <summary>Captum's InputXGradient: x ⊙ ∂f/∂x.</summary>
    GradientTimesInput,

    /// <summary>Captum's IntegratedGradients: (x − x′) ⊙ Σₖ wₖ ∂f/∂x at x′ + αₖ(x − x′).</summary>
    IntegratedGradients,

    /// <summary>Captum's Occlusion over windows of steps (every feature of a step at once).</summary>
    Occlusion,
}
