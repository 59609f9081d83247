namespace PSRnn.Engine.Layers;

/// <summary>Which form of the minGRU/minLSTM recurrence a forward pass evaluates (a test hook; results agree to rounding).</summary>
internal enum MinScanMode
{
    /// <summary>Training runs the log-space scan, prediction the step-by-step form.</summary>
    Auto,

    /// <summary>Always the paper's log-space scan.</summary>
    LogSpace,

    /// <summary>Always the step-by-step form h_t = a_t⊙h_{t−1} + b_t.</summary>
    Sequential,
}
