namespace PSRnn.Engine.Data;

/// <summary>Exception messages as a user should read them, for errors that pass an exception's message on.</summary>
public static class ExceptionText
{
    /// <summary>
    /// The message without the " (Parameter 'x')" that .NET appends to an ArgumentException naming a parameter, and the
    /// "Actual value was …" an ArgumentOutOfRangeException adds after it: the user named no such parameter.
    /// </summary>
    public static string Plain(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string message = exception.Message;
        if (exception is ArgumentException { ParamName: { Length: > 0 } name })
        {
            int tail = message.LastIndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
            if (tail >= 0)
            {
                message = message[..tail];
            }
        }

        return message;
    }
}
