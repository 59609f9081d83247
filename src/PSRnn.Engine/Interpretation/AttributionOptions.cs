namespace PSRnn.Engine.Interpretation;

/// <summary>How <see cref="Attribution.Compute"/> attributes: Captum's arguments, with its defaults.</summary>
public sealed record AttributionOptions
{
    /// <summary>The method.</summary>
    public AttributionMethod Method { get; init; } = AttributionMethod.IntegratedGradients;

    /// <summary>The output index per sample (N), one for all (1), or null for each sample's predicted class.</summary>
    public IReadOnlyList<long>? Targets { get; init; }

    /// <summary>The baseline x′: (N·T·F) per sample, (T·F) for every sample, or null for <see cref="BaselineValue"/>.</summary>
    public float[]? Baseline { get; init; }

    /// <summary>The baseline's value everywhere when <see cref="Baseline"/> is null (Captum's scalar baseline; 0).</summary>
    public float BaselineValue { get; init; }

    /// <summary>Captum's n_steps (50).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Captum's method (gausslegendre).</summary>
    public IntegrationMethod Integration { get; init; } = IntegrationMethod.GaussLegendre;

    /// <summary>Saliency's abs (true, as Captum).</summary>
    public bool Absolute { get; init; } = true;

    /// <summary>Occlusion's window in steps.</summary>
    public int Window { get; init; } = 1;

    /// <summary>Occlusion's stride in steps.</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Rows per forward/backward pass (interpolation points or occluded copies of samples).</summary>
    public int BatchSize { get; init; } = 32;
}
