using System.Management.Automation;
using PSRnn.Engine.Models;

namespace PSRnn.Commands;

/// <summary>What the stream cmdlets share: the stream, from the pipeline or -Stream.</summary>
public abstract class StreamCommandBase : PSCmdlet
{
    /// <summary>
    /// <para type="description">The stream, from New-RnnStream; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnStream Stream { get; set; } = null!;
}
