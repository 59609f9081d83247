using System.Management.Automation;

namespace PSRnn.Infrastructure;

/// <summary>
/// Binds -OnEpochEnd and -OnBatchEnd: a script block passes; anything else (text of code, a function's name) gets a
/// message that shows the form to use, rather than the binder's bare conversion failure.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class CallbackTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is ScriptBlock or null)
        {
            return value!;
        }

        throw new ArgumentTransformationMetadataException(
            $"A training callback is a script block in braces, such as {{ param($record, $model) Write-Host $record.Loss }}; " +
            $"'{value}' is a {value.GetType().Name}. For a function, pass {{ param($r, $m) MyFunction $r $m }}.");
    }
}
