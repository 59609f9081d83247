using ScottPlot;

namespace PSRnn.Plotting;

/// <summary>Draws a confusion matrix as scikit-learn's ConfusionMatrixDisplay does: true classes down the side,
/// predicted classes along the bottom, a heat map of the counts with each count written in its cell.</summary>
public static class ConfusionMatrixPlot
{
    /// <summary>Renders the PNG bytes of <paramref name="counts"/> ([true, predicted]); with <paramref name="normalize"/>
    /// each row is divided by its total (the recall of each true class spread over the predictions).</summary>
    public static byte[] RenderPng(long[,] counts, IReadOnlyList<string> labels, string title, int width, int height, bool normalize)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(labels);
        // Before any ScottPlot type: its static font setup already calls into SkiaSharp's native library.
        NativeAssets.EnsureResolvers();
        int k = counts.GetLength(0);
        var values = new double[k, k];
        for (int r = 0; r < k; r++)
        {
            long total = 0;
            for (int c = 0; c < k; c++)
            {
                total += counts[r, c];
            }

            for (int c = 0; c < k; c++)
            {
                values[r, c] = normalize ? (total == 0 ? 0 : (double)counts[r, c] / total) : counts[r, c];
            }
        }

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cells centred on whole numbers; row 0 (the first true class) at the top, as in scikit-learn's display.
        heatmap.Rectangle = new CoordinateRect(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.Add.ColorBar(heatmap);

        double max = values.Cast<double>().DefaultIfEmpty(0).Max();
        double[] positions = [.. Enumerable.Range(0, k).Select(i => (double)i)];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                string text = normalize ? values[r, c].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)
                    : counts[r, c].ToString(System.Globalization.CultureInfo.InvariantCulture);
                var label = plot.Add.Text(text, c, k - 1 - r);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = k > 12 ? 9 : 14;
                // Dark text on the bright end of viridis, light on the dark end.
                label.LabelFontColor = max > 0 && values[r, c] > max * 0.6 ? Colors.Black : Colors.White;
            }
        }

        plot.Axes.Bottom.SetTicks(positions, [.. labels]);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, k).Select(i => (double)(k - 1 - i))], [.. labels]);
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);

        return PngCanvas.Render(width, height, canvas => plot.Render(canvas, new PixelRect(0, width, height, 0)));
    }
}
