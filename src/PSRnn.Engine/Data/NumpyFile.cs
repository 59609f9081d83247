using PSRnn.Engine.IO;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>Loads and saves NumPy files on disk: <c>.npy</c> (one array) and <c>.npz</c> (named arrays).</summary>
public static class NumpyFile
{
    /// <summary>Loads a .npy or .npz file; which one is told by its first bytes, not its extension.</summary>
    /// <param name="path">The file.</param>
    /// <returns>One unnamed tensor for a .npy; the archive's named tensors, in order, for a .npz.</returns>
    /// <exception cref="DataFormatException">The file is not a valid .npy/.npz, or holds something PSRnn refuses.</exception>
    public static IReadOnlyList<Tensor> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = InputFile.OpenRead(path, 1 << 16);
        Span<byte> start = stackalloc byte[4];
        int got = stream.Read(start);
        stream.Position = 0;

        // A zip starts with a local file header, or (no entries at all) with the end of central directory.
        if (got == 4 && (start.SequenceEqual("PK\x03\x04"u8) || start.SequenceEqual("PK\x05\x06"u8)))
        {
            return NpzFormat.Read(stream, path);
        }

        return [NpyFormat.Read(stream, path)];
    }

    /// <summary>Saves tensors to a .npy (exactly one tensor) or .npz file, chosen by the extension; atomically.</summary>
    /// <param name="path">The target, ending in <c>.npy</c> or <c>.npz</c>; its folder must exist.</param>
    /// <param name="tensors">The arrays; in a .npz they are named by <see cref="Tensor.Name"/>, else arr_0, arr_1, ….</param>
    /// <param name="compress">Deflate a .npz's entries (as numpy.savez_compressed); not allowed for .npy.</param>
    /// <param name="overwrite">Replace an existing file; otherwise an existing file gives <see cref="IOException"/>.</param>
    /// <exception cref="ArgumentException">The extension, the number of tensors or their names do not fit the format.</exception>
    public static void Save(string path, IReadOnlyList<Tensor> tensors, bool compress, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        string extension = Path.GetExtension(path);
        if (extension.Equals(".npy", StringComparison.OrdinalIgnoreCase))
        {
            if (tensors.Count != 1)
            {
                throw new ArgumentException(
                    $"A .npy file holds exactly one array, not {tensors.Count}; save several arrays to a .npz file.", nameof(tensors));
            }

            if (compress)
            {
                throw new ArgumentException("A .npy file cannot be compressed; save to a .npz file to compress.", nameof(compress));
            }

            Tensor tensor = tensors[0] ?? throw new ArgumentNullException(nameof(tensors));
            AtomicFile.Write(path, stream => NpyFormat.Write(stream, tensor), overwrite);
        }
        else if (extension.Equals(".npz", StringComparison.OrdinalIgnoreCase))
        {
            AtomicFile.Write(path, stream => NpzFormat.Write(stream, tensors, compress), overwrite);
        }
        else
        {
            throw new ArgumentException(
                $"'{path}' must end in .npy (one array) or .npz (several named arrays).", nameof(path));
        }
    }
}
