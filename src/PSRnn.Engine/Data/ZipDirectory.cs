using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PSRnn.Engine.Data;

/// <summary>
/// Reads and checks a zip archive's directory the way a .npz must be: one disk, the end record (and zip64's, when
/// present) consistent, the central directory exactly where it says, and every entry's local header agreeing with its
/// central record (name, method, flags, CRC-32 and sizes, through zip64 fields) with its data inside the archive and
/// sharing no byte with another entry. What is read is therefore what the directory describes, once each: no entry can
/// be read twice through two records (the overlapping-entry zip bomb) or mean one thing to PSRnn and another to NumPy.
/// </summary>
/// <remarks>
/// Everything is bounded by the archive's real length: the directory is at most that long and read once, every offset
/// and size is checked against it before it is used.
/// </remarks>
internal static class ZipDirectory
{
    private const int EndRecordSize = 22;
    private const int Zip64LocatorSize = 20;
    private const int Zip64EndRecordSize = 56;
    private const int CentralRecordSize = 46;
    private const int LocalHeaderSize = 30;
    private const uint Max32 = uint.MaxValue;
    private const ushort Max16 = ushort.MaxValue;
    private const ushort FlagEncrypted = 1;
    private const ushort FlagDataDescriptor = 1 << 3;
    private const ushort FlagStrongEncryption = 1 << 6;

    // Not worth a Stream for these: the magic numbers of the records.
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;

    /// <summary>Reads and checks the directory of the zip archive <paramref name="stream"/> (seekable, from position 0).</summary>
    /// <exception cref="DataFormatException">NpzCorruptArchive, NpzCorruptEntry, NpzInconsistentEntry, NpzOverlappingEntries, NpzDuplicateEntry.</exception>
    public static List<Entry> Read(Stream stream, string? fileName)
    {
        long length = stream.Length;
        if (length < EndRecordSize)
        {
            throw Corrupt(fileName, $"it has {length} bytes, too few for a zip archive's end record");
        }

        // The end record is the last 22 bytes, or earlier by a comment of up to 65535 bytes.
        int tailLength = (int)Math.Min(length, EndRecordSize + Max16);
        byte[] tail = ReadAt(stream, length - tailLength, tailLength, fileName);
        int end = -1;
        for (int i = tailLength - EndRecordSize; i >= 0; i--)
        {
            if (U32(tail, i) == EndSignature && i + EndRecordSize + U16(tail, i + 20) <= tailLength)
            {
                end = i;
                break;
            }
        }

        if (end < 0)
        {
            throw Corrupt(fileName, "it has no zip end-of-central-directory record");
        }

        long endPosition = length - tailLength + end;
        uint disk = U16(tail, end + 4);
        uint directoryDisk = U16(tail, end + 6);
        ulong entriesOnDisk = U16(tail, end + 8);
        ulong entries = U16(tail, end + 10);
        ulong directorySize = U32(tail, end + 12);
        ulong directoryOffset = U32(tail, end + 16);
        long directoryEnd = endPosition;

        // zip64: a locator right before the end record points at the zip64 end record, which holds the real values.
        if (endPosition >= Zip64LocatorSize)
        {
            byte[] locator = ReadAt(stream, endPosition - Zip64LocatorSize, Zip64LocatorSize, fileName);
            if (U32(locator, 0) == Zip64LocatorSignature)
            {
                ulong recordOffset = U64(locator, 8);
                if (U32(locator, 4) != 0 || U32(locator, 16) > 1)
                {
                    throw Corrupt(fileName, "it is a multi-disk (split) zip archive; write it again as one file");
                }

                // Signed first: an archive shorter than the two records makes the limit negative (found by fuzzing).
                long lastRecordOffset = endPosition - Zip64LocatorSize - Zip64EndRecordSize;
                if (lastRecordOffset < 0 || recordOffset > (ulong)lastRecordOffset)
                {
                    throw Corrupt(fileName, "its zip64 end record lies outside the archive");
                }

                byte[] record = ReadAt(stream, (long)recordOffset, Zip64EndRecordSize, fileName);
                if (U32(record, 0) != Zip64EndSignature)
                {
                    throw Corrupt(fileName, "its zip64 locator does not point at a zip64 end record");
                }

                // Each 32- or 16-bit field of the end record is either the zip64 marker or the same value as zip64's.
                (ulong Value, ulong Zip64, ulong Marker)[] pairs =
                [
                    (disk, U32(record, 16), Max16), (directoryDisk, U32(record, 20), Max16),
                    (entriesOnDisk, U64(record, 24), Max16), (entries, U64(record, 32), Max16),
                    (directorySize, U64(record, 40), Max32), (directoryOffset, U64(record, 48), Max32),
                ];
                if (pairs.Any(p => p.Value != p.Marker && p.Value != p.Zip64))
                {
                    throw Corrupt(fileName, "its end record and its zip64 end record disagree");
                }

                disk = U32(record, 16);
                directoryDisk = U32(record, 20);
                entriesOnDisk = U64(record, 24);
                entries = U64(record, 32);
                directorySize = U64(record, 40);
                directoryOffset = U64(record, 48);
                directoryEnd = (long)recordOffset;
            }
        }

        if (disk != 0 || directoryDisk != 0 || entriesOnDisk != entries)
        {
            throw Corrupt(fileName, "it is a multi-disk (split) zip archive; write it again as one file");
        }

        // The central directory ends where the end records begin: nothing before the archive, no gap, no overlap.
        if (directoryOffset > (ulong)directoryEnd || directorySize != (ulong)directoryEnd - directoryOffset)
        {
            throw Corrupt(fileName, string.Create(CultureInfo.InvariantCulture,
                $"its central directory ({directorySize} bytes at {directoryOffset}) is not where its end record is ({directoryEnd})"));
        }

        if (directorySize > (ulong)Array.MaxLength || entries > directorySize / CentralRecordSize)
        {
            throw Corrupt(fileName, string.Create(CultureInfo.InvariantCulture,
                $"it declares {entries} entries, more than its {directorySize}-byte central directory can hold"));
        }

        byte[] directory = ReadAt(stream, (long)directoryOffset, (int)directorySize, fileName);
        var result = new List<Entry>((int)entries);
        int at = 0;
        for (ulong n = 0; n < entries; n++)
        {
            result.Add(ParseCentral(directory, ref at, (long)directoryOffset, fileName));
        }

        if (at != directory.Length)
        {
            throw Corrupt(fileName, "its central directory holds more than the entries its end record counts");
        }

        // Two records at one local header read one stored array twice (or a hundred times): refused before any header is read.
        var offsets = new Dictionary<long, string>();
        foreach (Entry e in result)
        {
            if (!offsets.TryAdd(e.LocalHeaderOffset, e.Name))
            {
                throw Overlapping(fileName, offsets[e.LocalHeaderOffset], e.Name, string.Create(CultureInfo.InvariantCulture,
                    $"both start at byte {e.LocalHeaderOffset}"));
            }
        }

        // In file order, so that each local header is read only once its start is known to follow the previous entry's
        // data: no byte belongs to two entries, and all the headers read add up to no more than the archive.
        int[] byOffset = [.. Enumerable.Range(0, result.Count).OrderBy(i => result[i].LocalHeaderOffset)];
        Entry? previous = null;
        foreach (int i in byOffset)
        {
            if (previous is not null && result[i].LocalHeaderOffset < previous.DataOffset + previous.CompressedSize)
            {
                throw Overlapping(fileName, previous.Name, result[i].Name, string.Create(CultureInfo.InvariantCulture,
                    $"bytes {previous.LocalHeaderOffset} to {previous.DataOffset + previous.CompressedSize} and from {result[i].LocalHeaderOffset}"));
            }

            result[i] = CheckLocal(stream, result[i], (long)directoryOffset, fileName);
            previous = result[i];
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Entry e in result)
        {
            if (!names.Add(e.Name))
            {
                throw new DataFormatException("NpzDuplicateEntry", DataErrorKind.InvalidData, fileName,
                    $"it holds two entries named '{e.Name}', so which array that name means is ambiguous. numpy.savez " +
                    "never writes this; write the archive again with numpy.savez.");
            }
        }

        return result;
    }

    private static Entry ParseCentral(byte[] d, ref int at, long directoryOffset, string? fileName)
    {
        if (d.Length - at < CentralRecordSize || U32(d, at) != CentralSignature)
        {
            throw Corrupt(fileName, "its central directory is damaged (a record is cut short or has a wrong signature)");
        }

        ushort flags = U16(d, at + 8);
        ushort method = U16(d, at + 10);
        uint crc = U32(d, at + 16);
        ulong compressed = U32(d, at + 20);
        ulong uncompressed = U32(d, at + 24);
        int nameLength = U16(d, at + 28);
        int extraLength = U16(d, at + 30);
        int commentLength = U16(d, at + 32);
        uint startDisk = U16(d, at + 34);
        ulong localOffset = U32(d, at + 42);
        int variable = nameLength + extraLength + commentLength;
        if (d.Length - at - CentralRecordSize < variable)
        {
            throw Corrupt(fileName, "its central directory is damaged (a record's name or extra field is cut short)");
        }

        byte[] nameBytes = d.AsSpan(at + CentralRecordSize, nameLength).ToArray();
        string name = Encoding.UTF8.GetString(nameBytes);
        ReadOnlySpan<byte> extra = d.AsSpan(at + CentralRecordSize + nameLength, extraLength);
        at += CentralRecordSize + variable;

        // zip64's extra field holds, in this order, the 64-bit values of exactly the fields set to the marker.
        if (uncompressed == Max32 || compressed == Max32 || localOffset == Max32 || startDisk == Max16)
        {
            ReadOnlySpan<byte> zip64 = FindExtra(extra, 0x0001, name, fileName);
            int z = 0;
            uncompressed = uncompressed == Max32 ? Next64(zip64, ref z, name, fileName) : uncompressed;
            compressed = compressed == Max32 ? Next64(zip64, ref z, name, fileName) : compressed;
            localOffset = localOffset == Max32 ? Next64(zip64, ref z, name, fileName) : localOffset;
            if (startDisk == Max16)
            {
                if (zip64.Length - z < 4)
                {
                    throw Inconsistent(fileName, name, "its zip64 extra field lacks the starting disk its record says it holds");
                }

                startDisk = BinaryPrimitives.ReadUInt32LittleEndian(zip64[z..]);
            }
        }

        if (startDisk != 0)
        {
            throw Corrupt(fileName, "it is a multi-disk (split) zip archive; write it again as one file");
        }

        if ((flags & (FlagEncrypted | FlagStrongEncryption)) != 0)
        {
            throw CorruptEntry(fileName, name, "it is encrypted, which numpy.savez never does");
        }

        if (method is not (0 or 8))
        {
            throw CorruptEntry(fileName, name, string.Create(CultureInfo.InvariantCulture,
                $"it uses compression method {method}; a .npz holds stored (numpy.savez) or deflated (numpy.savez_compressed) entries"));
        }

        if (localOffset > (ulong)directoryOffset || compressed > (ulong)directoryOffset || uncompressed > long.MaxValue)
        {
            throw CorruptEntry(fileName, name, string.Create(CultureInfo.InvariantCulture,
                $"its record places {compressed} bytes at offset {localOffset}, beyond the archive's {directoryOffset} bytes of entries"));
        }

        if (method == 0 && compressed != uncompressed)
        {
            throw CorruptEntry(fileName, name, string.Create(CultureInfo.InvariantCulture,
                $"it is stored (not compressed) but declares {compressed} stored bytes for {uncompressed}"));
        }

        return new Entry(name, nameBytes, flags, method, crc, (long)compressed, (long)uncompressed, (long)localOffset, 0);
    }

    // The local header must say what the central record says; the data follows it and ends before the central directory.
    private static Entry CheckLocal(Stream stream, Entry e, long directoryOffset, string? fileName)
    {
        if (directoryOffset - e.LocalHeaderOffset < LocalHeaderSize)
        {
            throw CorruptEntry(fileName, e.Name, "its local header lies past the entries, inside the central directory");
        }

        byte[] h = ReadAt(stream, e.LocalHeaderOffset, LocalHeaderSize, fileName);
        if (U32(h, 0) != LocalSignature)
        {
            throw CorruptEntry(fileName, e.Name, "its record does not point at a local file header");
        }

        ushort flags = U16(h, 6);
        ushort method = U16(h, 8);
        uint crc = U32(h, 14);
        ulong compressed = U32(h, 18);
        ulong uncompressed = U32(h, 22);
        int nameLength = U16(h, 26);
        int extraLength = U16(h, 28);
        long dataOffset = e.LocalHeaderOffset + LocalHeaderSize + nameLength + extraLength;
        if (dataOffset > directoryOffset)
        {
            throw CorruptEntry(fileName, e.Name, "its local header runs into the central directory");
        }

        byte[] variable = ReadAt(stream, e.LocalHeaderOffset + LocalHeaderSize, nameLength + extraLength, fileName);
        if (!variable.AsSpan(0, nameLength).SequenceEqual(e.NameBytes))
        {
            throw Inconsistent(fileName, e.Name, $"its local header names it '{Encoding.UTF8.GetString(variable, 0, nameLength)}'");
        }

        if (method != e.Method || ((flags ^ e.Flags) & (FlagEncrypted | FlagDataDescriptor)) != 0)
        {
            throw Inconsistent(fileName, e.Name, string.Create(CultureInfo.InvariantCulture,
                $"its local header says method {method}, flags 0x{flags:x4}; its central record method {e.Method}, flags 0x{e.Flags:x4}"));
        }

        if (compressed == Max32 || uncompressed == Max32)
        {
            // A local zip64 field holds both sizes, uncompressed first.
            ReadOnlySpan<byte> zip64 = FindExtra(variable.AsSpan(nameLength), 0x0001, e.Name, fileName);
            int z = 0;
            if (zip64.Length >= 16)
            {
                uncompressed = Next64(zip64, ref z, e.Name, fileName);
                compressed = Next64(zip64, ref z, e.Name, fileName);
            }
            else
            {
                uncompressed = uncompressed == Max32 ? Next64(zip64, ref z, e.Name, fileName) : uncompressed;
                compressed = compressed == Max32 ? Next64(zip64, ref z, e.Name, fileName) : compressed;
            }
        }

        // With a data descriptor (flag 3) the local header may leave CRC and sizes zero; if it gives them, they must agree.
        bool deferred = (flags & FlagDataDescriptor) != 0 && crc == 0 && compressed == 0 && uncompressed == 0;
        if (!deferred && (crc != e.Crc32 || compressed != (ulong)e.CompressedSize || uncompressed != (ulong)e.UncompressedSize))
        {
            throw Inconsistent(fileName, e.Name, string.Create(CultureInfo.InvariantCulture,
                $"its local header says {compressed} bytes for {uncompressed}, CRC-32 {crc:x8}; its central record " +
                $"{e.CompressedSize} for {e.UncompressedSize}, CRC-32 {e.Crc32:x8}"));
        }

        if (directoryOffset - dataOffset < e.CompressedSize)
        {
            throw CorruptEntry(fileName, e.Name, string.Create(CultureInfo.InvariantCulture,
                $"its {e.CompressedSize} bytes of data run past the entries into the central directory"));
        }

        return e with { DataOffset = dataOffset };
    }

    private static ReadOnlySpan<byte> FindExtra(ReadOnlySpan<byte> extra, ushort id, string name, string? fileName)
    {
        while (extra.Length >= 4)
        {
            ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (size > extra.Length - 4)
            {
                break;
            }

            if (tag == id)
            {
                return extra.Slice(4, size);
            }

            extra = extra[(4 + size)..];
        }

        throw Inconsistent(fileName, name, "a size or offset says 'see zip64' but the entry has no zip64 extra field");
    }

    private static ulong Next64(ReadOnlySpan<byte> zip64, ref int at, string name, string? fileName)
    {
        if (zip64.Length - at < 8)
        {
            throw Inconsistent(fileName, name, "its zip64 extra field is shorter than the fields it must hold");
        }

        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(zip64[at..]);
        at += 8;
        return value;
    }

    // Every call is within the length checked before; a file cut short meanwhile is a damaged archive.
    private static byte[] ReadAt(Stream stream, long offset, int count, string? fileName)
    {
        var buffer = new byte[count];
        stream.Position = offset;
        if (stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false) < count)
        {
            throw Corrupt(fileName, "it ended while it was read");
        }

        return buffer;
    }

    private static ushort U16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));

    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

    private static ulong U64(byte[] b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));

    private static DataFormatException Corrupt(string? fileName, string why) =>
        new("NpzCorruptArchive", DataErrorKind.InvalidData, fileName,
            $"it is not a valid .npz (zip) archive: {why}. The file is damaged or incomplete; write it again with numpy.savez.");

    internal static DataFormatException CorruptEntry(string? fileName, string entryName, string why, Exception? inner = null) =>
        new("NpzCorruptEntry", DataErrorKind.InvalidData, fileName,
            $"its entry '{entryName}' is damaged: {why}. Write the archive again with numpy.savez.", inner);

    private static DataFormatException Overlapping(string? fileName, string first, string second, string where) =>
        new("NpzOverlappingEntries", DataErrorKind.SecurityError, fileName,
            $"its entries '{first}' and '{second}' overlap ({where}): one stored array would be read as several, the trick of " +
            "a zip bomb. The archive was not written by NumPy and was not read.");

    private static DataFormatException Inconsistent(string? fileName, string entryName, string why) =>
        new("NpzInconsistentEntry", DataErrorKind.InvalidData, fileName,
            $"its entry '{entryName}' is described two ways: {why}. Zip readers would disagree on what it holds, so it was " +
            "not read; write the archive again with numpy.savez.");

    /// <summary>One entry as its central record (checked against its local header) describes it.</summary>
    /// <param name="Name">The entry name (UTF-8).</param>
    /// <param name="NameBytes">The name as stored.</param>
    /// <param name="Flags">The general-purpose flags.</param>
    /// <param name="Method">0 (stored) or 8 (deflated).</param>
    /// <param name="Crc32">The CRC-32 of the uncompressed bytes.</param>
    /// <param name="CompressedSize">The stored bytes.</param>
    /// <param name="UncompressedSize">The bytes they inflate to.</param>
    /// <param name="LocalHeaderOffset">Where the local header starts.</param>
    /// <param name="DataOffset">Where the stored bytes start.</param>
    internal sealed record Entry(string Name, byte[] NameBytes, ushort Flags, ushort Method, uint Crc32, long CompressedSize,
        long UncompressedSize, long LocalHeaderOffset, long DataOffset);
}
