namespace PSRnn.Engine.Layers;

/// <summary>
/// A model cannot be built, trained or used as asked: a layer that needs sequences after one that returns vectors,
/// features that do not match, an empty model, a loss that became NaN. <see cref="ErrorId"/> is stable.
/// </summary>
public sealed class ModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errorId">The stable identifier, such as <c>LayerNeedsSequence</c>.</param>
    /// <param name="message">What was wrong and what to do.</param>
    /// <param name="inner">The cause, if any.</param>
    public ModelException(string errorId, string message, Exception? inner = null)
        : base(message, inner) => ErrorId = errorId;

    /// <summary>Creates an exception with no details; prefer the full constructor.</summary>
    public ModelException()
        : this("ModelError", "The model cannot be used as asked.")
    {
    }

    /// <summary>Creates an exception with a message only; prefer the full constructor.</summary>
    public ModelException(string message)
        : this("ModelError", message)
    {
    }

    /// <summary>Creates an exception with a message and cause only; prefer the full constructor.</summary>
    public ModelException(string message, Exception inner)
        : this("ModelError", message, inner)
    {
    }

    /// <summary>The stable error identifier.</summary>
    public string ErrorId { get; } = "ModelError";
}
