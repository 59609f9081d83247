namespace PSRnn.Engine.Training;

/// <summary>Levenshtein distance between label sequences, and the error rate built on it (digit or character error rate).</summary>
public static class EditDistance
{
    /// <summary>The fewest substitutions, insertions and deletions that turn <paramref name="hypothesis"/> into <paramref name="reference"/>.</summary>
    public static int Between(ReadOnlySpan<int> reference, ReadOnlySpan<int> hypothesis)
    {
        // Two rows of the (|ref| + 1) × (|hyp| + 1) table: d[i][j] = min(d[i−1][j] + 1, d[i][j−1] + 1, d[i−1][j−1] + (r_i ≠ h_j)).
        var previous = new int[hypothesis.Length + 1];
        var current = new int[hypothesis.Length + 1];
        for (int j = 0; j <= hypothesis.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= reference.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= hypothesis.Length; j++)
            {
                int substitute = previous[j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[hypothesis.Length];
    }

    /// <summary>
    /// The error rate over a set: Σ edit distances / Σ reference lengths (each sample's edits weigh by its length, as
    /// the word or character error rate of speech recognition); 0 of 0 reference labels is 0, and edits against
    /// references that are all empty count against 1.
    /// </summary>
    public static double ErrorRate(long edits, long referenceLabels) =>
        edits == 0 ? 0 : edits / (double)Math.Max(referenceLabels, 1);
}
