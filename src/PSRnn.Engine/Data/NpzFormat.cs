using System.Globalization;
using System.IO.Compression;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// Reads and writes NumPy's <c>.npz</c> archives (<c>numpy.savez</c> and <c>numpy.savez_compressed</c>): a zip of
/// <c>.npy</c> files, one per array, named after the array.
/// </summary>
public static class NpzFormat
{
    private const string NpySuffix = ".npy";

    // Deflate cannot expand data by more than about 1032:1; a larger declared size is a lie (a zip bomb or corruption).
    private const long MaxDeflateRatio = 1032;

    /// <summary>Reads every array of a .npz archive, in the archive's order.</summary>
    /// <param name="stream">The archive; seekable streams are read in place, others are buffered by the zip reader.</param>
    /// <param name="fileName">The file name used in error messages; may be null.</param>
    /// <returns>The arrays, each with <see cref="Tensor.Name"/> set to its entry name without <c>.npy</c>.</returns>
    /// <exception cref="DataFormatException">The archive or one of its entries is invalid or unsafe.</exception>
    public static IReadOnlyList<Tensor> Read(Stream stream, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive archive;
        System.Collections.ObjectModel.ReadOnlyCollection<ZipArchiveEntry> entries;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            entries = archive.Entries;
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException("NpzCorruptArchive", DataErrorKind.InvalidData, fileName,
                $"it is not a valid .npz (zip) archive: {e.Message} The file is damaged or incomplete; write it again with numpy.savez.", e);
        }

        using (archive)
        {
            var tensors = new List<Tensor>(entries.Count);
            foreach (ZipArchiveEntry entry in entries)
            {
                tensors.Add(ReadEntry(entry, fileName));
            }

            return tensors;
        }
    }

    /// <summary>Writes the arrays as a .npz archive, as numpy.savez (or savez_compressed) would.</summary>
    /// <param name="stream">The stream to write the archive to.</param>
    /// <param name="tensors">The arrays. Each is stored as <c>Name.npy</c>; unnamed ones are called <c>arr_0</c>, <c>arr_1</c>, … in order.</param>
    /// <param name="compress">Deflate the entries (numpy.savez_compressed) instead of storing them (numpy.savez).</param>
    /// <exception cref="ArgumentException">Two arrays would have the same name, or a name is not a safe entry name.</exception>
    public static void Write(Stream stream, IEnumerable<Tensor> tensors, bool compress)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);

        // Name everything first, so a bad name fails before any byte is written.
        var named = new List<(string Name, Tensor Tensor)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int unnamed = 0;
        foreach (Tensor tensor in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            string name = tensor.Name ?? string.Create(CultureInfo.InvariantCulture, $"arr_{unnamed++}");
            if (name.Length == 0 || UnsafeNameReason(name + NpySuffix) is not null)
            {
                throw new ArgumentException(
                    $"'{name}' cannot name an array in a .npz archive: use a non-empty name without '..', a leading '/' or '\\', or a drive letter.",
                    nameof(tensors));
            }

            if (!names.Add(name))
            {
                throw new ArgumentException(
                    $"Two arrays are named '{name}'; names in a .npz archive must be unique (unnamed arrays are called arr_0, arr_1, …).",
                    nameof(tensors));
            }

            named.Add((name, tensor));
        }

        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        foreach ((string name, Tensor tensor) in named)
        {
            ZipArchiveEntry entry = archive.CreateEntry(name + NpySuffix,
                compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            using Stream entryStream = entry.Open();
            NpyFormat.Write(entryStream, tensor);
        }
    }

    private static Tensor ReadEntry(ZipArchiveEntry entry, string? fileName)
    {
        string entryName = entry.FullName;
        string where = fileName is null ? entryName : fileName + "/" + entryName;
        if (UnsafeNameReason(entryName) is string reason)
        {
            throw new DataFormatException("NpzUnsafeEntryName", DataErrorKind.SecurityError, fileName,
                $"its entry '{entryName}' tries to escape its folder ({reason}). The archive was not written by NumPy " +
                "and may be malicious; it was not read.");
        }

        if (!entryName.EndsWith(NpySuffix, StringComparison.Ordinal))
        {
            throw new DataFormatException("NpzEntryNotNpy", DataErrorKind.InvalidData, fileName,
                $"its entry '{entryName}' is not a .npy array. A .npz archive holds only .npy files, as numpy.savez " +
                "writes them; remove the other files from the archive.");
        }

        if (entry.Length > entry.CompressedLength * MaxDeflateRatio + 4096)
        {
            throw CorruptEntry(fileName, entryName, string.Create(CultureInfo.InvariantCulture,
                $"it declares {entry.Length} bytes from {entry.CompressedLength} compressed bytes, more than deflate can produce"), null);
        }

        Tensor tensor;
        try
        {
            using Stream raw = entry.Open();
            using var checkedStream = new Crc32ReadStream(raw);
            try
            {
                tensor = NpyFormat.Read(checkedStream, where, entry.Length);
            }
            catch (DataFormatException e) when (!IsIntact(checkedStream, entry))
            {
                // Garbled bytes make a garbled header or data; the root cause is the damaged entry.
                throw CorruptEntry(fileName, entryName, "its content does not match its CRC-32", e);
            }

            if (checkedStream.Crc32 != entry.Crc32)
            {
                throw CorruptEntry(fileName, entryName, string.Create(CultureInfo.InvariantCulture,
                    $"its CRC-32 is {checkedStream.Crc32:x8} but the archive says {entry.Crc32:x8}"), null);
            }
        }
        catch (InvalidDataException e)
        {
            throw CorruptEntry(fileName, entryName, e.Message, e);
        }

        tensor.Name = entryName[..^NpySuffix.Length];
        return tensor;
    }

    // Reads the rest of the entry to see whether its checksum holds.
    private static bool IsIntact(Crc32ReadStream stream, ZipArchiveEntry entry)
    {
        try
        {
            byte[] buffer = new byte[1 << 16];
            while (stream.BytesRead < entry.Length && stream.Read(buffer, 0, buffer.Length) > 0)
            {
            }

            return stream.Crc32 == entry.Crc32;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Why an entry name could escape the folder it is extracted to, or null when it is safe.</summary>
    internal static string? UnsafeNameReason(string name)
    {
        if (name.Length > 0 && name[0] is '/' or '\\')
        {
            return "an absolute path";
        }

        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
        {
            return "a drive letter";
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            return "a NUL character";
        }

        foreach (string segment in name.Split('/', '\\'))
        {
            if (segment == "..")
            {
                return name.Contains('\\', StringComparison.Ordinal) ? "a '..' segment behind backslashes" : "a '..' segment";
            }
        }

        return null;
    }

    private static DataFormatException CorruptEntry(string? fileName, string entryName, string why, Exception? inner) =>
        new("NpzCorruptEntry", DataErrorKind.InvalidData, fileName,
            $"its entry '{entryName}' is damaged: {why}. Write the archive again with numpy.savez.", inner);
}
