using System.Management.Automation;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Makes a tensor from numbers, arrays or another tensor.</para>
/// <para type="description">Takes a number, a .NET array of any rank, nested PowerShell arrays or a tensor, and
/// returns a tensor; -Shape reshapes it (one dimension may be -1) and -DType converts it. Numbers piped in one at a
/// time are gathered into one tensor, so 1..6 | ConvertTo-RnnTensor -Shape 2,3 gives a 2×3 tensor. The dtype is
/// inferred as NumPy's np.array does unless -DType is given; integer dtypes accept only whole numbers in range, and
/// a warning says how many values were rounded by a conversion to a float dtype.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     1..6 | ConvertTo-RnnTensor -Shape 2, 3
///   </code>
///   <para>Gathers six numbers into a 2x3 int32 tensor.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     ConvertTo-RnnTensor @(@(0.5, 1.5), @(2.5, 3.5)) -DType Float32
///   </code>
///   <para>Builds a 2x2 float32 tensor from nested arrays.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "RnnTensor")]
[OutputType(typeof(Tensor))]
public sealed class ConvertToRnnTensorCommand : GatheringCmdlet
{
    /// <summary>
    /// <para type="description">The values: a number, an array (any rank, or nested), or a tensor.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>
    /// <para type="description">The shape of the result; one dimension may be -1 to infer it.</para>
    /// </summary>
    [Parameter(Position = 1)]
    [ValidateNotNull]
    public int[]? Shape { get; set; }

    /// <summary>
    /// <para type="description">The element type (NumPy names: Float32, Float64, Int64, UInt8, Bool, …).</para>
    /// </summary>
    [Parameter]
    public DType? DType { get; set; }

    /// <inheritdoc />
    protected override object? CurrentInput => InputObject;

    /// <inheritdoc />
    protected override void Emit(object? value)
    {
        Tensor tensor;
        long inexact;
        try
        {
            tensor = TensorArgument.Convert(value, DType, out inexact);
            if (ReferenceEquals(tensor, TensorArgument.Unwrap(value)))
            {
                tensor = tensor.Clone();
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, value,
                $"Cannot convert the input to a tensor: {Errors.Describe(e)}", e));
            return;
        }

        if (inexact > 0)
        {
            WriteWarning($"{inexact} of {tensor.Length} values were rounded converting to {tensor.DType.NumpyName()}.");
        }

        if (Shape is not null)
        {
            if (!Tensor.TryResolveShape(Shape, tensor.Length, out int[]? shape, out string? problem))
            {
                ThrowTerminatingError(Errors.Create("TensorShapeMismatch", ErrorCategory.InvalidArgument, Shape,
                    $"Cannot reshape {tensor.Length} values of shape {tensor.ShapeText} into {Tensor.FormatShape(Shape)}: {problem}."));
                return;
            }

            tensor = tensor.Reshape(shape);
        }

        WriteObject(tensor);
    }
}
