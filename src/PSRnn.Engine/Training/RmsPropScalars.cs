namespace PSRnn.Engine.Training;

/// <summary>The per-step constants of <see cref="OptimizerKernels.RmsProp"/>.</summary>
internal readonly record struct RmsPropScalars(float Rho, float OneMinusRho, float Epsilon, float LearningRate, float Momentum);
