namespace PSRnn.Models;

/// <summary>What Invoke-RnnPrediction -Text returns for each string.</summary>
public sealed class RnnTextPrediction
{
    /// <summary>Creates the result.</summary>
    public RnnTextPrediction(string text, string? @class, long classIndex, float probability)
    {
        Text = text;
        Class = @class;
        ClassIndex = classIndex;
        Probability = probability;
    }

    /// <summary>The string as given.</summary>
    public string Text { get; }

    /// <summary>The predicted class's name from the model's text recipe, or null when it has no class names.</summary>
    public string? Class { get; }

    /// <summary>The predicted class's index: the most probable output, or 0/1 at 0.5 for one sigmoid output.</summary>
    public long ClassIndex { get; }

    /// <summary>The model's probability of that class (for one sigmoid output, p or 1 − p).</summary>
    public float Probability { get; }
}
