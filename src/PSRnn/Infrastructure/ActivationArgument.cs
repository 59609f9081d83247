using System.Management.Automation;
using PSRnn.Engine.Layers;

namespace PSRnn.Infrastructure;

/// <summary>Parses Keras activation names given to -Activation and -RecurrentActivation.</summary>
internal static class ActivationArgument
{
    /// <summary>The names offered by tab completion.</summary>
    public const string Completions = "linear,tanh,sigmoid,relu,softmax,elu,selu,softplus,softsign,swish,hard_sigmoid";

    /// <summary>The activation named <paramref name="name"/>, or a terminating error naming the choices.</summary>
    public static ActivationKind Parse(PSCmdlet cmdlet, string name, string parameter)
    {
        if (ActivationFunctions.TryParse(name, out ActivationKind kind))
        {
            return kind;
        }

        cmdlet.ThrowTerminatingError(Errors.Create("ActivationUnknown", ErrorCategory.InvalidArgument, name,
            $"-{parameter} '{name}' is not an activation PSRnn knows. Use one of: {Completions.Replace(",", ", ", StringComparison.Ordinal)}."));
        return default;
    }
}
