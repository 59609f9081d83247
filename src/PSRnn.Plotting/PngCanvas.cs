using SkiaSharp;

namespace PSRnn.Plotting;

/// <summary>A white canvas of the given size, drawn on and encoded as PNG: what every picture of the module does.</summary>
internal static class PngCanvas
{
    public static byte[] Render(int width, int height, Action<SKCanvas> draw)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height)) ??
            throw new InvalidOperationException($"Cannot make a {width}×{height} drawing surface.");
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using SKImage image = surface.Snapshot();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
