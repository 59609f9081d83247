using System.Buffers.Binary;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Audio;

public class WavReaderTests
{
    public static TheoryData<string> GoodFiles => AudioFixtures.Names("good");

    public static TheoryData<string> BadFiles => AudioFixtures.Names("bad");

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public void ReadsEveryEncodingBitExactly(string file)
    {
        WavAudio audio = WavReader.Read(Path.Combine(AudioFixtures.Dir, "good", file));
        Tensor expected = AudioFixtures.Expected[Path.GetFileNameWithoutExtension(file)];
        var entry = AudioFixtures.Entry("good", "file", file);

        Assert.Equal(entry.GetProperty("rate").GetInt32(), audio.SampleRate);
        Assert.Equal(expected.Dim(1), audio.ChannelCount);
        Assert.Equal(expected.Dim(0), audio.FrameCount);
        float[] want = (float[])expected.Data;
        for (int c = 0; c < audio.ChannelCount; c++)
        {
            for (int i = 0; i < audio.FrameCount; i++)
            {
                float got = audio.ChannelSamples[c][i];
                float w = want[(i * audio.ChannelCount) + c];
                Assert.True(BitConverter.SingleToInt32Bits(got) == BitConverter.SingleToInt32Bits(w),
                    $"{file} channel {c} sample {i}: {got:R} != {w:R}");
            }
        }
    }

    [Fact]
    public void MixesStereoByAveraging()
    {
        WavAudio audio = WavReader.Read(Path.Combine(AudioFixtures.Dir, "good", "f32_stereo_16k.wav"));
        float[] mono = audio.ToMono();
        for (int i = 0; i < mono.Length; i++)
        {
            Assert.Equal((float)((audio.ChannelSamples[0][i] + (double)audio.ChannelSamples[1][i]) / 2), mono[i]);
        }
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void RefusesBadFilesWithTheirErrorId(string file)
    {
        string path = Path.Combine(AudioFixtures.Dir, "bad", file);
        string id = AudioFixtures.Entry("bad", "file", file).GetProperty("error").GetString()!;
        var e = Assert.Throws<DataFormatException>(() => WavReader.Read(path));
        Assert.Equal(id, e.ErrorId);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesDataBeforeFormat()
    {
        byte[] bytes = [.. "RIFF"u8, 0, 0, 0, 0, .. "WAVE"u8, .. "data"u8, 2, 0, 0, 0, 1, 2];
        var e = Assert.Throws<DataFormatException>(() => WavReader.Read(new MemoryStream(bytes), "x.wav"));
        Assert.Equal("WavInvalidFormat", e.ErrorId);
    }

    [Fact]
    public void RefusesRiffThatIsNotWave()
    {
        byte[] bytes = [.. "RIFF"u8, 4, 0, 0, 0, .. "AVI "u8];
        Assert.Equal("WavNotRiff", Assert.Throws<DataFormatException>(() => WavReader.Read(new MemoryStream(bytes), "x.avi")).ErrorId);
    }

    [Theory]
    [InlineData(1, 12, "WavUnsupportedEncoding")] // 12-bit PCM
    [InlineData(3, 16, "WavUnsupportedEncoding")] // 16-bit float
    [InlineData(6, 8, "WavUnsupportedEncoding")]  // A-law
    public void RefusesEncodingsItDoesNotRead(int tag, int bits, string id)
    {
        byte[] bytes = Wav(tag, channels: 1, bits, blockAlign: Math.Max(1, bits / 8), data: new byte[4]);
        Assert.Equal(id, Assert.Throws<DataFormatException>(() => WavReader.Read(new MemoryStream(bytes), "x.wav")).ErrorId);
    }

    [Fact]
    public void RefusesInconsistentBlockAlign()
    {
        byte[] bytes = Wav(1, channels: 2, bits: 16, blockAlign: 2, data: new byte[8]);
        Assert.Equal("WavInvalidFormat", Assert.Throws<DataFormatException>(() => WavReader.Read(new MemoryStream(bytes), "x.wav")).ErrorId);
    }

    [Fact]
    public void RefusesAPartialLastFrame()
    {
        byte[] bytes = Wav(1, channels: 2, bits: 16, blockAlign: 4, data: new byte[6]);
        Assert.Equal("WavTruncated", Assert.Throws<DataFormatException>(() => WavReader.Read(new MemoryStream(bytes), "x.wav")).ErrorId);
    }

    [Fact]
    public void DecodesFullScaleIntegersExactly()
    {
        byte[] data = [0x00, 0x80, 0xFF, 0x7F, 0x00, 0x00];
        WavAudio audio = WavReader.Read(new MemoryStream(Wav(1, 1, 16, 2, data)), "x.wav");
        Assert.Equal([-1f, 32767f / 32768f, 0f], audio.ChannelSamples[0]);
    }

    private static byte[] Wav(int tag, int channels, int bits, int blockAlign, byte[] data)
    {
        var fmt = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, (ushort)tag);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), 8000);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), (uint)(8000 * blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)bits);
        byte[] size = BitConverter.GetBytes(data.Length);
        return [.. "RIFF"u8, 0, 0, 0, 0, .. "WAVE"u8, .. "fmt "u8, 16, 0, 0, 0, .. fmt, .. "data"u8, .. size, .. data];
    }
}
