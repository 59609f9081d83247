using System.Globalization;
using System.IO.Compression;
using PSRnn.Engine.IO;
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

    /// <summary>
    /// The decompressed bytes one archive may hold in all: 256 times its own size, at least 256 MiB, and never more than
    /// this process can use (<see cref="MemoryBudget"/>). An archive of up to 1 MiB therefore costs at most 256 MiB.
    /// </summary>
    public const long MaxExpansion = 256;

    /// <summary>The floor of the per-archive budget: any archive may decompress to this much (see <see cref="MaxExpansion"/>).</summary>
    public const long MinBudgetBytes = 256L << 20;

    /// <summary>Reads every array of a .npz archive, in the archive's order.</summary>
    /// <param name="stream">The archive; seekable streams are read in place, others are buffered first.</param>
    /// <param name="fileName">The file name used in error messages; may be null.</param>
    /// <returns>The arrays, each with <see cref="Tensor.Name"/> set to its entry name without <c>.npy</c>.</returns>
    /// <exception cref="DataFormatException">The archive or one of its entries is invalid or unsafe.</exception>
    /// <remarks>
    /// The directory is checked first (<see cref="ZipDirectory"/>: entries that overlap, local headers that disagree with
    /// the central directory, duplicate names), then the sizes every entry declares are added up against the budget
    /// (<see cref="MaxExpansion"/>), all before anything is decompressed; each entry then inflates to exactly its declared
    /// size, checked by its CRC-32.
    /// </remarks>
    public static IReadOnlyList<Tensor> Read(Stream stream, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Stream archive = stream.CanSeek ? stream : Buffer(stream, fileName);
        long start = archive.Position;
        using var view = new BoundedReadStream(archive, start, archive.Length - start);
        List<ZipDirectory.Entry> entries = ZipDirectory.Read(view, fileName);
        CheckBudget(entries, view.Length, fileName);

        var tensors = new List<Tensor>(entries.Count);
        foreach (ZipDirectory.Entry entry in entries)
        {
            tensors.Add(ReadEntry(view, entry, fileName));
        }

        return tensors;
    }

    private static void CheckBudget(List<ZipDirectory.Entry> entries, long archiveBytes, string? fileName)
    {
        long total = 0;
        foreach (ZipDirectory.Entry entry in entries)
        {
            total = entry.UncompressedSize > long.MaxValue - total ? long.MaxValue : total + entry.UncompressedSize;
        }

        if (!MemoryBudget.Fits(total))
        {
            throw new DataFormatException("NpyExceedsMemory", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                $"its {entries.Count} arrays declare {total:N0} bytes in all; loading them {MemoryBudget.Shortfall(total)}. " +
                $"Load it on a machine with more memory, or split it into smaller archives in Python."));
        }

        long budget = Math.Max(MinBudgetBytes, archiveBytes > long.MaxValue / MaxExpansion ? long.MaxValue : archiveBytes * MaxExpansion);
        if (total > budget)
        {
            throw new DataFormatException("NpzTooLarge", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                $"its {entries.Count} entries declare {MemoryBudget.Describe(total)} of arrays from {archiveBytes:N0} bytes of archive, " +
                $"more than the {MaxExpansion}:1 (or {MemoryBudget.Describe(MinBudgetBytes)}) PSRnn decompresses from one archive: " +
                $"a zip bomb, or arrays that compress far better than real data. Save them with numpy.savez (uncompressed) instead."));
        }
    }

    // A pipe's bytes, up to what one array can hold (a zip is read from its end, so it must be whole first).
    private static MemoryStream Buffer(Stream stream, string? fileName)
    {
        var buffer = new MemoryStream();
        byte[] chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length > Array.MaxLength - n)
            {
                throw new DataFormatException("NpzTooLarge", DataErrorKind.LimitsExceeded, fileName,
                    "the archive streamed in is larger than 2 GiB, more than PSRnn buffers from a pipe; save it to a file and read that.");
            }

            buffer.Write(chunk, 0, n);
        }

        buffer.Position = 0;
        return buffer;
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

    private static Tensor ReadEntry(Stream archive, ZipDirectory.Entry entry, string? fileName)
    {
        string entryName = entry.Name;
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

        if (entry.UncompressedSize > entry.CompressedSize * MaxDeflateRatio + 4096)
        {
            throw CorruptEntry(fileName, entryName, string.Create(CultureInfo.InvariantCulture,
                $"it declares {entry.UncompressedSize} bytes from {entry.CompressedSize} compressed bytes, more than deflate can produce"), null);
        }

        Tensor tensor;
        try
        {
            using var raw = new BoundedReadStream(archive, entry.DataOffset, entry.CompressedSize);
            using Stream content = entry.Method == 8 ? new DeflateStream(raw, CompressionMode.Decompress) : raw;
            using var checkedStream = new Crc32ReadStream(content);
            try
            {
                tensor = NpyFormat.Read(checkedStream, where, entry.UncompressedSize);
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
        catch (Exception e) when (Compression.IsCorruptData(e))
        {
            throw CorruptEntry(fileName, entryName, e.Message, e);
        }

        tensor.Name = entryName[..^NpySuffix.Length];
        return tensor;
    }

    // Reads the rest of the entry (never past its declared size) to see whether its checksum holds.
    private static bool IsIntact(Crc32ReadStream stream, ZipDirectory.Entry entry)
    {
        try
        {
            byte[] buffer = new byte[1 << 16];
            while (stream.BytesRead < entry.UncompressedSize
                && stream.Read(buffer, 0, (int)Math.Min(buffer.Length, entry.UncompressedSize - stream.BytesRead)) > 0)
            {
            }

            return stream.Crc32 == entry.Crc32;
        }
        catch (Exception e) when (Compression.IsCorruptData(e))
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
        ZipDirectory.CorruptEntry(fileName, entryName, why, inner);
}
