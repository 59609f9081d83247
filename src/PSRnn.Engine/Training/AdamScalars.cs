namespace PSRnn.Engine.Training;

/// <summary>The per-step constants of <see cref="OptimizerKernels.Adam"/>; α is computed in double, then rounded.</summary>
internal readonly record struct AdamScalars(float OneMinusBeta1, float OneMinusBeta2, float Alpha, float Epsilon);
