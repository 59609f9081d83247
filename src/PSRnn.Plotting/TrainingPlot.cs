using PSRnn.Engine.Training;
using ScottPlot;
using SkiaSharp;

namespace PSRnn.Plotting;

/// <summary>Draws a training history as Keras users plot it: loss per epoch on the left, the metric (accuracy or MAE) on
/// the right, training and validation curves in each, as one PNG.</summary>
public static class TrainingPlot
{
    /// <summary>Renders the PNG bytes. The history must hold at least one epoch.</summary>
    public static byte[] RenderPng(IReadOnlyList<EpochRecord> history, string title, int width, int height)
    {
        // Before any ScottPlot type: its static font setup already calls into SkiaSharp's native library.
        NativeAssets.EnsureResolvers();
        double[] epochs = [.. history.Select(r => (double)r.Epoch)];
        string? metric = history[0].Metrics.Keys.OrderBy(k => k == "accuracy" ? 0 : 1).ThenBy(k => k, StringComparer.Ordinal).FirstOrDefault();

        var panels = new List<Plot> { Panel($"{title}: loss", "loss", epochs, [.. history.Select(r => r.Loss)], Validation(history, r => r.ValidationLoss), Alignment.UpperRight) };
        if (metric is not null)
        {
            panels.Add(Panel($"{title}: {metric}", metric, epochs,
                [.. history.Select(r => r.Metrics.TryGetValue(metric, out double v) ? v : double.NaN)],
                Validation(history, r => r.ValidationMetrics is { } m && m.TryGetValue(metric, out double v) ? v : null),
                metric == "accuracy" ? Alignment.LowerRight : Alignment.UpperRight));
        }

        float panelWidth = (float)width / panels.Count;
        return PlotPanels.Render(width, height, [.. panels.Select((p, i) => (p, new SKRect(i * panelWidth, 0, (i + 1) * panelWidth, height)))]);
    }

    private static double[]? Validation(IReadOnlyList<EpochRecord> history, Func<EpochRecord, double?> pick) =>
        history.Any(r => pick(r) is not null) ? [.. history.Select(r => pick(r) ?? double.NaN)] : null;

    private static Plot Panel(string title, string yLabel, double[] epochs, double[] train, double[]? validation, Alignment legend)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        var trainLine = plot.Add.Scatter(epochs, train);
        trainLine.LegendText = "training";
        trainLine.LineWidth = 2;
        if (validation is not null)
        {
            var validationLine = plot.Add.Scatter(epochs, validation);
            validationLine.LegendText = "validation";
            validationLine.LineWidth = 2;
        }

        // Epochs are whole numbers: no 1.5 ticks.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        // Where the curves are not: losses fall, accuracy rises.
        plot.ShowLegend(legend);
        return plot;
    }
}
