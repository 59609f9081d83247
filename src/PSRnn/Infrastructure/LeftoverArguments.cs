using System.Globalization;
using System.Management.Automation;

namespace PSRnn.Infrastructure;

/// <summary>
/// Values no parameter took (a hidden ValueFromRemainingArguments parameter gathers them): most often a value after a
/// switch, as a Keras user writes return_sequences=True as -ReturnSequences $true. PowerShell's own error for that names
/// neither the switch nor the fix; this one does.
/// </summary>
internal static class LeftoverArguments
{
    /// <summary>Throws a terminating error when <paramref name="leftover"/> holds anything.</summary>
    public static void ThrowIfAny(PSCmdlet cmdlet, object[]? leftover)
    {
        if (leftover is not { Length: > 0 })
        {
            return;
        }

        object? value = TensorArgument.Unwrap(leftover[0]);
        string text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
        string[] switches = [.. cmdlet.MyInvocation.BoundParameters.Where(p => p.Value is SwitchParameter).Select(p => "-" + p.Key)];
        if (value is bool on && switches.Length > 0)
        {
            bool one = switches.Length == 1;
            string which = one ? $"{switches[0]} is a switch and takes" : $"{string.Join(" and ", switches)} are switches and take";
            string example = $"{switches[^1]}:${(on ? "true" : "false")}";
            string fix = on
                ? $"write {(one ? switches[0] : "a switch")} alone, or with a colon ({example})"
                : $"give {(one ? "its" : "a switch's")} value with a colon ({example})";
            cmdlet.ThrowTerminatingError(Errors.Create("SwitchTakesNoValue", ErrorCategory.InvalidArgument, value,
                $"{which} no value after a space, so '{text}' was left over: {fix}."));
        }

        string command = cmdlet.MyInvocation.MyCommand.Name;
        cmdlet.ThrowTerminatingError(Errors.Create("ArgumentNotExpected", ErrorCategory.InvalidArgument, value,
            $"{command} takes no further value by position, so '{text}' was left over. Give each value after its parameter's " +
            $"name (Get-Help {command} -Parameter * lists them)."));
    }
}
