using ScottPlot;
using SkiaSharp;

namespace PSRnn.Plotting;

/// <summary>Draws gate traces over time for one sample: one panel per named value (h, i, f, g, o, c; z, r, n), a line
/// per unit shown, panels in two columns.</summary>
public static class ActivationPlot
{
    /// <summary>Renders the PNG bytes; each trace is (T, U) step by step, and <paramref name="units"/> picks the lines.</summary>
    public static byte[] RenderPng(IReadOnlyList<(string Name, float[] Values)> traces, int time, int unitCount,
        IReadOnlyList<int> units, double? stepSeconds, string title, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(traces);
        ArgumentNullException.ThrowIfNull(units);
        NativeAssets.EnsureResolvers();
        (string xLabel, double dt) = PlotPanels.TimeAxis(stepSeconds);
        double[] xs = [.. Enumerable.Range(0, time).Select(t => t * dt)];
        int columns = traces.Count > 1 ? 2 : 1, rows = (traces.Count + columns - 1) / columns;
        float cellWidth = (float)width / columns, cellHeight = (float)height / Math.Max(1, rows);
        var panels = new List<(Plot, SKRect)>();
        for (int k = 0; k < traces.Count; k++)
        {
            var plot = new Plot();
            plot.Title(k == 0 ? $"{title}: {traces[k].Name}" : traces[k].Name);
            plot.XLabel(xLabel);
            plot.YLabel(traces[k].Name);
            foreach (int unit in units)
            {
                double[] ys = [.. Enumerable.Range(0, time).Select(t => (double)traces[k].Values[(t * unitCount) + unit])];
                var line = plot.Add.Scatter(xs, ys);
                line.LegendText = $"unit {unit}";
                line.LineWidth = 2;
                line.MarkerSize = 0;
            }

            if (k == 0)
            {
                plot.ShowLegend(Alignment.UpperRight);
            }
            else
            {
                plot.HideLegend();
            }

            if (stepSeconds is null)
            {
                plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            }

            int r = k / columns, c = k % columns;
            panels.Add((plot, new SKRect(c * cellWidth, r * cellHeight, (c + 1) * cellWidth, (r + 1) * cellHeight)));
        }

        return PlotPanels.Render(width, height, panels);
    }
}
