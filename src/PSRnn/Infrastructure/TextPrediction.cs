using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Text;
using PSRnn.Engine.Training;
using PSRnn.Models;

namespace PSRnn.Infrastructure;

/// <summary>Invoke-RnnPrediction -Text: strings through the model's text recipe to one <see cref="RnnTextPrediction"/> each.</summary>
internal static class TextPrediction
{
    /// <summary>Encodes every text by the recipe, predicts them in batches, and writes one result per text in order.</summary>
    public static void Run(PSCmdlet cmdlet, Sequential model, IReadOnlyList<string> texts, int batchSize, int? threadCount)
    {
        ModelData.RequireLayers(cmdlet, model);
        if (model.TextRecipe is not { } recipe)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("TextRecipeMissing", ErrorCategory.InvalidOperation, model,
                $"Model '{model.Name}' has no vocabulary, so it cannot read raw text. Record the one its token ids come from with " +
                "Set-RnnVocabulary -Model $model -Vocabulary $v (the model file keeps it), or give ids with -X (ConvertTo-RnnTokenId)."));
            return;
        }

        if (model.OutputShape.IsSequence)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("TextPredictionPerStep", ErrorCategory.InvalidOperation, model,
                $"Model '{model.Name}' returns an output per step, not one per text; use ConvertTo-RnnTokenId and Invoke-RnnPrediction -X for per-step outputs."));
        }

        if (texts.Count == 0)
        {
            return;
        }

        Tensor x = recipe.ToInput(texts, model.InputShape);
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

        int width = model.OutputShape.Features;
        long[] classes = Trainer.ToClasses(outputs, width);
        for (int i = 0; i < texts.Count; i++)
        {
            long c = classes[i];
            float p = width == 1 ? (c == 1 ? outputs[i] : 1 - outputs[i]) : outputs[(i * width) + (int)c];
            string? name = c < recipe.Classes.Count ? recipe.Classes[(int)c] : null;
            cmdlet.WriteObject(new RnnTextPrediction(texts[i], name, c, p));
        }
    }
}
