using System.Buffers.Binary;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, items 8 and 12: WAV sample rates outside 1,000–768,000 Hz are refused (WavSampleRateUnsupported) before
/// any sample is decoded, the resampler's filter is bounded (ratio terms up to 2^16: AudioResampleUnsupported) and its
/// output too (AudioTooLong), and float samples that are NaN, infinite, or so large that the features overflow are
/// DataNotFinite naming the file, never features of NaN.
/// </summary>
public sealed class WavHostileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("psrnn-wav-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(2147483647u, 1_000)]   // 2^31 − 1
    [InlineData(214748357u, 1_000)]    // its filter length overflowed int
    [InlineData(10000001u, 1_000)]     // 31 s and 1.6 GB for a 2 KB file
    [InlineData(1u, 200_000)]          // 1 Hz: the output length overflowed int
    [InlineData(999u, 1_000)]
    [InlineData(768001u, 1_000)]
    [InlineData(4294967295u, 1_000)]
    public void RefusesAbsurdSampleRatesCheaply(uint rate, int samples)
    {
        string path = Path.Combine(_folder, "rate.wav");
        File.WriteAllBytes(path, Wav(rate, 1, 16, new byte[samples * 2]));
        Assert.True(new FileInfo(path).Length <= FileHostileCost.MaxFileBytes);
        var options = new AudioFeatureOptions();
        DataFormatException e = FileHostileCost.AssertRefused("WavSampleRateUnsupported", () =>
            AudioFeatures.Compute(AudioFeatures.Prepare(WavReader.Read(path), options, path), options, path));
        Assert.Equal(path, e.FileName);
        Assert.Contains("1,000 to 768,000 Hz", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1000, 16000)]
    [InlineData(768000, 16000)]
    [InlineData(44100, 16000)]
    [InlineData(8000, 384000)]
    public void ReadsTheRatesAtTheBounds(int rate, int to)
    {
        byte[] data = new byte[rate / 10 * 2]; // 0.1 s
        WavAudio audio = WavReader.Read(new MemoryStream(Wav((uint)rate, 1, 16, data)), "ok.wav");
        Assert.Equal(rate, audio.SampleRate);
        FileHostileCost.Measure(() =>
        {
            float[] resampled = Resampler.Resample(audio.ToMono(), rate, to, "ok.wav");
            Assert.Equal(((long)audio.FrameCount * to + rate - 1) / rate, resampled.Length);
        });
    }

    [Theory]
    [InlineData(767999, 16000)] // coprime: a 15-million-tap filter
    [InlineData(48000, 65537 * 16)]
    [InlineData(65537, 1000)]
    public void RefusesRatiosWhoseFilterIsOutOfProportion(int from, int to)
    {
        float[] samples = new float[1000];
        DataFormatException e = FileHostileCost.AssertRefused("AudioResampleUnsupported", () => Resampler.Resample(samples, from, to, "odd.wav"));
        Assert.Equal("odd.wav", e.FileName);
        Assert.Equal(DataErrorKind.LimitsExceeded, e.Kind);
    }

    [Fact]
    public void AcceptsTheLargestRatioTerm()
    {
        // 65,536 Hz to 1,000 Hz is 1/65.536 = 125/8192; 65,536 to 16,001 has the term 65,536 itself.
        float[] samples = new float[2000];
        FileHostileCost.Measure(() => Assert.Equal(489, Resampler.Resample(samples, 65536, 16001, null).Length));
    }

    [Fact]
    public void RefusesAnOutputLargerThanMemory()
    {
        float[] samples = new float[100_000];
        using (MemoryBudget.Limit(1 << 20))
        {
            DataFormatException e = Assert.Throws<DataFormatException>(() => Resampler.Resample(samples, 1000, 384000, "long.wav"));
            Assert.Equal("AudioTooLong", e.ErrorId);
        }
    }

    [Fact]
    public void RefusesFeaturesLargerThanMemory()
    {
        float[] samples = new float[160_000]; // 10 s at 16 kHz: 998 frames
        var options = new AudioFeatureOptions { Feature = AudioFeatureKind.LogMel, MelBands = 512, Deltas = true };
        using (MemoryBudget.Limit(1 << 20))
        {
            DataFormatException e = Assert.Throws<DataFormatException>(() => AudioFeatures.Compute(samples, options, "long.wav"));
            Assert.Equal("AudioTooLong", e.ErrorId);
            Assert.Contains("998 frames", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal([998, 1536], AudioFeatures.Compute(samples, options, "long.wav").Shape);
    }

    [Theory]
    [InlineData(float.NaN, 32)]
    [InlineData(float.PositiveInfinity, 32)]
    [InlineData(float.NegativeInfinity, 64)]
    [InlineData(1e300, 64)] // finite as float64, infinite as float32
    public void NonFiniteSamplesAreDataNotFinite(double value, int bits)
    {
        byte[] data = new byte[100 * bits / 8];
        if (bits == 32)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(40 * 4), (float)value);
        }
        else
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(40 * 8), value);
        }

        string path = Path.Combine(_folder, "nan.wav");
        File.WriteAllBytes(path, Wav(16000, 3, bits, data));
        DataFormatException e = FileHostileCost.AssertRefused("DataNotFinite", () => WavReader.Read(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains("sample 40 of channel 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AudioFeatureKind.Mfcc, false)]
    [InlineData(AudioFeatureKind.LogMel, true)]
    public void SamplesThatOverflowTheFeaturesAreDataNotFinite(AudioFeatureKind feature, bool normalize)
    {
        // 3e38 is a finite float32, but its power spectrum is not: every feature would be NaN or infinite.
        byte[] data = new byte[16000 * 4];
        for (int i = 0; i < 16000; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), i % 2 == 0 ? 3e38f : -3e38f);
        }

        string path = Path.Combine(_folder, "loud.wav");
        File.WriteAllBytes(path, Wav(16000, 3, 32, data));
        var options = new AudioFeatureOptions { Feature = feature, Normalize = normalize };
        WavAudio audio = WavReader.Read(path);
        DataFormatException e = FileHostileCost.AssertRefused("DataNotFinite", () =>
            AudioFeatures.Compute(AudioFeatures.Prepare(audio, options, path), options, path));
        Assert.Equal(path, e.FileName);
        Assert.Contains("reach 3E+38", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoudButSaneFloatAudioStillGivesFeatures()
    {
        // Float WAV may exceed full scale (overs of a few dB): that is not an error.
        byte[] data = new byte[1600 * 4];
        for (int i = 0; i < 1600; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), 4 * MathF.Sin(i * 0.3f));
        }

        var options = new AudioFeatureOptions();
        WavAudio audio = WavReader.Read(new MemoryStream(Wav(16000, 3, 32, data)), "loud.wav");
        Tensor features = AudioFeatures.Compute(AudioFeatures.Prepare(audio, options, "loud.wav"), options, "loud.wav");
        Assert.True(features.AsSpan<float>().ToArray().All(float.IsFinite));
    }

    [Fact]
    public void AStreamIsReadOnlyToItsLength()
    {
        // A 'data' chunk that claims more than the file has is truncated, however much it claims.
        byte[] wav = Wav(16000, 1, 16, new byte[100]);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), uint.MaxValue);
        FileHostileCost.AssertRefused("WavTruncated", () => WavReader.Read(new MemoryStream(wav), "claims.wav"));
    }

    private static byte[] Wav(uint rate, int tag, int bits, byte[] data)
    {
        int blockAlign = bits / 8;
        var fmt = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, (ushort)tag);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), rate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), unchecked(rate * (uint)blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)bits);
        byte[] size = BitConverter.GetBytes(data.Length);
        byte[] riff = BitConverter.GetBytes(36 + data.Length);
        return [.. "RIFF"u8, .. riff, .. "WAVE"u8, .. "fmt "u8, 16, 0, 0, 0, .. fmt, .. "data"u8, .. size, .. data];
    }
}
