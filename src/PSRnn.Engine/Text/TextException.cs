namespace PSRnn.Engine.Text;

/// <summary>
/// Text cannot be made into token ids as asked: an empty or repeated vocabulary, a bad setting, an id outside the
/// vocabulary. <see cref="ErrorId"/> is stable.
/// </summary>
public sealed class TextException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorId">The stable identifier, such as <c>VocabularyEmpty</c>.</param>
    /// <param name="message">What was wrong and what to do.</param>
    /// <param name="inner">The cause, if any.</param>
    public TextException(string errorId, string message, Exception? inner = null)
        : base(message, inner) => ErrorId = errorId;

    /// <summary>Creates an exception with no details; prefer the full constructor.</summary>
    public TextException()
        : this("TextError", "The text cannot be used as asked.")
    {
    }

    /// <summary>Creates an exception with a message only; prefer the full constructor.</summary>
    public TextException(string message)
        : this("TextError", message)
    {
    }

    /// <summary>Creates an exception with a message and cause only; prefer the full constructor.</summary>
    public TextException(string message, Exception inner)
        : this("TextError", message, inner)
    {
    }

    /// <summary>The stable error identifier.</summary>
    public string ErrorId { get; } = "TextError";
}
