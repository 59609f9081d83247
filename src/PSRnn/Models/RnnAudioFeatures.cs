using PSRnn.Engine.Tensors;

namespace PSRnn.Models;

/// <summary>The features of one audio file, as Import-RnnAudio returns them without -Stack.</summary>
public sealed class RnnAudioFeatures
{
    /// <summary>Creates the result.</summary>
    public RnnAudioFeatures(string path, string? label, Tensor features, int sampleRate, double duration)
    {
        Path = path;
        Label = label;
        Features = features;
        SampleRate = sampleRate;
        Duration = duration;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The file's label (from its folder or the CSV), or null when no -LabelFrom was given.</summary>
    public string? Label { get; }

    /// <summary>The features: float32 (frames, features).</summary>
    public Tensor Features { get; }

    /// <summary>The rate the audio was resampled to, in Hz.</summary>
    public int SampleRate { get; }

    /// <summary>The seconds of audio the features were computed from (after trimming).</summary>
    public double Duration { get; }

    /// <summary>The number of frames (time steps).</summary>
    public int Frames => Features.Dim(0);
}
