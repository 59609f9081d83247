namespace PSRnn.Engine.Data;

/// <summary>
/// What kind of problem a <see cref="DataFormatException"/> reports. The names match PowerShell's
/// <c>ErrorCategory</c> members, so the cmdlets map one to the other by name.
/// </summary>
public enum DataErrorKind
{
    /// <summary>The content is malformed, truncated or inconsistent.</summary>
    InvalidData,
    /// <summary>The content is well-formed but uses a type or version PSRnn does not read.</summary>
    InvalidType,
    /// <summary>The content was refused because reading it would be unsafe (pickles, path escapes).</summary>
    SecurityError,
    /// <summary>The content asks for more than can be held (sizes that overflow, headers beyond the limit).</summary>
    LimitsExceeded,
}
