using System.Management.Automation;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>
/// -Y's conversion: what <see cref="TensorTransformationAttribute"/> takes, and also jagged label sequences for CTC (an
/// array of label arrays of different lengths), padded with 0 into a tensor that remembers their lengths
/// (<see cref="RaggedTargets"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TargetTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => Convert(inputData);

    /// <summary>The tensor for <paramref name="inputData"/>, padded when it is jagged.</summary>
    internal static Tensor Convert(object? inputData)
    {
        try
        {
            return TensorArgument.Convert(inputData, null, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            if (RaggedTargets.TryPad(inputData, out Tensor padded))
            {
                return padded;
            }

            throw new ArgumentTransformationMetadataException($"Cannot convert the value to a tensor: {Errors.Describe(e)}", e);
        }
    }
}
