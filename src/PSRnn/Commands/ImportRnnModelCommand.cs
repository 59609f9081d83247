using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Reads a model saved by Export-RnnModel (or a training checkpoint), as Keras's load_model.</para>
/// <para type="description">Rebuilds the model from a .safetensors file's configuration and fills in its weights, history,
/// loss and — when the file has it — optimizer state, so the model predicts bit for bit as the saved one and trains on
/// exactly. Checkpoints written by Invoke-RnnTraining -CheckpointPath read the same way. The whole file is checked first
/// (header, configuration, every tensor's dtype and shape); a bad file is an error with a stable ErrorId and yields no
/// model. F16, BF16 and F64 weights are converted to float32.</para>
/// </summary>
/// <example>
///   <code>
///     $model = Import-RnnModel ./speech.safetensors
///   </code>
///   <para>Reads a model; it prints as Keras's summary table.</para>
/// </example>
/// <example>
///   <code>
///     Get-ChildItem ./checkpoints -Filter *.best.safetensors | Import-RnnModel
///   </code>
///   <para>Reads every best-epoch checkpoint of a folder.</para>
/// </example>
[Cmdlet(VerbsData.Import, "RnnModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Sequential))]
public sealed class ImportRnnModelCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>
    /// <para type="description">Files to read; wildcards are allowed.</para>
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

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in literal ? LiteralPath : Path)
        {
            foreach (string file in PathResolver.ResolveExisting(this, path, literal))
            {
                try
                {
                    WriteObject(ModelFile.Load(file));
                }
                catch (DataFormatException e)
                {
                    WriteError(Errors.FromData(e, file));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    WriteError(Errors.Create("ModelReadFailed", ErrorCategory.ReadError, file, $"Cannot read '{file}': {e.Message}", e));
                }
            }
        }
    }
}
