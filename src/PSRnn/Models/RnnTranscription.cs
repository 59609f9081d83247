namespace PSRnn.Models;

/// <summary>One sample's decoding by Invoke-RnnPrediction -Decode: its label sequence, text and log probability.</summary>
public sealed class RnnTranscription
{
    internal RnnTranscription(int sample, int[] labels, string? text, double logProbability)
    {
        Sample = sample;
        Labels = labels;
        Text = text;
        LogProbability = logProbability;
    }

    /// <summary>The sample's index in -X.</summary>
    public int Sample { get; }

    /// <summary>The decoded labels: symbol indices 1 … C − 1 (0, the blank, never appears).</summary>
    public int[] Labels { get; }

    /// <summary>With -ClassNames, the labels' names joined by -Separator; otherwise null.</summary>
    public string? Text { get; }

    /// <summary>The natural log of the probability: of the best path for Greedy, of the labels' alignments the beam kept for Beam.</summary>
    public double LogProbability { get; }
}
