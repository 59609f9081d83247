using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;

namespace PSRnn.Infrastructure;

/// <summary>Builds the ErrorRecords the cmdlets report, so every error has a stable ID and a category.</summary>
internal static class Errors
{
    /// <summary>An ErrorRecord for a data problem the engine found, keeping its stable ID.</summary>
    public static ErrorRecord FromData(DataFormatException exception, object? target) =>
        new(exception, exception.ErrorId, Category(exception.Kind), target);

    /// <summary>An ErrorRecord for a model problem the engine found, keeping its stable ID.</summary>
    public static ErrorRecord FromModel(ModelException exception, object? target) =>
        new(exception, exception.ErrorId, exception.ErrorId switch
        {
            "ModelEmpty" or "TrainingLossNotFinite" or "StreamModelChanged" or "ScheduledLearningRateInvalid" => ErrorCategory.InvalidOperation,
            "StreamBidirectional" or "StreamGoBackwards" or "StreamNoRecurrentLayer" or "StreamUnsupportedLayer" => ErrorCategory.InvalidOperation,
            "InsufficientMemory" => ErrorCategory.LimitsExceeded,
            "OnnxRuntimeNotFound" => ErrorCategory.ObjectNotFound,
            "OnnxRuntimeProviderUnavailable" => ErrorCategory.ResourceUnavailable,
            "OnnxRuntimeFailed" => ErrorCategory.InvalidResult,
            "LayerNotFound" or "WeightNotFound" or "StreamStateUnknown" => ErrorCategory.ObjectNotFound,
            "DataNotFinite" or "LabelOutOfRange" or "LabelNotInteger" or "EmbeddingIndexOutOfRange" or "LossTargetNegative" => ErrorCategory.InvalidData,
            _ => ErrorCategory.InvalidArgument,
        }, target);

    /// <summary>An ErrorRecord with a fresh exception of the given message.</summary>
    public static ErrorRecord Create(string errorId, ErrorCategory category, object? target, string message,
        Exception? inner = null) =>
        new(new PSArgumentException(message, inner!), errorId, category, target);

    /// <summary>
    /// An ErrorRecord for a file that could not be written: a full disk and a read-only folder keep the engine's own IDs
    /// (<c>DiskFull</c>, <c>WriteAccessDenied</c>), and so does a target that is not a regular file (<c>FileNotRegular</c>);
    /// any other I/O failure gets the cmdlet's <paramref name="errorId"/>.
    /// </summary>
    public static ErrorRecord WriteFailed(string errorId, object? target, string message, Exception exception) =>
        exception is FileWriteException { ErrorId: "DiskFull" or "WriteAccessDenied" or InputFile.NotRegularErrorId } write
            ? new(write, write.ErrorId, write.ErrorId switch
            {
                "DiskFull" => ErrorCategory.WriteError,
                "WriteAccessDenied" => ErrorCategory.PermissionDenied,
                _ => ErrorCategory.InvalidType,
            }, target)
            : Create(errorId, ErrorCategory.WriteError, target, message, exception);

    /// <summary>An exception's message as a user should read it (<see cref="ExceptionText.Plain"/>).</summary>
    public static string Describe(Exception exception) => ExceptionText.Plain(exception);

    /// <summary>An ErrorRecord for a path that matched nothing, as PowerShell's own cmdlets report it.</summary>
    public static ErrorRecord PathNotFound(string path) =>
        new(new ItemNotFoundException($"Cannot find path '{path}' because it does not exist."), "PathNotFound",
            ErrorCategory.ObjectNotFound, path);

    private static ErrorCategory Category(DataErrorKind kind) => kind switch
    {
        DataErrorKind.InvalidData => ErrorCategory.InvalidData,
        DataErrorKind.InvalidType => ErrorCategory.InvalidType,
        DataErrorKind.SecurityError => ErrorCategory.SecurityError,
        DataErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        _ => ErrorCategory.NotSpecified,
    };
}
