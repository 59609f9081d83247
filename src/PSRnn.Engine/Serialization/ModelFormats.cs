using PSRnn.Engine.IO;

namespace PSRnn.Engine.Serialization;

/// <summary>Tells a model file's format from its first bytes, not its extension.</summary>
public static class ModelFormats
{
    /// <summary>HDF5's format signature, at the start of the superblock.</summary>
    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    // HDF5 puts the superblock at 0 or, after a user block, at 512, 1024, 2048, … (a power of two from 512).
    private const long FirstUserBlockOffset = 512;

    /// <summary>Reads the start of <paramref name="path"/> (a regular file: see <see cref="InputFile"/>) and names its format.</summary>
    /// <exception cref="Data.DataFormatException"><c>FileNotRegular</c>: the path is a FIFO, a device, a socket or a directory.</exception>
    public static ModelFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = InputFile.OpenRead(path, bufferSize: 1);
        return Detect(stream, path);
    }

    /// <summary>Names the format of a seekable stream's content (from its current position), which is left where it was.</summary>
    /// <param name="stream">The content; its length bounds the HDF5 user-block offsets probed (at most 60 or so reads).</param>
    /// <param name="path">The file name; its extension decides only between ONNX and safetensors for content too short to tell.</param>
    public static ModelFormat Detect(Stream stream, string? path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable (a user block puts HDF5's signature past the start).", nameof(stream));
        }

        long start = stream.Position;
        long length = stream.Length - start;
        Span<byte> head = stackalloc byte[16];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        try
        {
            if (!head[..read].StartsWith(Hdf5Signature))
            {
                Span<byte> signature = stackalloc byte[8];
                for (long offset = FirstUserBlockOffset; offset <= length - signature.Length; offset *= 2)
                {
                    stream.Position = start + offset;
                    if (stream.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false) == signature.Length
                        && signature.SequenceEqual(Hdf5Signature))
                    {
                        return ModelFormat.Hdf5;
                    }
                }
            }

            return Detect(head[..read], path);
        }
        finally
        {
            stream.Position = start;
        }
    }

    /// <summary>Names the format of a file that starts with <paramref name="head"/> (16 bytes suffice).</summary>
    /// <param name="head">The file's first bytes.</param>
    /// <param name="path">The file name; its extension decides only between ONNX and safetensors for content too short to tell.</param>
    /// <remarks>An HDF5 file with a user block (superblock at 512, 1024, …) needs the whole file: <see cref="Detect(Stream, string)"/>.</remarks>
    public static ModelFormat Detect(ReadOnlySpan<byte> head, string? path)
    {
        if (head.StartsWith(Hdf5Signature))
        {
            return ModelFormat.Hdf5;
        }

        // safetensors: a little-endian u64 header length (small, so its high bytes are zero), then the JSON header's '{'.
        if (head.Length >= 9 && head[8] == (byte)'{' && head[4..8].IndexOfAnyExcept((byte)0) < 0)
        {
            return ModelFormat.Safetensors;
        }

        // Every ONNX exporter writes ModelProto's ir_version (field 1, varint: tag byte 0x08) first.
        if (head.Length > 0 && head[0] == 0x08)
        {
            return ModelFormat.Onnx;
        }

        return string.Equals(Path.GetExtension(path), ".onnx", StringComparison.OrdinalIgnoreCase) ? ModelFormat.Onnx : ModelFormat.Safetensors;
    }
}
