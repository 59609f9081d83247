namespace PSRnn.Engine.Training;

/// <summary>How <see cref="CtcDecoder"/> turns per-step symbol probabilities into a label sequence.</summary>
public enum CtcDecoding
{
    /// <summary>Best path: the most probable symbol of each real step, repeats collapsed, blanks dropped.</summary>
    Greedy,

    /// <summary>CTC prefix beam search (Hannun et al. 2014, no language model).</summary>
    Beam,
}
