using System.Buffers.Binary;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Serialization;

/// <summary>Tells a model file's format from its first bytes, not its extension.</summary>
public static class ModelFormats
{
    /// <summary>HDF5's format signature, at the start of the superblock.</summary>
    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    /// <summary>NumPy's .npy magic string.</summary>
    private static readonly byte[] NumpyMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // HDF5 puts the superblock at 0 or, after a user block, at 512, 1024, 2048, … (a power of two from 512).
    private const long FirstUserBlockOffset = 512;

    /// <summary>Reads the start of <paramref name="path"/> (a regular file: see <see cref="InputFile"/>) and names its format.</summary>
    /// <exception cref="DataFormatException"><c>FileNotRegular</c>: the path is a FIFO, a device, a socket or a directory;
    /// <c>ModelFormatUnknown</c>: the content is none of the three formats (text, NumPy data, WAV, …).</exception>
    public static ModelFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = InputFile.OpenRead(path, bufferSize: 1);
        return Detect(stream, path);
    }

    /// <summary>Names the format of a seekable stream's content (from its current position), which is left where it was.</summary>
    /// <param name="stream">The content; its length bounds the HDF5 user-block offsets probed (at most 60 or so reads).</param>
    /// <param name="path">The file name; its extension decides only between ONNX and safetensors for content too short to tell.</param>
    /// <exception cref="DataFormatException"><c>ModelFormatUnknown</c>: the content is none of the three formats.</exception>
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

            if ((head[..read].StartsWith("PK\x03\x04"u8) || head[..read].StartsWith("PK\x05\x06"u8)) && KerasArchive.IsArchive(stream))
            {
                return ModelFormat.KerasArchive;
            }

            ModelFormat format = Detect(head[..read], path);
            if (format != ModelFormat.Hdf5 && read >= 9 && head[0] != 0x08 && head[8] != (byte)'{'
                && BinaryPrimitives.ReadUInt64LittleEndian(head) > (ulong)Math.Max(length - 8, 0))
            {
                // No ONNX tag, and a safetensors header length past the end with no '{' after it: none of the three (a
                // damaged safetensors file keeps its '{' or a length that fits, and gets the safetensors reader's error).
                throw new DataFormatException("ModelFormatUnknown", DataErrorKind.InvalidType, path, NotA(head[..read],
                    "a safetensors, ONNX or Keras HDF5 model file",
                    "Import-RnnModel reads the files Export-RnnModel, torch.onnx.export and Keras's model.save('m.h5') write."));
            }

            return format;
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

    /// <summary>
    /// Why a file is not the <paramref name="expected"/> kind: the data it is instead, when PSRnn reads that kind with
    /// another cmdlet (NumPy's files, WAV), and that cmdlet; else <paramref name="readers"/>, what reads the expected kind.
    /// </summary>
    internal static string NotA(ReadOnlySpan<byte> head, string expected, string readers)
    {
        (string kind, string reader)? other =
            head.StartsWith(NumpyMagic) ? ("a NumPy .npy file", "Read it with Import-NpyData.")
            : head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8) ? ("a zip archive (NumPy's .npz is one)", "Read a .npz with Import-NpyData.")
            : head.StartsWith("RIFF"u8) && head.Length >= 12 && head[8..12].SequenceEqual("WAVE"u8) ? ("a WAV file", "Read it with Import-RnnAudio.")
            : null;
        return other is { } it ? $"it is {it.kind}, not {expected}. {it.reader}" : $"it is not {expected} (its first bytes are no such file's). {readers}";
    }
}
