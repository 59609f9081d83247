using System.Management.Automation;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>Turns what a script passes (tensors, .NET arrays, nested arrays, numbers) into engine tensors.</summary>
internal static class TensorArgument
{
    /// <summary>Strips PowerShell's PSObject wrapper so the engine sees the .NET value.</summary>
    public static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

    /// <summary>
    /// One of -ValidationData's values as a tensor (targets may be jagged label sequences, for CTC; samples never are);
    /// a value that is neither stops <paramref name="cmdlet"/> with TensorConversionFailed.
    /// </summary>
    public static Tensor ConvertValidation(Cmdlet cmdlet, object value, string what, bool targets)
    {
        try
        {
            return targets ? TargetTransformationAttribute.Convert(value) : Convert(value, null, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException or ArgumentTransformationMetadataException)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, value,
                $"Cannot read {what} of -ValidationData: {Errors.Describe(e)}", e));
            throw; // not reached
        }
    }

    /// <summary>Converts a value, keeping a tensor as it is (not copied).</summary>
    public static Tensor Convert(object? value, DType? dtype, out long inexact)
    {
        if (Unwrap(value) is Tensor tensor && (dtype is null || dtype == tensor.DType))
        {
            inexact = 0;
            return tensor;
        }

        return TensorConverter.FromObject(value, dtype, Unwrap, out inexact);
    }
}
