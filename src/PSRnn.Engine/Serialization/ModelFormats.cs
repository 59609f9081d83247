namespace PSRnn.Engine.Serialization;

/// <summary>Tells a model file's format from its first bytes, not its extension.</summary>
public static class ModelFormats
{
    /// <summary>HDF5's format signature, at the start of a file whose superblock is at offset 0 (as h5py and Keras write).</summary>
    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    /// <summary>Reads the start of <paramref name="path"/> and names its format.</summary>
    public static ModelFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Span<byte> head = stackalloc byte[16];
        int read;
        using (FileStream stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        return Detect(head[..read], path);
    }

    /// <summary>Names the format of a file that starts with <paramref name="head"/> (16 bytes suffice).</summary>
    /// <param name="head">The file's first bytes.</param>
    /// <param name="path">The file name; its extension decides only between ONNX and safetensors for content too short to tell.</param>
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
