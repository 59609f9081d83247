namespace PSRnn.Engine.Training;

/// <summary>A decoded label sequence and its log probability (natural log).</summary>
/// <param name="Labels">The labels, symbols 1 … C − 1 (the blank 0 never appears).</param>
/// <param name="LogProbability">Greedy: the log probability of the best path (one alignment); beam: the log of the
/// summed probability of every alignment of the labels that the beam kept.</param>
public sealed record CtcHypothesis(int[] Labels, double LogProbability);
