namespace PSRnn.Models;

/// <summary>One row of Measure-RnnModel -Detailed's per-class figures, as a row of scikit-learn's classification_report.</summary>
public sealed class RnnClassMetrics
{
    internal RnnClassMetrics(int index, string name, double precision, double recall, double f1, long support)
    {
        Index = index;
        Class = name;
        Precision = precision;
        Recall = recall;
        F1 = f1;
        Support = support;
    }

    /// <summary>The class index (the output unit).</summary>
    public int Index { get; }

    /// <summary>The class name (-ClassNames), or the index as text.</summary>
    public string Class { get; }

    /// <summary>Of the samples predicted as this class, the fraction that are: TP / (TP + FP), 0 if none was predicted.</summary>
    public double Precision { get; }

    /// <summary>Of the samples of this class, the fraction found: TP / (TP + FN), 0 if there were none.</summary>
    public double Recall { get; }

    /// <summary>The harmonic mean of precision and recall.</summary>
    public double F1 { get; }

    /// <summary>How many samples truly belong to the class.</summary>
    public long Support { get; }
}
