using System.Management.Automation;
using PSRnn.Engine.IO;

namespace PSRnn.Infrastructure;

/// <summary>Renders a picture and writes it atomically, turning a missing native renderer or a failed write into the
/// cmdlet's errors: what the plot-exporting cmdlets share.</summary>
internal static class PlotWriter
{
    /// <param name="cmdlet">The cmdlet reporting errors.</param>
    /// <param name="file">The target, already resolved and checked.</param>
    /// <param name="overwrite">-Force.</param>
    /// <param name="render">Makes the PNG bytes.</param>
    /// <param name="errorPrefix">Starts the error IDs: &lt;prefix&gt;RendererMissing, &lt;prefix&gt;WriteFailed.</param>
    public static void Write(PSCmdlet cmdlet, string file, bool overwrite, Func<byte[]> render, string errorPrefix)
    {
        byte[] png;
        try
        {
            png = render();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            cmdlet.ThrowTerminatingError(Errors.Create(errorPrefix + "RendererMissing", ErrorCategory.NotInstalled, file,
                $"Cannot draw the plot: the native drawing library (SkiaSharp) did not load on this platform: {Errors.Describe(e)}", e));
            return;
        }

        try
        {
            AtomicFile.Write(file, stream => stream.Write(png), overwrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk or a read-only folder keeps its own ID (DiskFull, WriteAccessDenied), as every export does.
            cmdlet.ThrowTerminatingError(Errors.WriteFailed(errorPrefix + "WriteFailed", file, $"Cannot write '{file}': {Errors.Describe(e)}", e));
        }
    }
}
