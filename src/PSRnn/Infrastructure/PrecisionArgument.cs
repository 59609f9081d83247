using System.Management.Automation;
using PSRnn.Engine.Tensors;

namespace PSRnn.Infrastructure;

/// <summary>The -Precision of the prediction cmdlets: a <see cref="WeightPrecision"/> by name, case-insensitive.</summary>
internal static class PrecisionArgument
{
    /// <summary>The names -Precision takes, for completion and the error.</summary>
    internal static readonly string[] Names = [.. Enum.GetNames<WeightPrecision>()];

    /// <summary>The precision <paramref name="value"/> names; an unknown name is a terminating PrecisionUnknown.</summary>
    internal static WeightPrecision Resolve(PSCmdlet cmdlet, string value)
    {
        if (Enum.TryParse(value, ignoreCase: true, out WeightPrecision precision) && Enum.IsDefined(precision)
            && !value.Trim().All(c => char.IsDigit(c) || c == '-'))
        {
            return precision;
        }

        cmdlet.ThrowTerminatingError(Errors.Create("PrecisionUnknown", ErrorCategory.InvalidArgument, value,
            $"-Precision '{value}' is not a weight precision: give Float32 (the default: the weights as trained), Int8 (a quarter " +
            "of the bytes, per-column scales) or BFloat16 (half)."));
        return default;
    }
}
