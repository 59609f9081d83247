using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace PSRnn.Infrastructure;

/// <summary>
/// Turns an unquoted <c>l1_l2:1e-5,1e-4</c>, which PowerShell parses as an array of two, back into the text the user
/// wrote, so a string parameter takes it as written.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class CommaJoinedAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
        if (value is string || value is not IEnumerable items)
        {
            return inputData;
        }

        var parts = new List<string>();
        foreach (object? item in items)
        {
            object? part = item is PSObject p ? p.BaseObject : item;
            parts.Add(Convert.ToString(part, CultureInfo.InvariantCulture) ?? "");
        }

        return string.Join(",", parts);
    }
}
