namespace PSRnn.Engine.Audio;

/// <summary>
/// The decoded samples of a WAV file, one array per channel, scaled to [-1, 1]: integer PCM is divided by its full
/// scale (128, 32768, 2^23 or 2^31; 8-bit data is unsigned, offset by 128), float data is kept as stored.
/// </summary>
public sealed class WavAudio
{
    /// <summary>Creates the audio from its channels, which must have the same length.</summary>
    public WavAudio(int sampleRate, WavSampleFormat format, int bitsPerSample, float[][] channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels.Length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        if (channels.Any(c => c.Length != channels[0].Length))
        {
            throw new ArgumentException("Every channel must have the same length.", nameof(channels));
        }

        SampleRate = sampleRate;
        Format = format;
        BitsPerSample = bitsPerSample;
        ChannelSamples = channels;
    }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>How the file stored its samples.</summary>
    public WavSampleFormat Format { get; }

    /// <summary>Bits per stored sample: 8, 16, 24, 32 or 64.</summary>
    public int BitsPerSample { get; }

    /// <summary>The number of channels.</summary>
    public int ChannelCount => ChannelSamples.Count;

    /// <summary>Samples per channel.</summary>
    public int FrameCount => ChannelSamples[0].Length;

    /// <summary>The duration in seconds.</summary>
    public double Duration => (double)FrameCount / SampleRate;

    /// <summary>The samples of each channel, in [-1, 1].</summary>
    public IReadOnlyList<float[]> ChannelSamples { get; }

    /// <summary>One channel: the mean of all channels (in double, rounded once to float), or the only channel itself.</summary>
    public float[] ToMono()
    {
        if (ChannelCount == 1)
        {
            return ChannelSamples[0];
        }

        var mono = new float[FrameCount];
        for (int i = 0; i < mono.Length; i++)
        {
            double sum = 0;
            for (int c = 0; c < ChannelCount; c++)
            {
                sum += ChannelSamples[c][i];
            }

            mono[i] = (float)(sum / ChannelCount);
        }

        return mono;
    }
}
