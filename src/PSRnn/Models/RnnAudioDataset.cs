using PSRnn.Engine.Audio;
using PSRnn.Engine.Tensors;

namespace PSRnn.Models;

/// <summary>Many audio files as one training set, as Import-RnnAudio -Stack returns them.</summary>
public sealed class RnnAudioDataset
{
    /// <summary>Creates the dataset.</summary>
    public RnnAudioDataset(Tensor x, Tensor? y, string[] classes, string[] paths, int[] lengths, SequenceSide padding, float paddingValue,
        AudioRecipe recipe)
    {
        Recipe = recipe;
        X = x;
        Y = y;
        Classes = classes;
        Paths = paths;
        Lengths = lengths;
        Padding = padding;
        PaddingValue = paddingValue;
    }

    /// <summary>The features: float32 (N, frames, features).</summary>
    public Tensor X { get; }

    /// <summary>The labels as int64 class indexes into <see cref="Classes"/> (N), or null when there are no labels.</summary>
    public Tensor? Y { get; }

    /// <summary>The label names, sorted (ordinal); label i is Classes[i].</summary>
    public string[] Classes { get; }

    /// <summary>The file of each row of X, in order.</summary>
    public string[] Paths { get; }

    /// <summary>
    /// The real (not padding) frames of each row of X: the file's own frames, or -Frames when it was truncated. They are
    /// the last Lengths[i] steps of row i with <see cref="SequenceSide.Pre"/> padding, the first with <see cref="SequenceSide.Post"/>.
    /// </summary>
    public int[] Lengths { get; }

    /// <summary>Where the padding went: before the speech (Pre) or after it (Post).</summary>
    public SequenceSide Padding { get; }

    /// <summary>
    /// How these features were made (Import-RnnAudio's settings and <see cref="Classes"/>): Set-RnnAudioRecipe gives it
    /// to the model trained on them, and Import-RnnAudio -Model and Invoke-RnnPrediction -Path follow it.
    /// </summary>
    public AudioRecipe Recipe { get; }

    /// <summary>The value of every feature of a padding step: the -MaskValue of the Add-MaskingLayer that skips it.</summary>
    public float PaddingValue { get; }
}
