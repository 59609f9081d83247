namespace PSRnn.Engine.Training;

/// <summary>
/// True positives, false positives and false negatives at one threshold, as Keras's confusion metrics count them
/// (keras/src/metrics/metrics_utils.py): every element of the outputs and targets is flattened into one binary decision
/// (so one-hot and multi-label rows count per element), a target is positive when it is not 0, a prediction when it is
/// above the threshold.
/// </summary>
internal struct ConfusionCounts
{
    /// <summary>Elements seen.</summary>
    public long Seen;

    /// <summary>Positive targets predicted positive.</summary>
    public long TruePositives;

    /// <summary>Negative targets predicted positive.</summary>
    public long FalsePositives;

    /// <summary>Positive targets predicted negative.</summary>
    public long FalseNegatives;

    /// <summary>Counts a batch.</summary>
    public void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, float threshold)
    {
        for (int i = 0; i < outputs.Length; i++)
        {
            bool positive = targets[i] != 0, predicted = outputs[i] > threshold;
            if (predicted)
            {
                if (positive)
                {
                    TruePositives++;
                }
                else
                {
                    FalsePositives++;
                }
            }
            else if (positive)
            {
                FalseNegatives++;
            }
        }

        Seen += outputs.Length;
    }
}
