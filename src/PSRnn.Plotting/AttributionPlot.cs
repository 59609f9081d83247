using ScottPlot;
using SkiaSharp;

namespace PSRnn.Plotting;

/// <summary>Draws one sample's attributions: a heat map over time steps × features (a diverging colour map centred on
/// 0, so positive and negative evidence differ), and under it a bar per step of the step's total attribution.</summary>
public static class AttributionPlot
{
    /// <summary>Renders the PNG bytes of <paramref name="values"/> (T·F, step by step).</summary>
    public static byte[] RenderPng(ReadOnlySpan<float> values, int time, int features, double? stepSeconds, string title,
        string featureLabel, int width, int height)
    {
        // Before any ScottPlot type: its static font setup already calls into SkiaSharp's native library.
        NativeAssets.EnsureResolvers();
        (string xLabel, double dt) = PlotPanels.TimeAxis(stepSeconds);
        var cells = new double[features, time];
        var totals = new double[time];
        double largest = 0;
        for (int t = 0; t < time; t++)
        {
            for (int f = 0; f < features; f++)
            {
                double v = values[(t * features) + f];
                // Row 0 of the heat map is drawn at the top: feature 0 goes at the bottom.
                cells[features - 1 - f, t] = v;
                totals[t] += v;
                largest = Math.Max(largest, Math.Abs(v));
            }
        }

        var map = new Plot();
        map.Title(title);
        map.XLabel(xLabel);
        map.YLabel(featureLabel);
        var heatmap = map.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        double range = largest > 0 ? largest : 1;
        heatmap.ManualRange = new ScottPlot.Range(-range, range);
        heatmap.Rectangle = new CoordinateRect(0, time * dt, -0.5, features - 0.5);
        map.Add.ColorBar(heatmap).Label = "attribution";
        map.Axes.SetLimits(0, time * dt, -0.5, features - 0.5);
        // Features are whole numbers: no 0.2 ticks.
        map.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

        var bar = new Plot();
        bar.XLabel(xLabel);
        bar.YLabel("total per step");
        var bars = bar.Add.Bars([.. Enumerable.Range(0, time).Select(t => (t + 0.5) * dt)], totals);
        foreach (Bar b in bars.Bars)
        {
            b.Size = dt * 0.9;
            b.FillColor = b.Value >= 0 ? Colors.Crimson : Colors.SteelBlue;
            b.LineWidth = 0;
        }

        bar.Axes.SetLimitsX(0, time * dt);
        float split = height * 0.68f;
        return PlotPanels.Render(width, height, [(map, new SKRect(0, 0, width, split)), (bar, new SKRect(0, split, width, height))]);
    }
}
