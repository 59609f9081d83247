using System.Management.Automation;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>
/// Lets a <see cref="Tensor"/> parameter take plain .NET arrays, nested PowerShell arrays and numbers as well as
/// tensors, so <c>-X $tensor</c> and <c>-X @(@(1,2),@(3,4))</c> both bind.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TensorTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            return TensorArgument.Convert(inputData, null, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            throw new ArgumentTransformationMetadataException($"Cannot convert the value to a tensor: {Errors.Describe(e)}", e);
        }
    }
}
