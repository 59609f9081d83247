using PSRnn.Engine.Tensors;

namespace PSRnn.Models;

/// <summary>Many audio files as one training set, as Import-RnnAudio -Stack returns them.</summary>
public sealed class RnnAudioDataset
{
    /// <summary>Creates the dataset.</summary>
    public RnnAudioDataset(Tensor x, Tensor? y, string[] classes, string[] paths)
    {
        X = x;
        Y = y;
        Classes = classes;
        Paths = paths;
    }

    /// <summary>The features: float32 (N, frames, features).</summary>
    public Tensor X { get; }

    /// <summary>The labels as int64 class indexes into <see cref="Classes"/> (N), or null when there are no labels.</summary>
    public Tensor? Y { get; }

    /// <summary>The label names, sorted (ordinal); label i is Classes[i].</summary>
    public string[] Classes { get; }

    /// <summary>The file of each row of X, in order.</summary>
    public string[] Paths { get; }
}
