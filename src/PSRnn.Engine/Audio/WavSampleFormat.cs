namespace PSRnn.Engine.Audio;

/// <summary>How a WAV file's samples are stored.</summary>
public enum WavSampleFormat
{
    /// <summary>Integer PCM: 8-bit unsigned, or 16-, 24- or 32-bit signed, little-endian.</summary>
    Pcm,
    /// <summary>IEEE floating point: 32- or 64-bit, little-endian.</summary>
    Float,
}
