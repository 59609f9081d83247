namespace PSRnn.Engine.IO;

/// <summary>
/// A file could not be written; the previous file, if any, is intact and no partial file is left. <see cref="ErrorId"/> is
/// stable: <c>DiskFull</c> (no space or quota left), <c>WriteAccessDenied</c> (a read-only folder, file or volume, or no
/// permission), or <c>WriteFailed</c> (any other I/O error). It is an <see cref="IOException"/>, so callers that handle
/// I/O errors handle it too.
/// </summary>
public sealed class FileWriteException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorId">The stable identifier.</param>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="inner">The operating system's error.</param>
    public FileWriteException(string errorId, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        if (inner is not null)
        {
            HResult = inner.HResult;
        }
    }

    /// <summary>Creates an exception with no details; prefer the full constructor.</summary>
    public FileWriteException()
        : this("WriteFailed", "The file could not be written.")
    {
    }

    /// <summary>Creates an exception with a message only; prefer the full constructor.</summary>
    public FileWriteException(string message)
        : this("WriteFailed", message)
    {
    }

    /// <summary>Creates an exception with a message and cause only; prefer the full constructor.</summary>
    public FileWriteException(string message, Exception inner)
        : this("WriteFailed", message, inner)
    {
    }

    /// <summary>The stable error identifier.</summary>
    public string ErrorId { get; } = "WriteFailed";
}
