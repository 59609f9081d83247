using System.Management.Automation;
using PSRnn.Engine.Data;
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
            "ModelEmpty" or "TrainingLossNotFinite" => ErrorCategory.InvalidOperation,
            "LayerNotFound" or "WeightNotFound" => ErrorCategory.ObjectNotFound,
            "DataNotFinite" or "LabelOutOfRange" or "EmbeddingIndexOutOfRange" => ErrorCategory.InvalidData,
            _ => ErrorCategory.InvalidArgument,
        }, target);

    /// <summary>An ErrorRecord with a fresh exception of the given message.</summary>
    public static ErrorRecord Create(string errorId, ErrorCategory category, object? target, string message,
        Exception? inner = null) =>
        new(new PSArgumentException(message, inner!), errorId, category, target);

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
