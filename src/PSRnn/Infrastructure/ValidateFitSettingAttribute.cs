using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Training;

namespace PSRnn.Infrastructure;

/// <summary>
/// Validates a training parameter (-Epochs, -BatchSize, -ClipNorm, …) by the engine's rule for that setting,
/// <see cref="FitOptions.Check"/> — the rule a checkpoint's settings pass too, so a value read from a file is held to
/// exactly what a user may type. Like ValidateRange, a value out of range is a ParameterArgumentValidationError.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateFitSettingAttribute(FitSetting setting) : ValidateArgumentsAttribute
{
    /// <summary>The setting whose rule applies.</summary>
    public FitSetting Setting { get; } = setting;

    /// <inheritdoc />
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is null)
        {
            throw new ValidationMetadataException("The argument is null. Provide a value.");
        }

        double value;
        try
        {
            value = Convert.ToDouble(arguments is PSObject wrapped ? wrapped.BaseObject : arguments, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new ValidationMetadataException($"The argument is not a number: {Errors.Describe(e)}", e);
        }

        if (FitOptions.Check(Setting, value) is { } problem)
        {
            throw new ValidationMetadataException(string.Create(CultureInfo.InvariantCulture,
                $"The argument {value} is out of range: -{Setting} {problem}."));
        }
    }
}
