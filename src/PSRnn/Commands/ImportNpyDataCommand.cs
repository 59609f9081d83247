using System.Collections.Specialized;
using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Reads NumPy .npy and .npz files into tensors.</para>
/// <para type="description">Reads NumPy's .npy format (versions 1.0, 2.0 and 3.0; bool, signed and unsigned integers,
/// float16/32/64; either byte order; C or Fortran order) exactly as stored. A .npz archive yields each of its arrays,
/// named. Object arrays (pickles) are refused, never loaded.</para>
/// </summary>
/// <example>
///   <code>
///     $x = Import-NpyData ./speech.npy
///   </code>
///   <para>Reads one array; the result prints its shape, dtype and a preview.</para>
/// </example>
/// <example>
///   <code>
///     Get-ChildItem ./data -Filter *.npy | Import-NpyData
///   </code>
///   <para>Reads every .npy file of a folder.</para>
/// </example>
/// <example>
///   <code>
///     $data = Import-NpyData ./dataset.npz -AsHashtable
///     $data['x_train'].Shape
///   </code>
///   <para>Reads an archive as NumPy's np.load does: name to array.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     1..6 | ConvertTo-RnnTensor -Shape 2, 3 | Export-NpyData ./six.npy
///     Import-NpyData ./six.npy
///   </code>
///   <para>Runs as written: writes a small array, then reads it back.</para>
/// </example>
[Cmdlet(VerbsData.Import, "NpyData", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Tensor), typeof(OrderedDictionary))]
public sealed class ImportNpyDataCommand : ImportFileCommandBase
{
    /// <summary>
    /// <para type="description">Returns one ordered dictionary per file, from array name to tensor, as NumPy's
    /// np.load of a .npz gives (a .npy file's array is under its file name without extension). Names are case-sensitive,
    /// as NumPy's: an archive with X.npy and x.npy gives both X and x.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter AsHashtable { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        foreach (string file in ResolvedFiles())
        {
            ReadFile(file);
        }
    }

    private void ReadFile(string file)
    {
        IReadOnlyList<Tensor> tensors;
        try
        {
            tensors = NumpyFile.Load(file);
        }
        catch (DataFormatException e)
        {
            WriteError(Errors.FromData(e, file));
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(Errors.Create("NpyReadFailed", ErrorCategory.ReadError, file, $"Cannot read '{file}': {Errors.Describe(e)}", e));
            return;
        }

        if (!AsHashtable)
        {
            foreach (Tensor tensor in tensors)
            {
                WriteObject(tensor);
            }

            return;
        }

        // Ordinal, as NumPy's keys: an archive may hold both X.npy and x.npy, and both are kept.
        var byName = new OrderedDictionary(StringComparer.Ordinal);
        foreach (Tensor tensor in tensors)
        {
            byName[tensor.Name ?? System.IO.Path.GetFileNameWithoutExtension(file)] = tensor;
        }

        WriteObject(byName);
    }
}
