using System.Management.Automation;
using PSRnn.Engine.Data;
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
/// <para type="description">With -Property, the input is objects read as the rows of a table — what Import-Csv gives —
/// and the result is (N, columns), float64 unless -DType says otherwise: each row's named properties in the order
/// given, numbers as they are and text read in the invariant culture (1234.5, -1e-05, nan, inf, True/False; what
/// Export-Csv and Python's csv module write), hashtables by key. A column whose first value is a date (a DateTime or
/// date text such as 2024-03-01T13:00:00) becomes, in its place, sin and cos columns for each -DateTimeFeatures
/// (Hour, Minute, Weekday, DayOfMonth, Month, DayOfYear), so 23:00 lies next to 00:00; the clock is the value's own,
/// not converted to this machine's zone. A missing property, an empty or unreadable cell, and a date column without
/// -DateTimeFeatures are errors naming the row (1-based) and the column.</para>
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
/// <example>
///   <code>
///     Import-Csv weather.csv | ConvertTo-RnnTensor -Property Temperature, Humidity, Time -DateTimeFeatures Hour, Weekday -DType Float32
///   </code>
///   <para>A (N, 6) float32 table: two numeric columns, then sin and cos of the hour and of the weekday of Time.</para>
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

    /// <summary>
    /// <para type="description">Read the input objects as table rows, these properties (columns) in this order.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Property { get; set; }

    /// <summary>
    /// <para type="description">With -Property: the cyclical features (sin and cos each) that a date column becomes.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public DateTimeFeature[]? DateTimeFeatures { get; set; }

    /// <inheritdoc />
    protected override object? CurrentInput => InputObject;

    /// <inheritdoc />
    protected override void Emit(object? value)
    {
        Tensor tensor;
        long inexact;
        if (DateTimeFeatures is not null && Property is null)
        {
            ThrowTerminatingError(Errors.Create("DateTimeFeaturesWithoutProperty", ErrorCategory.InvalidArgument, DateTimeFeatures,
                "-DateTimeFeatures applies to the date columns of a table: give the columns with -Property."));
            return;
        }

        if (Property is not null)
        {
            try
            {
                double[,] table = TableRows.Read(TableRows.AsRows(value), Property, DateTimeFeatures, out _, out _);
                // Decimal text is rarely exact in binary: a table converted to float32 is not warned about.
                tensor = TableRows.ToTensor(table, DType, out _);
            }
            catch (DataFormatException e)
            {
                ThrowTerminatingError(Errors.FromData(e, value));
                return;
            }
            catch (Exception e) when (e is InvalidCastException or OverflowException)
            {
                ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, value,
                    $"Cannot convert the table to {DType}: {Errors.Describe(e)}", e));
                return;
            }

            WriteObject(Shape is null ? tensor : Reshaped(tensor));
            return;
        }

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

        WriteObject(Shape is null ? tensor : Reshaped(tensor));
    }

    private Tensor Reshaped(Tensor tensor)
    {
        if (!Tensor.TryResolveShape(Shape!, tensor.Length, out int[]? shape, out string? problem))
        {
            ThrowTerminatingError(Errors.Create("TensorShapeMismatch", ErrorCategory.InvalidArgument, Shape,
                $"Cannot reshape {tensor.Length} values of shape {tensor.ShapeText} into {Tensor.FormatShape(Shape!)}: {problem}."));
        }

        return tensor.Reshape(shape!);
    }
}
