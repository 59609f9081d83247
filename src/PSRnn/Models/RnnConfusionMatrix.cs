using System.Globalization;
using System.Text;

namespace PSRnn.Models;

/// <summary>A confusion matrix from Measure-RnnModel -Detailed: Counts[true, predicted], as scikit-learn's
/// confusion_matrix. Export-RnnConfusionMatrix draws it.</summary>
public sealed class RnnConfusionMatrix
{
    internal RnnConfusionMatrix(long[,] counts, string[] labels)
    {
        Counts = counts;
        Labels = labels;
    }

    /// <summary>The class names, in index order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Counts[t, p]: samples of true class t predicted as class p.</summary>
    public long[,] Counts { get; }

    /// <summary>The matrix as a text table: true classes down, predicted classes across.</summary>
    public override string ToString()
    {
        int k = Labels.Count;
        string[,] cells = new string[k + 1, k + 1];
        cells[0, 0] = "true\\pred";
        for (int i = 0; i < k; i++)
        {
            cells[0, i + 1] = Labels[i];
            cells[i + 1, 0] = Labels[i];
            for (int j = 0; j < k; j++)
            {
                cells[i + 1, j + 1] = Counts[i, j].ToString(CultureInfo.InvariantCulture);
            }
        }

        int first = Enumerable.Range(0, k + 1).Max(i => cells[i, 0].Length);
        int rest = Enumerable.Range(0, k + 1).SelectMany(i => Enumerable.Range(1, k).Select(j => cells[i, j].Length)).DefaultIfEmpty(1).Max();
        var text = new StringBuilder();
        for (int i = 0; i <= k; i++)
        {
            text.Append(cells[i, 0].PadRight(first));
            for (int j = 1; j <= k; j++)
            {
                text.Append(' ').Append(cells[i, j].PadLeft(rest));
            }

            text.Append('\n');
        }

        return text.ToString().TrimEnd('\n');
    }
}
