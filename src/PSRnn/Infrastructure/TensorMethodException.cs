using System.Management.Automation;

namespace PSRnn.Infrastructure;

/// <summary>
/// A tensor method's error as PowerShell reports it: PowerShell passes a <see cref="MethodInvocationException"/> from a
/// method on unwrapped, and takes its <see cref="ErrorRecord"/> as it is, so the error keeps PSRnn's ID and message.
/// </summary>
internal sealed class TensorMethodException : MethodInvocationException
{
    private readonly ErrorRecord _record;

    public TensorMethodException(string errorId, ErrorCategory category, string message, Exception inner)
        : base(message, inner) =>
        _record = new ErrorRecord(new PSArgumentException(message, inner), errorId, category, null);

    /// <inheritdoc />
    public override ErrorRecord ErrorRecord => _record;
}
