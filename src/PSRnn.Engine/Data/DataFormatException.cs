namespace PSRnn.Engine.Data;

/// <summary>
/// A file or buffer could not be read or written as data. <see cref="ErrorId"/> is stable: scripts and
/// tests match on it; the message names the file and says what was wrong.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorId">The stable identifier, such as <c>NpyTruncatedData</c>.</param>
    /// <param name="kind">The kind of problem.</param>
    /// <param name="fileName">The file or archive entry concerned, as the user named it; may be null.</param>
    /// <param name="message">What was wrong, and what to do about it.</param>
    /// <param name="inner">The underlying exception, if any.</param>
    public DataFormatException(string errorId, DataErrorKind kind, string? fileName, string message, Exception? inner = null)
        : base(fileName is null ? message : $"{fileName}: {message}", inner)
    {
        ErrorId = errorId;
        Kind = kind;
        FileName = fileName;
    }

    /// <summary>Creates an exception with no details; prefer the full constructor.</summary>
    public DataFormatException()
        : this("DataFormatError", DataErrorKind.InvalidData, null, "The data could not be read.")
    {
    }

    /// <summary>Creates an exception with a message only; prefer the full constructor.</summary>
    public DataFormatException(string message)
        : this("DataFormatError", DataErrorKind.InvalidData, null, message)
    {
    }

    /// <summary>Creates an exception with a message and cause only; prefer the full constructor.</summary>
    public DataFormatException(string message, Exception inner)
        : this("DataFormatError", DataErrorKind.InvalidData, null, message, inner)
    {
    }

    /// <summary>The stable error identifier.</summary>
    public string ErrorId { get; }

    /// <summary>The kind of problem.</summary>
    public DataErrorKind Kind { get; }

    /// <summary>The file or entry concerned, or null.</summary>
    public string? FileName { get; }
}
