using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Models;

namespace PSRnn.Infrastructure;

/// <summary>What Import-RnnAudio -Model and Invoke-RnnPrediction -Path share: the model's recipe, its classes, and reading a file by it.</summary>
internal static class AudioRecipeBinding
{
    /// <summary>
    /// The model's recipe; terminates with <c>AudioRecipeConflict</c> when the call also gives one of
    /// <paramref name="settings"/> (the recipe decides them all), or <c>AudioRecipeMissing</c> when there is none.
    /// </summary>
    public static AudioRecipe Require(PSCmdlet cmdlet, Sequential model, IEnumerable<string> settings)
    {
        string[] given = [.. settings.Where(cmdlet.MyInvocation.BoundParameters.ContainsKey)];
        if (given.Length > 0)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("AudioRecipeConflict", ErrorCategory.InvalidArgument, model,
                $"-Model takes every feature setting from the model's recipe, so -{string.Join(", -", given)} cannot be given too: " +
                "leave them out to get the features the model was trained on, or leave out -Model to choose them yourself."));
        }

        AudioRecipe? recipe = model.AudioRecipe;
        if (recipe is null)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("AudioRecipeMissing", ErrorCategory.InvalidOperation, model,
                $"Model '{model.Name}' has no audio recipe, so the features it expects are unknown: it was not given one, or its file " +
                "was saved before recipes were kept. Record it with Set-RnnAudioRecipe -Model $model -Dataset $data (the " +
                "Import-RnnAudio -Stack result it is trained on) and save the model again, or give Import-RnnAudio the feature settings."));
        }

        return recipe!;
    }

    /// <summary>The results whose label is one of the recipe's classes; each other one is a non-terminating <c>AudioLabelNotInModel</c>.</summary>
    public static List<RnnAudioFeatures> KnownLabels(PSCmdlet cmdlet, AudioRecipe recipe, List<RnnAudioFeatures> results)
    {
        if (recipe.Classes.Count == 0)
        {
            return results;
        }

        var classes = new HashSet<string>(recipe.Classes, StringComparer.Ordinal);
        foreach (RnnAudioFeatures r in results.Where(r => !classes.Contains(r.Label!)))
        {
            cmdlet.WriteError(Errors.Create("AudioLabelNotInModel", ErrorCategory.InvalidData, r.Path,
                $"'{r.Path}' is labelled '{r.Label}', which is not one of the model's classes ({string.Join(", ", recipe.Classes)}); " +
                "the file is left out."));
        }

        return results.FindAll(r => classes.Contains(r.Label!));
    }

    /// <summary>The file's features by the recipe, unpadded; a file that cannot be read is a non-terminating error and null.</summary>
    public static Tensor? TryCompute(PSCmdlet cmdlet, AudioRecipe recipe, string file)
    {
        try
        {
            return recipe.Compute(file);
        }
        catch (DataFormatException e)
        {
            cmdlet.WriteError(Errors.FromData(e, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cmdlet.WriteError(Errors.Create("AudioReadFailed", ErrorCategory.ReadError, file, $"Cannot read '{file}': {Errors.Describe(e)}", e));
        }

        return null;
    }
}
