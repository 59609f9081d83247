using System.Management.Automation;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// What every Import cmdlet shares: its files as -Path (wildcards allowed, from the pipeline too) or -LiteralPath
/// (Get-ChildItem output binds here), each resolved to the existing files it names.
/// </summary>
public abstract class ImportFileCommandBase : PSCmdlet
{
    /// <summary>The parameter set of -Path.</summary>
    protected const string PathSet = "Path";

    /// <summary>The parameter set of -LiteralPath.</summary>
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>
    /// <para type="description">Files to read; wildcards are allowed. Only regular files are read (symbolic links are
    /// followed): a FIFO, a device such as /dev/zero or a socket is refused (FileNotRegular) without being opened, a
    /// folder is skipped (PathIsFolder).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true,
        ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>
    /// <para type="description">Files to read, taken literally (no wildcards). Get-ChildItem output binds here.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>
    /// The existing files this record's -Path or -LiteralPath names, in order; a path that names none is reported as
    /// PathResolver does and skipped.
    /// </summary>
    /// <param name="kind">The kind of file, for the messages (null: "file").</param>
    protected IEnumerable<string> ResolvedFiles(string? kind = null)
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in literal ? LiteralPath : Path)
        {
            foreach (string file in kind is null
                ? PathResolver.ResolveExisting(this, path, literal)
                : PathResolver.ResolveExisting(this, path, literal, kind))
            {
                yield return file;
            }
        }
    }
}
