using System.Collections.Specialized;
using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Reads a stream's states as named tensors (lstm.h, lstm.c, ...).</para>
/// <para type="description">Returns an ordered hashtable of state name to float32 tensor (sequences, units), in model
/// order: "layer.h" for every recurrent layer, and "layer.c" for an LSTM's cell state. The tensors are copies: the
/// stream goes on without changing them. Export-NpyData writes the hashtable as an .npz file, and Import-NpyData
/// -AsHashtable with Set-RnnStreamState continues the stream later, in this process or another.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $stream = New-RnnModel -InputShape 0, 2 -Seed 1 | Add-LstmLayer 3 | New-RnnStream
///     $null = Invoke-RnnPrediction -Stream $stream -X (ConvertTo-RnnTensor ([float[]] (1..8 | ForEach-Object { $_ / 8 })) -Shape 4, 2)
///     Get-RnnStreamState -Stream $stream
///   </code>
///   <para>Runs as written: lstm.h and lstm.c, each (1, 3), after four steps.</para>
/// </example>
/// <example>
///   <code>
///     $stream | Get-RnnStreamState | Export-NpyData ./monitor-state.npz
///     # later, perhaps in another session:
///     $stream = $model | New-RnnStream
///     Import-NpyData ./monitor-state.npz -AsHashtable | Set-RnnStreamState -Stream $stream
///   </code>
///   <para>Saves a stream's states to an .npz file and continues the stream from them later.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "RnnStreamState")]
[OutputType(typeof(OrderedDictionary))]
public sealed class GetRnnStreamStateCommand : StreamCommandBase
{
    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var result = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, float[] values) in Stream.GetStates())
        {
            result[name] = new Tensor(values, Stream.Batch, values.Length / Stream.Batch) { Name = name };
        }

        WriteObject(result);
    }
}
