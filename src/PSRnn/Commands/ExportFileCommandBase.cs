using System.Management.Automation;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// What every Export cmdlet shares: the target as -Path (wildcards must name one file) or -LiteralPath, -Force to
/// replace an existing file, and -PassThru to return its FileInfo.
/// </summary>
public abstract class ExportFileCommandBase : PSCmdlet
{
    /// <summary>The parameter set of -Path.</summary>
    protected const string PathSet = "Path";

    /// <summary>The parameter set of -LiteralPath.</summary>
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>
    /// <para type="description">The file to write.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>
    /// <para type="description">The file to write, taken literally (no wildcards).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>
    /// <para type="description">Replaces an existing file. A symbolic link is written through: the file it leads to is
    /// replaced (atomically) and the link kept. A FIFO, a device, a socket, or a link that leads to one of these, to a
    /// folder or to nothing, is never replaced (FileNotRegular), with or without -Force; a folder is ExportPathIsFolder.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// <para type="description">Returns the written file as Get-Item does: a FileInfo with the file system provider's
    /// properties, which its default table view shows.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// With -PassThru, writes the file as the FileSystem provider returns it (PSPath, PSParentPath, and on Unix the
    /// UnixStat its table view reads for mode, owner and size): a bare FileInfo would print with empty columns.
    /// </summary>
    protected void WritePassThru(string file)
    {
        if (PassThru)
        {
            WriteObject(SessionState.InvokeProvider.Item.Get([file], force: true, literalPath: true), enumerateCollection: true);
        }
    }

    /// <summary>The file-system path the user named.</summary>
    protected string ResolveTarget()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        return PathResolver.ResolveForWrite(this, literal ? LiteralPath : Path, literal);
    }
}
