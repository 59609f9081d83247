namespace PSRnn.Engine.Training;

/// <summary>The per-step constants of <see cref="OptimizerKernels.Nadam"/>, computed in double, then rounded.</summary>
internal readonly record struct NadamScalars(float OneMinusBeta1, float OneMinusBeta2, float MomentumFactor, float GradientFactor,
    float OneMinusBeta2Power, float LearningRate, float Epsilon);
