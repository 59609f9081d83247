using System.Management.Automation;

namespace PSRnn.Infrastructure;

/// <summary>
/// A cmdlet that takes one value as a parameter, or gathers everything piped to it into one value: PowerShell
/// unrolls arrays on the pipeline, so <c>1..6 | Cmd</c> must mean the list 1..6, while <c>Cmd -InputObject $x</c>
/// and a single piped object mean the object itself.
/// </summary>
public abstract class GatheringCmdlet : PSCmdlet
{
    private readonly List<object?> _piped = [];

    /// <summary>The value bound in this ProcessRecord call.</summary>
    protected abstract object? CurrentInput { get; }

    /// <summary>Handles the whole value.</summary>
    protected abstract void Emit(object? value);

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (MyInvocation.ExpectingInput)
        {
            _piped.Add(CurrentInput);
        }
        else
        {
            Emit(CurrentInput);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (_piped.Count > 0)
        {
            Emit(_piped.Count == 1 ? _piped[0] : _piped);
        }
    }
}
