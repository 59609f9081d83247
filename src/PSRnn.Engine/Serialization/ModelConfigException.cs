namespace PSRnn.Engine.Serialization;

/// <summary>
/// A model file's configuration is unusable; <see cref="ModelFile"/> turns it into a <see cref="Data.DataFormatException"/>
/// naming the file. Internal: callers only ever see the DataFormatException.
/// </summary>
internal sealed class ModelConfigException : Exception
{
    public ModelConfigException(string errorId, string message, Exception? inner = null)
        : base(message, inner) => ErrorId = errorId;

    public ModelConfigException()
        : this("ModelBadConfig", "The model configuration is invalid.")
    {
    }

    public ModelConfigException(string message)
        : this("ModelBadConfig", message)
    {
    }

    public ModelConfigException(string message, Exception inner)
        : this("ModelBadConfig", message, inner)
    {
    }

    /// <summary>The stable error identifier (<c>ModelBadConfig</c>, <c>ModelUnknownLayer</c>, …).</summary>
    public string ErrorId { get; } = "ModelBadConfig";
}
