using System.Collections;
using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Writes tensors to a NumPy .npy or .npz file.</para>
/// <para type="description">A .npy file holds one tensor; a .npz archive holds several, each under its Name (or
/// arr_0, arr_1, … as numpy.savez names them). NumPy reads the files back bit-exactly. The write is atomic: the
/// file is written beside the target and renamed into place, so an interrupted write never leaves a partial file.
/// An existing file is replaced only with -Force.</para>
/// </summary>
/// <example>
///   <code>
///     $x | Export-NpyData ./x.npy
///   </code>
///   <para>Writes one tensor; numpy.load reads it back exactly.</para>
/// </example>
/// <example>
///   <code>
///     Export-NpyData ./data.npz -InputObject ([ordered]@{ x = $x; y = $y }) -Compress -Force -PassThru
///   </code>
///   <para>Writes a deflated archive with two named arrays, replacing the file, and returns its FileInfo.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     1..6 | ConvertTo-RnnTensor -Shape 2, 3 | Export-NpyData ./six.npy -PassThru
///   </code>
///   <para>Writes a (2, 3) int32 array to six.npy in the current folder and returns the file.</para>
/// </example>
[Cmdlet(VerbsData.Export, "NpyData", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNpyDataCommand : ExportFileCommandBase
{
    private readonly List<Tensor> _tensors = [];

    /// <summary>
    /// <para type="description">The data: a tensor, an array, or a hashtable of name to tensor (for .npz). Accepts
    /// pipeline input; every tensor piped in goes into one file.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object InputObject { get; set; } = null!;

    /// <summary>
    /// <para type="description">Deflates the arrays in a .npz, as numpy.savez_compressed.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Compress { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        object? input = TensorArgument.Unwrap(InputObject);
        try
        {
            if (input is IDictionary named)
            {
                foreach (DictionaryEntry entry in named)
                {
                    Tensor tensor = TensorArgument.Convert(entry.Value, null, out _);
                    if (!ReferenceEquals(tensor, TensorArgument.Unwrap(entry.Value)) || tensor.Name != entry.Key.ToString())
                    {
                        // Renamed, not copied: a tensor sharing the same memory (a view stays a view).
                        tensor = tensor.Reshape(tensor.Shape);
                        tensor.Name = entry.Key.ToString();
                    }

                    _tensors.Add(tensor);
                }
            }
            else
            {
                _tensors.Add(TensorArgument.Convert(input, null, out _));
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            ThrowTerminatingError(Errors.Create("NpyExportInvalidInput", ErrorCategory.InvalidArgument, InputObject,
                $"Cannot export the input as NumPy data: {Errors.Describe(e)}", e));
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        string file = ResolveTarget();
        string extension = System.IO.Path.GetExtension(file);
        bool npz = extension.Equals(".npz", StringComparison.OrdinalIgnoreCase);
        if (!npz && !extension.Equals(".npy", StringComparison.OrdinalIgnoreCase))
        {
            ThrowTerminatingError(Errors.Create("NpyExportUnknownExtension", ErrorCategory.InvalidArgument, file,
                $"'{file}' must end in .npy (one tensor) or .npz (an archive of named tensors)."));
        }

        if (!npz && _tensors.Count != 1)
        {
            ThrowTerminatingError(Errors.Create("NpyExportNeedsOneTensor", ErrorCategory.InvalidArgument, file,
                $"A .npy file holds exactly one tensor, but {_tensors.Count} were given; write them to a .npz file instead."));
        }

        bool exists = PathResolver.CheckWriteTarget(this, file, Force);

        string action = $"Write {_tensors.Count} tensor(s) as {(npz ? (Compress ? "a deflated .npz" : "a .npz") : "a .npy")}" +
            (exists ? ", replacing the file" : "");
        if (!ShouldProcess(file, action))
        {
            return;
        }

        try
        {
            NumpyFile.Save(file, _tensors, Compress, overwrite: Force);
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, file));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("NpyExportInvalidInput", ErrorCategory.InvalidArgument, file, Errors.Describe(e), e));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.WriteFailed("NpyWriteFailed", file,
                $"Cannot write '{file}': {Errors.Describe(e)}", e));
        }

        WritePassThru(file);
    }
}
