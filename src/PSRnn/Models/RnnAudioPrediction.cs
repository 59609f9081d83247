namespace PSRnn.Models;

/// <summary>What Invoke-RnnPrediction -Path returns for each audio file.</summary>
public sealed class RnnAudioPrediction
{
    /// <summary>Creates the result.</summary>
    public RnnAudioPrediction(string path, string? @class, long classIndex, float probability)
    {
        Path = path;
        Class = @class;
        ClassIndex = classIndex;
        Probability = probability;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The predicted class's name from the model's recipe, or null when the recipe has no class names.</summary>
    public string? Class { get; }

    /// <summary>The predicted class's index: the most probable output, or 0/1 at 0.5 for one sigmoid output.</summary>
    public long ClassIndex { get; }

    /// <summary>The model's probability of that class (for one sigmoid output, p or 1 − p).</summary>
    public float Probability { get; }
}
