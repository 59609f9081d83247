using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Models;

namespace PSRnn.Infrastructure;

/// <summary>Invoke-RnnPrediction -Path: audio files through the model's recipe to one <see cref="RnnAudioPrediction"/> each.</summary>
internal static class AudioPrediction
{
    /// <summary>
    /// Computes every readable file's features by the recipe, stacks them as Import-RnnAudio -Model -Stack does (so the
    /// outputs equal predicting that stack), and writes one result per file in order.
    /// </summary>
    public static void Run(PSCmdlet cmdlet, Sequential model, IReadOnlyList<string> files, int batchSize, int? threadCount)
    {
        ModelData.RequireLayers(cmdlet, model);
        AudioRecipe recipe = AudioRecipeBinding.Require(cmdlet, model, []);
        try
        {
            recipe = recipe.FitTo(model);
        }
        catch (ModelException e)
        {
            cmdlet.ThrowTerminatingError(Errors.FromModel(e, model));
        }

        int width = model.OutputShape.Features;
        if (model.OutputShape.IsSequence)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("AudioPredictionPerStep", ErrorCategory.InvalidOperation, model,
                $"Model '{model.Name}' returns an output per step, not one per file; -Path names one class per file, so use " +
                "Import-RnnAudio -Model -Stack and Invoke-RnnPrediction -X for per-step outputs."));
        }

        var features = new List<Tensor>();
        var paths = new List<string>();
        foreach (string file in files)
        {
            if (AudioRecipeBinding.TryCompute(cmdlet, recipe, file) is { } f)
            {
                features.Add(f);
                paths.Add(file);
            }
        }

        if (features.Count == 0)
        {
            return;
        }

        Tensor x = recipe.Stack(features);
        float[] outputs;
        try
        {
            outputs = Trainer.Predict(model, ModelData.Create(cmdlet, model, x, null), batchSize, threadCount);
        }
        catch (ModelException e)
        {
            cmdlet.ThrowTerminatingError(Errors.FromModel(e, model));
            return;
        }

        long[] classes = Trainer.ToClasses(outputs, width);
        for (int i = 0; i < paths.Count; i++)
        {
            long c = classes[i];
            float p = width == 1 ? (c == 1 ? outputs[i] : 1 - outputs[i]) : outputs[(i * width) + (int)c];
            string? name = c < recipe.Classes.Count ? recipe.Classes[(int)c] : null;
            cmdlet.WriteObject(new RnnAudioPrediction(paths[i], name, c, p));
        }
    }
}
