using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Infrastructure;

/// <summary>Reads -KernelRegularizer and the like (<c>l2:1e-4</c>, <c>l1:1e-5</c>, <c>l1_l2:1e-5,1e-4</c>) onto a new layer.</summary>
internal static class RegularizerArgument
{
    /// <summary>Sets the regularizer <paramref name="text"/> describes on <paramref name="weight"/>, or a terminating
    /// <c>RegularizerInvalid</c> error; null or empty text sets nothing.</summary>
    public static void Apply(PSCmdlet cmdlet, Layer layer, string weight, string? text, string parameter)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        try
        {
            layer.SetRegularizer(weight, Regularizer.Parse(text));
        }
        catch (ModelException e)
        {
            cmdlet.ThrowTerminatingError(Errors.Create(e.ErrorId, ErrorCategory.InvalidArgument, text, $"-{parameter}: {e.Message}", e));
        }
    }
}
