using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Infrastructure;

/// <summary>Turns -X/-Y arguments into a checked engine dataset, reporting problems as the cmdlet's errors.</summary>
internal static class ModelData
{
    /// <summary>The dataset for <paramref name="model"/>, or a terminating error with the engine's error ID.</summary>
    public static Dataset Create(PSCmdlet cmdlet, Sequential model, Tensor x, Tensor? y, string name = "X")
    {
        if (y is not null && RaggedTargets.LengthsOf(y) is not null)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("TargetsRagged", ErrorCategory.InvalidArgument, y,
                $"The targets of {name} are arrays of different lengths, which only -Loss ctc reads (label sequences); "
                + "give a tensor shaped like the model's output, or train with -Loss ctc."));
        }

        Dataset data;
        try
        {
            data = Dataset.Create(x, y, model, name);
        }
        catch (ModelException e)
        {
            cmdlet.ThrowTerminatingError(Errors.FromModel(e, x));
            throw; // not reached: ThrowTerminatingError always throws
        }

        Warn(cmdlet, data, name);
        return data;
    }

    /// <summary>The warnings a dataset deserves: values rounded to float32, inputs that look unscaled.</summary>
    public static void Warn(PSCmdlet cmdlet, Dataset data, string name)
    {
        if (data.InexactValues > 0)
        {
            cmdlet.WriteWarning($"{data.InexactValues} values of {name} were rounded converting to float32, the engine's precision.");
        }

        if (data.LooksUnscaled && name == "X")
        {
            cmdlet.WriteWarning(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{name} holds values up to {data.MaxAbsInput:G4} in magnitude: recurrent layers learn poorly from unscaled inputs. Normalize each feature to mean 0 and variance 1 (per utterance for speech features)."));
        }
    }

    /// <summary>Checks that the model has layers.</summary>
    public static void RequireLayers(PSCmdlet cmdlet, Sequential model)
    {
        if (model.Layers.Count == 0)
        {
            cmdlet.ThrowTerminatingError(Errors.FromModel(new ModelException("ModelEmpty",
                $"Model '{model.Name}' has no layers; add some (Add-LstmLayer, Add-DenseLayer, …) first."), model));
        }
    }
}
