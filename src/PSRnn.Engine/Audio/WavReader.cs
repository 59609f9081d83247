using System.Buffers.Binary;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Reads RIFF/WAVE files strictly: integer PCM (8-bit unsigned, 16-, 24- and 32-bit signed), IEEE float (32 and
/// 64 bits), either plainly or as WAVE_FORMAT_EXTENSIBLE with a PCM or float sub-format; any number of channels and
/// sample rates from <see cref="MinSampleRate"/> to <see cref="MaxSampleRate"/> Hz. Unknown chunks are skipped (with
/// their pad byte when odd-sized); compressed encodings (ADPCM, µ-law, A-law, ...) are refused. Every problem is a
/// <see cref="DataFormatException"/> with a stable ID naming the file: <c>WavNotRiff</c>, <c>WavTruncated</c>,
/// <c>WavUnsupportedEncoding</c>, <c>WavInvalidFormat</c>, <c>WavSampleRateUnsupported</c>, <c>WavEmpty</c>,
/// <c>WavTooLarge</c>, and <c>DataNotFinite</c> for a float sample that is NaN or infinite.
/// </summary>
public static class WavReader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    /// <summary>The lowest sample rate read, in Hz: far below telephony's 8 kHz, and a 25 ms frame still has 25 samples.</summary>
    public const int MinSampleRate = 1000;

    /// <summary>The highest sample rate read, in Hz: the highest PCM rate audio hardware uses (768 kHz, 16 × 48 kHz).</summary>
    public const int MaxSampleRate = 768_000;

    // The 14 bytes that follow the format code in every KSDATAFORMAT_SUBTYPE_* GUID of WAVE_FORMAT_EXTENSIBLE.
    private static ReadOnlySpan<byte> SubFormatSuffix =>
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Reads a WAV file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The decoded samples.</returns>
    /// <exception cref="DataFormatException">The file is not a WAV file PSRnn reads.</exception>
    public static WavAudio Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = InputFile.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads WAV content from a stream, to its end.</summary>
    /// <param name="stream">The stream, at the start of the RIFF header.</param>
    /// <param name="fileName">The name used in error messages; may be null.</param>
    /// <returns>The decoded samples.</returns>
    /// <exception cref="DataFormatException">The content is not a WAV file PSRnn reads.</exception>
    public static WavAudio Read(Stream stream, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position > Array.MaxLength)
        {
            throw Error("WavTooLarge", DataErrorKind.LimitsExceeded, fileName,
                "the file is larger than 2 GiB; split it into shorter files.");
        }

        // A file is read to the length it has, never further (a file that grows meanwhile is read as it was).
        if (stream.CanSeek)
        {
            byte[] bytes = new byte[stream.Length - stream.Position];
            int got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return Parse(bytes.AsSpan(0, got), fileName);
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length > Array.MaxLength - n)
            {
                throw Error("WavTooLarge", DataErrorKind.LimitsExceeded, fileName,
                    "the stream is longer than 2 GiB; split it into shorter files.");
            }

            buffer.Write(chunk, 0, n);
        }

        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), fileName);
    }

    private static WavAudio Parse(ReadOnlySpan<byte> bytes, string? fileName)
    {
        if (bytes.Length < 4 || !bytes[..4].SequenceEqual("RIFF"u8))
        {
            throw Error("WavNotRiff", DataErrorKind.InvalidData, fileName,
                "not a WAV file: it does not start with a RIFF header. Give .wav files (RIFF/WAVE).");
        }

        if (bytes.Length < 12)
        {
            throw Truncated(fileName, "the file ends inside the RIFF header");
        }

        if (!bytes[8..12].SequenceEqual("WAVE"u8))
        {
            throw Error("WavNotRiff", DataErrorKind.InvalidData, fileName,
                "a RIFF file, but not of type WAVE. Give .wav files (RIFF/WAVE).");
        }

        Format? format = null;
        int offset = 12;
        while (true)
        {
            if (bytes.Length - offset < 8)
            {
                throw Truncated(fileName, format is null ? "the file ends before its 'fmt ' chunk" : "the file ends before its 'data' chunk");
            }

            ReadOnlySpan<byte> id = bytes.Slice(offset, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
            offset += 8;
            long left = bytes.Length - offset;
            if (id.SequenceEqual("data"u8))
            {
                if (format is null)
                {
                    throw Error("WavInvalidFormat", DataErrorKind.InvalidData, fileName,
                        "the 'data' chunk comes before any 'fmt ' chunk, so its encoding is unknown.");
                }

                if (size > left)
                {
                    throw Truncated(fileName, $"the 'data' chunk claims {size} bytes but only {left} are in the file");
                }

                return Decode(bytes.Slice(offset, (int)size), format, fileName);
            }

            if (size > left)
            {
                throw Truncated(fileName, $"the '{ChunkName(id)}' chunk claims {size} bytes but only {left} are in the file");
            }

            if (id.SequenceEqual("fmt "u8))
            {
                format = ParseFormat(bytes.Slice(offset, (int)size), fileName);
            }

            // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
            offset += (int)size + (int)(size & 1);
        }
    }

    private static Format ParseFormat(ReadOnlySpan<byte> chunk, string? fileName)
    {
        if (chunk.Length < 16)
        {
            throw Error("WavInvalidFormat", DataErrorKind.InvalidData, fileName,
                $"the 'fmt ' chunk has {chunk.Length} bytes; it needs at least 16.");
        }

        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(chunk);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(chunk[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(chunk[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk[14..]);
        ushort encoding = tag;
        if (tag == FormatExtensible)
        {
            // WAVEFORMATEXTENSIBLE: cbSize (22), valid bits, channel mask, then the sub-format GUID.
            if (chunk.Length < 40)
            {
                throw Error("WavInvalidFormat", DataErrorKind.InvalidData, fileName,
                    "the 'fmt ' chunk says WAVE_FORMAT_EXTENSIBLE but is too short to hold its sub-format.");
            }

            encoding = BinaryPrimitives.ReadUInt16LittleEndian(chunk[24..]);
            if (!chunk.Slice(26, 14).SequenceEqual(SubFormatSuffix))
            {
                throw Error("WavUnsupportedEncoding", DataErrorKind.InvalidType, fileName,
                    "the WAVE_FORMAT_EXTENSIBLE sub-format is not PCM or IEEE float; convert the file to PCM first " +
                    "(for example: sox in.wav -e signed-integer -b 16 out.wav).");
            }
        }

        bool supported = (encoding == FormatPcm && bits is 8 or 16 or 24 or 32)
            || (encoding == FormatFloat && bits is 32 or 64);
        if (!supported)
        {
            throw Error("WavUnsupportedEncoding", DataErrorKind.InvalidType, fileName,
                $"the samples are {EncodingName(encoding, bits)}; PSRnn reads 8/16/24/32-bit PCM and 32/64-bit float. " +
                "Convert the file first (for example: sox in.wav -e signed-integer -b 16 out.wav).");
        }

        if (channels < 1 || rate < 1 || blockAlign != channels * (bits / 8))
        {
            throw Error("WavInvalidFormat", DataErrorKind.InvalidData, fileName,
                $"the 'fmt ' chunk is inconsistent: {channels} channel(s), {rate} Hz, {bits} bits, block align {blockAlign}.");
        }

        // Outside these, resampling costs out of all proportion to the file (10 MHz to 16 kHz: a filter of 200 million taps).
        if (rate is < MinSampleRate or > MaxSampleRate)
        {
            throw Error("WavSampleRateUnsupported", DataErrorKind.InvalidType, fileName,
                $"its sample rate is {rate:N0} Hz; PSRnn reads {MinSampleRate:N0} to {MaxSampleRate:N0} Hz. Resample it first " +
                "(for example: sox in.wav -r 16000 out.wav).");
        }

        return new Format(encoding == FormatFloat ? WavSampleFormat.Float : WavSampleFormat.Pcm, channels, (int)rate, bits);
    }

    private static WavAudio Decode(ReadOnlySpan<byte> data, Format format, string? fileName)
    {
        int bytesPerSample = format.Bits / 8;
        int blockAlign = bytesPerSample * format.Channels;
        if (data.Length % blockAlign != 0)
        {
            throw Truncated(fileName, $"the 'data' chunk holds {data.Length} bytes, not a whole number of {blockAlign}-byte frames");
        }

        int frames = data.Length / blockAlign;
        if (frames == 0)
        {
            throw Error("WavEmpty", DataErrorKind.InvalidData, fileName, "the file holds no audio (its 'data' chunk is empty).");
        }

        var channels = new float[format.Channels][];
        for (int c = 0; c < channels.Length; c++)
        {
            channels[c] = new float[frames];
        }

        for (int i = 0, at = 0; i < frames; i++)
        {
            for (int c = 0; c < channels.Length; c++, at += bytesPerSample)
            {
                float sample = Sample(data.Slice(at, bytesPerSample), format);
                if (!float.IsFinite(sample))
                {
                    // Only float data can hold these; every feature computed from the file would be NaN.
                    throw Error("DataNotFinite", DataErrorKind.InvalidData, fileName,
                        $"sample {i:N0} of channel {c + 1} is {sample} (NaN, infinite or beyond float32's range); the audio data is damaged.");
                }

                channels[c][i] = sample;
            }
        }

        return new WavAudio(format.Rate, format.SampleFormat, format.Bits, channels);
    }

    // Integer PCM over its full scale: one exact division by a power of two, then one rounding to float.
    private static float Sample(ReadOnlySpan<byte> b, Format format) => (format.SampleFormat, format.Bits) switch
    {
        (WavSampleFormat.Float, 32) => BinaryPrimitives.ReadSingleLittleEndian(b),
        (WavSampleFormat.Float, _) => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
        (_, 8) => (b[0] - 128) / 128f,
        (_, 16) => BinaryPrimitives.ReadInt16LittleEndian(b) / 32768f,
        (_, 24) => ((b[0] | (b[1] << 8) | (b[2] << 16)) << 8 >> 8) / 8388608f,
        _ => (float)(BinaryPrimitives.ReadInt32LittleEndian(b) / 2147483648.0),
    };

    private static string EncodingName(ushort encoding, int bits) => encoding switch
    {
        FormatPcm => $"{bits}-bit PCM",
        FormatFloat => $"{bits}-bit float",
        2 => "Microsoft ADPCM",
        6 => "A-law",
        7 => "µ-law",
        0x11 => "IMA ADPCM",
        0x31 => "GSM 6.10",
        0x55 => "MPEG layer 3",
        _ => $"encoding 0x{encoding:X4}",
    };

    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            chars[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        }

        return new string(chars);
    }

    private static DataFormatException Truncated(string? fileName, string what) =>
        Error("WavTruncated", DataErrorKind.InvalidData, fileName, $"the file is truncated or corrupt: {what}.");

    private static DataFormatException Error(string id, DataErrorKind kind, string? fileName, string message) =>
        new(id, kind, fileName, message);

    private sealed record Format(WavSampleFormat SampleFormat, int Channels, int Rate, int Bits);
}
