using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>
/// The tensor methods scripts call — .Reshape(), .GetValue(), .SetValue(), .ToScalar(), .Slice() — as PowerShell code methods
/// (module/PSRnn.Types.ps1xml) over the engine's: a bad argument is an error with PSRnn's ID and the engine's plain
/// message, where PowerShell reports any .NET method's exception as 'Exception calling "Reshape" with "2" argument(s)'
/// under the exception type's name.
/// </summary>
/// <remarks>
/// PowerShell reads these signatures when it loads the types file, before the module's loader can resolve the engine's
/// assembly: they name no engine type (the tensor is cast inside the lambdas, which run after the import). A code
/// method passes a params array only its first value, so the dimensions or indices are optional parameters instead
/// (eight; more as one array: .Reshape(@(…))).
/// </remarks>
public static class TensorMethods
{
    /// <summary>The tensor's <see cref="Tensor.Reshape"/>; a shape that does not fit is TensorShapeMismatch.</summary>
    public static object Reshape(PSObject instance, object? d0 = null, object? d1 = null, object? d2 = null, object? d3 = null,
        object? d4 = null, object? d5 = null, object? d6 = null, object? d7 = null) =>
        Call(instance, "TensorShapeMismatch", t => ((Tensor)t).Reshape(Ints("shape", d0, d1, d2, d3, d4, d5, d6, d7)));

    /// <summary>The tensor's <see cref="Tensor.GetValue"/>; a wrong number of indices or one out of range is TensorIndexInvalid.</summary>
    public static object GetValue(PSObject instance, object? i0 = null, object? i1 = null, object? i2 = null, object? i3 = null,
        object? i4 = null, object? i5 = null, object? i6 = null, object? i7 = null) =>
        Call(instance, "TensorIndexInvalid", t => ((Tensor)t).GetValue(Ints("index", i0, i1, i2, i3, i4, i5, i6, i7)));

    /// <summary>The tensor's <see cref="Tensor.SetValue"/>; a bad index is TensorIndexInvalid, a value the dtype cannot hold TensorValueInvalid.</summary>
    public static void SetValue(PSObject instance, object? value, object? i0 = null, object? i1 = null, object? i2 = null,
        object? i3 = null, object? i4 = null, object? i5 = null, object? i6 = null, object? i7 = null)
    {
        int[] index = [];
        Call(instance, "TensorIndexInvalid", t => ((Tensor)t).FlatIndex(index = Ints("index", i0, i1, i2, i3, i4, i5, i6, i7)));
        Call(instance, "TensorValueInvalid", t =>
        {
            ((Tensor)t).SetValue(TensorArgument.Unwrap(value) ?? throw new ArgumentException("A tensor element cannot be $null; give a number."), index);
            return 0;
        });
    }

    /// <summary>
    /// The tensor's <see cref="Tensor.Slice"/>, one argument an axis: a whole number (that position; the axis is dropped)
    /// or NumPy's text for a range ('1:3', '::2', '::-1', ':', '...'); a bad one is TensorIndexInvalid.
    /// </summary>
    public static object Slice(PSObject instance, object? i0 = null, object? i1 = null, object? i2 = null, object? i3 = null,
        object? i4 = null, object? i5 = null, object? i6 = null, object? i7 = null) =>
        Call(instance, "TensorIndexInvalid", t => ((Tensor)t).Slice(Ranges(i0, i1, i2, i3, i4, i5, i6, i7)));

    /// <summary>The tensor's <see cref="Tensor.ToScalar"/>; a tensor of other than one element is TensorNotScalar.</summary>
    public static object ToScalar(PSObject instance) =>
        Call(instance, "TensorNotScalar", t => ((Tensor)t).ToScalar());

    private static object Call(PSObject instance, string errorId, Func<object, object> method)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            return method(instance.BaseObject);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidCastException or OverflowException)
        {
            throw new TensorMethodException(errorId, ErrorCategory.InvalidArgument, Errors.Describe(e), e);
        }
    }

    // The ranges given (trailing nulls are the parameters left out).
    private static TensorRange[] Ranges(params object?[] given)
    {
        int count = Array.FindLastIndex(given, v => v is not null) + 1;
        var ranges = new TensorRange[count];
        for (int k = 0; k < count; k++)
        {
            object? raw = TensorArgument.Unwrap(given[k]);
            try
            {
                ranges[k] = raw switch
                {
                    string text => TensorRange.Parse(text),
                    null or System.Collections.IEnumerable => throw new FormatException(),
                    _ => TensorRange.At(LanguagePrimitives.ConvertTo<int>(raw)),
                };
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or PSInvalidCastException)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Index {k} is '{raw}': give a whole number or a range such as '1:3', '::2', ':' or '...' (to pick rows by a list, use Select-RnnSample -Index)."), e);
            }
        }

        return ranges;
    }

    /// <summary>The whole numbers given (trailing nulls are the parameters left out), or those of one array given alone.</summary>
    private static int[] Ints(string what, params object?[] given)
    {
        int count = Array.FindLastIndex(given, v => v is not null) + 1;
        IEnumerable values = count == 1 && TensorArgument.Unwrap(given[0]) is IEnumerable list and not string ? list : given.Take(count);
        List<int> result = [];
        foreach (object? value in values)
        {
            object? raw = TensorArgument.Unwrap(value);
            try
            {
                result.Add(raw is null ? throw new InvalidCastException() : LanguagePrimitives.ConvertTo<int>(raw));
            }
            catch (Exception e) when (e is InvalidCastException or PSInvalidCastException)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The {what} holds '{raw}', which is not a whole number: give whole numbers (one may be -1 in a shape)."), e);
            }
        }

        return [.. result];
    }
}
