using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Infrastructure;

/// <summary>Turns -SampleWeight and -ClassWeight arguments into weighted datasets, reporting problems as the cmdlet's errors.</summary>
internal static class WeightArguments
{
    /// <summary><paramref name="data"/> with the weights <paramref name="weights"/> (a tensor or anything that converts to one).</summary>
    public static Dataset WithSampleWeights(PSCmdlet cmdlet, Dataset data, object weights, string name)
    {
        Tensor tensor;
        try
        {
            tensor = weights as Tensor ?? TensorArgument.Convert(weights, null, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or OverflowException)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("TensorConversionFailed", ErrorCategory.InvalidArgument, weights,
                $"Cannot read {name} as a tensor of weights: {Errors.Describe(e)}", e));
            throw; // not reached
        }

        return Engine(cmdlet, () => data.WithSampleWeights(tensor, name), weights);
    }

    /// <summary>
    /// <paramref name="train"/> weighted by -ClassWeight: a hashtable of class index → weight, or <c>balanced</c>
    /// (scikit-learn's compute_class_weight over these training samples).
    /// </summary>
    public static Dataset WithClassWeights(PSCmdlet cmdlet, Sequential model, Dataset train, object classWeight)
    {
        object value = classWeight is PSObject ps ? ps.BaseObject : classWeight;
        if (value is string text && text.Equals("balanced", StringComparison.OrdinalIgnoreCase))
        {
            return Engine(cmdlet, () => ClassWeights.Apply(model, train, ClassWeights.Balanced(model, train)), classWeight);
        }

        if (value is not IDictionary table)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("ClassWeightNotMap", ErrorCategory.InvalidArgument, classWeight,
                $"-ClassWeight takes a hashtable of class index to weight, such as @{{0 = 2.0; 1 = 1.0}}, or 'balanced'; '{value}' is neither."));
            throw new InvalidOperationException(); // not reached
        }

        var map = new Dictionary<int, double>();
        foreach (DictionaryEntry entry in table)
        {
            object key = entry.Key is PSObject k ? k.BaseObject : entry.Key;
            object? weight = entry.Value is PSObject v ? v.BaseObject : entry.Value;
            bool isClass = TryNumber(key, out double c) && c == Math.Floor(c) && c is >= int.MinValue and <= int.MaxValue;
            if (!TryNumber(weight, out double w) || !isClass)
            {
                cmdlet.ThrowTerminatingError(Errors.Create("ClassWeightNotMap", ErrorCategory.InvalidArgument, classWeight,
                    $"-ClassWeight's entry {key} = {weight ?? "$null"} is not a whole class index with a number as its weight, such as @{{0 = 2.0; 1 = 1.0}}."));
            }

            map[(int)c] = w;
        }

        return Engine(cmdlet, () => ClassWeights.Apply(model, train, map), classWeight);
    }

    private static bool TryNumber(object? value, out double number)
    {
        number = 0;
        return value is not (null or bool) && (value is IConvertible and not string
            ? TryConvert(value, out number)
            : value is string s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out number));
    }

    private static bool TryConvert(object value, out double number)
    {
        try
        {
            number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            number = 0;
            return false;
        }
    }

    private static Dataset Engine(PSCmdlet cmdlet, Func<Dataset> make, object target)
    {
        try
        {
            return make();
        }
        catch (ModelException e)
        {
            cmdlet.ThrowTerminatingError(Errors.FromModel(e, target));
            throw; // not reached
        }
    }
}
