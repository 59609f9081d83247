using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Text;

namespace PSRnn.Infrastructure;

/// <summary>Reads the texts the text cmdlets are given, and reports the engine's text errors with their IDs.</summary>
internal static class TextArguments
{
    /// <summary>Adds the strings of <paramref name="values"/> to <paramref name="texts"/>; anything else terminates with TextInputNotString.</summary>
    public static void Gather(PSCmdlet cmdlet, object?[]? values, List<string> texts)
    {
        foreach (object? value in values ?? [])
        {
            if ((value is PSObject p ? p.BaseObject : value) is string s)
            {
                texts.Add(s);
                continue;
            }

            string what = value is null ? "null" : (value is PSObject q ? q.BaseObject : value).GetType().Name;
            cmdlet.ThrowTerminatingError(Errors.Create("TextInputNotString", ErrorCategory.InvalidType, value, string.Create(CultureInfo.InvariantCulture,
                $"Input {texts.Count} is {what}, not a string: give the texts as strings (a number or object is not text; convert it first, e.g. \"$x\" or $x.Message).")));
        }
    }

    /// <summary>An ErrorRecord for a text problem the engine found, keeping its stable ID.</summary>
    public static ErrorRecord FromText(TextException exception, object? target) =>
        new(exception, exception.ErrorId, exception.ErrorId == "TokenIdOutOfRange" ? ErrorCategory.InvalidData : ErrorCategory.InvalidArgument, target);
}
