using ScottPlot;
using SkiaSharp;

namespace PSRnn.Plotting;

/// <summary>Several ScottPlot plots on one PNG, each in its own rectangle: the multi-panel pictures share this.</summary>
internal static class PlotPanels
{
    public static byte[] Render(int width, int height, IReadOnlyList<(Plot Plot, SKRect Rect)> panels) =>
        PngCanvas.Render(width, height, canvas =>
        {
            foreach ((Plot plot, SKRect rect) in panels)
            {
                // Each plot fills its canvas' clip with its background, so clip to its own panel.
                canvas.Save();
                canvas.ClipRect(rect);
                plot.Render(canvas, new PixelRect(rect.Left, rect.Right, rect.Bottom, rect.Top));
                canvas.Restore();
            }
        });

    /// <summary>The x label and value of step t: seconds from the step's start when the step length is known.</summary>
    public static (string Label, double Scale) TimeAxis(double? stepSeconds) =>
        stepSeconds is double s && s > 0 ? ("time (s)", s) : ("time step", 1.0);
}
