namespace PSRnn.Engine.Tensors;

/// <summary>
/// The complete state of an <see cref="Rng"/>: the four xoshiro256** words and the spare normal deviate Box–Muller
/// keeps for the next call. A generator set to it continues the saved sequence bit for bit (checkpoints save these).
/// </summary>
/// <param name="S0">State word 0.</param>
/// <param name="S1">State word 1.</param>
/// <param name="S2">State word 2.</param>
/// <param name="S3">State word 3.</param>
/// <param name="SpareNormal">The normal deviate held for the next <see cref="Rng.Normal"/>, or null.</param>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
