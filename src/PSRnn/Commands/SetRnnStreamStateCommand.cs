using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Writes a stream's states from named tensors: continues a saved stream, or seeds one (Keras's
/// initial_state).</para>
/// <para type="description">-State takes a hashtable of state name to tensor, as Get-RnnStreamState returns and Import-NpyData
/// -AsHashtable reads from an .npz file; -Name and -Value set one state. Names are those Get-RnnStreamState lists:
/// "layer.h" for every recurrent layer, "layer.c" for an LSTM's cell state; a hashtable may give some of them only, the
/// others keep their values. Each tensor is (sequences, units), or (units) for a stream of one sequence; values are
/// converted to float32. Every name and shape is checked before any state changes: an unknown name is
/// StreamStateUnknown, a wrong shape StreamStateShape, NaN or infinity DataNotFinite. The step count is unchanged.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $stream = New-RnnModel -InputShape 0, 1 -Seed 1 | Add-SimpleRnnLayer 2 | New-RnnStream
///     Set-RnnStreamState -Stream $stream -Name simple_rnn.h -Value @(0.5, -0.5) -PassThru | Get-RnnStreamState
///   </code>
///   <para>Runs as written: seeds the SimpleRNN's h with (0.5, -0.5), as Keras's initial_state, and shows it.</para>
/// </example>
/// <example>
///   <code>
///     $saved = $stream | Get-RnnStreamState
///     $other = $model | New-RnnStream
///     $other | Set-RnnStreamState -State $saved
///   </code>
///   <para>A second stream continues from where the first one is, and the two go on independently.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "RnnStreamState", DefaultParameterSetName = StateSet, SupportsShouldProcess = true,
    ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RnnStream))]
public sealed class SetRnnStreamStateCommand : StreamCommandBase
{
    private const string StateSet = "State";
    private const string NameSet = "Name";

    /// <summary>
    /// <para type="description">The states: a hashtable of state name (lstm.h, lstm.c, ...) to tensor or array; accepts
    /// pipeline input.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = StateSet)]
    [ValidateNotNull]
    public IDictionary State { get; set; } = null!;

    /// <summary>
    /// <para type="description">The name of one state: "layer.h", or "layer.c" for an LSTM.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = null!;

    /// <summary>
    /// <para type="description">The values of the state named by -Name: a tensor or an array, (sequences, units).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = NameSet)]
    [ValidateNotNull]
    public object Value { get; set; } = null!;

    /// <summary>
    /// <para type="description">Returns the stream.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IReadOnlyDictionary<string, float[]> current = Stream.GetStates();
        var pending = new List<(string Name, float[] Values)>();
        if (ParameterSetName == NameSet)
        {
            pending.Add(Check(current, Name, Value));
        }
        else
        {
            foreach (DictionaryEntry entry in State)
            {
                pending.Add(Check(current, Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "", entry.Value));
            }
        }

        if (!ShouldProcess($"stream of {Stream.Batch} sequence(s) through '{Stream.Model.Name}'",
            $"Set {string.Join(", ", pending.Select(p => p.Name))}"))
        {
            return;
        }

        try
        {
            foreach ((string name, float[] values) in pending)
            {
                Stream.SetState(name, values);
            }
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Stream));
            return;
        }

        if (PassThru)
        {
            WriteObject(Stream);
        }
    }

    /// <summary>The engine's name and float32 values for one state, or a terminating error.</summary>
    private (string Name, float[] Values) Check(IReadOnlyDictionary<string, float[]> current, string name, object? value)
    {
        string? known = current.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            ThrowTerminatingError(Errors.FromModel(new ModelException("StreamStateUnknown",
                $"The stream has no state '{name}'; it has {string.Join(", ", current.Keys)} (Get-RnnStreamState lists them)."), name));
        }

        int units = current[known!].Length / Stream.Batch;
        Tensor tensor;
        try
        {
            tensor = TensorArgument.Convert(value, DType.Float32, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException or FormatException)
        {
            ThrowTerminatingError(Errors.Create("StreamStateInvalidValue", ErrorCategory.InvalidArgument, value,
                $"State '{known}': {Errors.Describe(e)} Give a tensor or an array of numbers, ({Stream.Batch}, {units}).", e));
            throw;
        }

        int[] shape = tensor.Shape;
        bool fits = (shape.Length == 2 && shape[0] == Stream.Batch && shape[1] == units) ||
            (shape.Length == 1 && Stream.Batch == 1 && shape[0] == units);
        if (!fits)
        {
            ThrowTerminatingError(Errors.FromModel(new ModelException("StreamStateShape", string.Create(CultureInfo.InvariantCulture,
                $"State '{known}' is ({Stream.Batch}, {units}): {Stream.Batch} sequence(s) × {units} units; the value given has shape {tensor.ShapeText}.")), value));
        }

        float[] values = tensor.AsSpan<float>().ToArray();
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            ThrowTerminatingError(Errors.FromModel(new ModelException("DataNotFinite", string.Create(CultureInfo.InvariantCulture,
                $"State '{known}' holds {(float.IsNaN(values[bad]) ? "NaN" : "an infinite value")} at sequence {bad / units}, unit {bad % units}; a state must be finite.")), value));
        }

        return (known!, values);
    }
}
