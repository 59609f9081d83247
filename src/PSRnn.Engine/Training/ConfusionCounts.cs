namespace PSRnn.Engine.Training;

/// <summary>
/// True positives, false positives and false negatives at one threshold, as Keras's confusion metrics count them
/// (keras/src/metrics/metrics_utils.py): every element of the outputs and targets is flattened into one binary decision
/// (so one-hot and multi-label rows count per element), a target is positive when it is not 0, a prediction when it is
/// above the threshold. With sample weights, each element adds its row's weight instead of 1 (Keras's
/// update_confusion_matrix_variables broadcasts sample_weight over the last axis): <c>TP = Σ w·[t≠0 ∧ o&gt;θ]</c>.
/// </summary>
/// <remarks>The counts are doubles: unweighted they are whole numbers, exact up to 2⁵³, so the ratios equal those of
/// integer counts bit for bit.</remarks>
internal struct ConfusionCounts
{
    /// <summary>Elements seen (whatever their weight).</summary>
    public long Seen;

    /// <summary>Positive targets predicted positive (their weight).</summary>
    public double TruePositives;

    /// <summary>Negative targets predicted positive (their weight).</summary>
    public double FalsePositives;

    /// <summary>Positive targets predicted negative (their weight).</summary>
    public double FalseNegatives;

    /// <summary>Counts a batch of rows <paramref name="width"/> wide; <paramref name="weights"/> one a row, or empty
    /// for a weight of 1 everywhere.</summary>
    public void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, float threshold, ReadOnlySpan<float> weights, int width)
    {
        for (int i = 0; i < outputs.Length; i++)
        {
            bool positive = targets[i] != 0, predicted = outputs[i] > threshold;
            double w = weights.IsEmpty ? 1 : weights[i / width];
            if (predicted)
            {
                if (positive)
                {
                    TruePositives += w;
                }
                else
                {
                    FalsePositives += w;
                }
            }
            else if (positive)
            {
                FalseNegatives += w;
            }
        }

        Seen += outputs.Length;
    }
}
