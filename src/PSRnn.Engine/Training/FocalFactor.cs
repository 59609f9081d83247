namespace PSRnn.Engine.Training;

/// <summary>The focal modulating factor (1 − p)^γ of Lin et al. and its derivative in p, shared by the focal losses.</summary>
internal static class FocalFactor
{
    /// <summary><c>(1 − p)^γ</c> for <paramref name="oneMinus"/> = 1 − p.</summary>
    public static double Value(double oneMinus, double gamma) => gamma == 0 ? 1 : Math.Pow(oneMinus, gamma);

    /// <summary>
    /// <c>γ(1 − p)^(γ−1)</c>, minus the derivative of the factor in p; 0 when γ = 0, and where 1 − p = 0 with γ &lt; 1
    /// (the derivative is unbounded there; the loss itself is 0, and 0 is a subgradient).
    /// </summary>
    public static double Slope(double oneMinus, double gamma) =>
        gamma == 0 || (oneMinus <= 0 && gamma < 1) ? 0 : gamma * Math.Pow(oneMinus, gamma - 1);
}
