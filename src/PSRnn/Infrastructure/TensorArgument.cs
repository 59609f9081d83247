using System.Management.Automation;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>Turns what a script passes (tensors, .NET arrays, nested arrays, numbers) into engine tensors.</summary>
internal static class TensorArgument
{
    /// <summary>Strips PowerShell's PSObject wrapper so the engine sees the .NET value.</summary>
    public static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

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
