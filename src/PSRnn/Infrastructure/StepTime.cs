using PSRnn.Engine.Audio;
using PSRnn.Engine.Models;

namespace PSRnn.Infrastructure;

/// <summary>The seconds one time step of a model's input lasts, from its audio recipe: what the pictures' time axes read.</summary>
internal static class StepTime
{
    /// <summary>The frame hop (⌊0.010·rate + 0.5⌋ samples) over the rate, one sample for raw audio; null without a recipe.</summary>
    public static double? Of(Sequential model)
    {
        if (model.AudioRecipe is not { } recipe)
        {
            return null;
        }

        int rate = recipe.Options.SampleRate;
        return recipe.Options.Feature == AudioFeatureKind.Raw ? 1.0 / rate : (double)AudioFeatures.FrameSizes(rate).Hop / rate;
    }
}
