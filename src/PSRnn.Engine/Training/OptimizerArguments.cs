namespace PSRnn.Engine.Training;

/// <summary>The range checks the optimizers' constructors share, with Keras's argument names in the messages.</summary>
internal static class OptimizerArguments
{
    /// <summary>A decay rate (β, ρ) in [0, 1).</summary>
    public static float Decay(float value, string kerasName, string paramName) =>
        value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(paramName, value, $"{kerasName} must be in [0, 1).");

    /// <summary>A finite number ≥ 0 (ε, an initial accumulator).</summary>
    public static float NonNegative(float value, string kerasName, string paramName) =>
        value >= 0 && float.IsFinite(value) ? value
        : throw new ArgumentOutOfRangeException(paramName, value, $"{kerasName} must be a finite number ≥ 0.");
}
