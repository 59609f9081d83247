namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// A fixed array chunk index (HDF5 1.10, layout version 4, index type 3: a dataset whose maximum shape is fixed): one
/// entry a chunk of the maximum shape, in a data block or, past 2^page bits entries, in pages that are read (once each)
/// only when a chunk on them is asked for. Header, data block and pages are checksummed.
/// </summary>
internal sealed class Hdf5FixedArray
{
    private readonly Hdf5Source _source;
    private readonly string _what;
    private readonly bool _filtered;
    private readonly int _entrySize;
    private readonly long _chunkBytes;
    private readonly ulong _entries;
    private readonly ulong _pageEntries;
    private readonly byte[]? _elements;
    private readonly byte[]? _pageBitmap;
    private readonly ulong _firstPage;
    private readonly Dictionary<ulong, byte[]> _pages = [];

    private Hdf5FixedArray(Hdf5Source source, string what, bool filtered, int entrySize, long chunkBytes, ulong entries, int pageBits,
        byte[]? elements, byte[]? pageBitmap, ulong firstPage)
    {
        _source = source;
        _what = what;
        _filtered = filtered;
        _entrySize = entrySize;
        _chunkBytes = chunkBytes;
        _entries = entries;
        _pageEntries = 1UL << pageBits;
        _elements = elements;
        _pageBitmap = pageBitmap;
        _firstPage = firstPage;
    }

    /// <summary>
    /// Opens the fixed array at <paramref name="address"/>, which must hold <paramref name="entries"/> entries (the chunks of
    /// the maximum shape) with <paramref name="pageBits"/> as the layout message says.
    /// </summary>
    public static Hdf5FixedArray Open(Hdf5Source source, ulong address, bool filtered, int pageBits, ulong entries, long chunkBytes, string what)
    {
        int o = source.OffsetSize;
        byte[] header = source.Read(address, 4 + 1 + 1 + 1 + 1 + source.LengthSize + o + 4, what);
        if (!header.AsSpan(0, 4).SequenceEqual("FAHD"u8) || header[4] != 0)
        {
            throw Hdf5Errors.Corruption($"The {what} has no fixed array header at {address}: the file is corrupt.");
        }

        Lookup3.Verify(header, what);
        Hdf5Cursor c = source.Cursor(header, what);
        c.Skip(5);
        int client = c.U8();
        int entrySize = c.U8();
        int bits = c.U8();
        ulong count = c.Length();
        ulong dataBlock = c.Address();
        int expectedSize = Hdf5Chunks.EntrySize(source, filtered, chunkBytes);
        if (client != (filtered ? 1 : 0) || entrySize != expectedSize || bits != pageBits || bits is 0 or > 63 || count != entries)
        {
            throw Hdf5Errors.Corruption(
                $"The {what} is a fixed array of {count} entries of {entrySize} bytes (client {client}, {bits} page bits) where the dataset needs {entries} " +
                $"of {expectedSize} bytes (client {(filtered ? 1 : 0)}, {pageBits} page bits): the file is corrupt.");
        }

        if (dataBlock == Hdf5Source.Undefined)
        {
            return new Hdf5FixedArray(source, what, filtered, entrySize, chunkBytes, 0, bits, null, null, 0);
        }

        // Up to 2^bits entries live in the data block itself; beyond, in pages after it, with a bitmap of the written ones.
        ulong pageEntries = 1UL << bits;
        bool paged = count > pageEntries;
        ulong pages = paged ? (count - 1) / pageEntries + 1 : 0;
        long bitmap = paged ? (long)((pages + 7) / 8) : 0;
        long elements = paged ? 0 : (long)count * entrySize;
        if (count > (ulong)source.FileLength / (ulong)entrySize)
        {
            throw Hdf5Errors.Corruption($"The {what} declares {count} entries, more than a file of {source.FileLength} bytes holds: it is corrupt.");
        }

        long size = 4 + 1 + 1 + o + bitmap + elements + 4;
        byte[] block = source.Read(dataBlock, size, what);
        Hdf5Cursor d = source.Cursor(block, what);
        if (!d.Bytes(4).SequenceEqual("FADB"u8) || d.U8() != 0 || d.U8() != client || d.Address() != address)
        {
            throw Hdf5Errors.Corruption($"The {what} has no fixed array data block of its header at {dataBlock}: the file is corrupt.");
        }

        Lookup3.Verify(block, what);
        byte[] bitmapBytes = d.Bytes(bitmap).ToArray();
        byte[] elementBytes = d.Bytes(elements).ToArray();
        return new Hdf5FixedArray(source, what, filtered, entrySize, chunkBytes, count, bits,
            paged ? null : elementBytes, paged ? bitmapBytes : null, dataBlock + (ulong)size);
    }

    /// <summary>Entry <paramref name="index"/>: the chunk's address (undefined if it was never written), stored size and filter mask.</summary>
    public (ulong Address, long Size, uint Mask) Entry(ulong index)
    {
        if (index >= _entries)
        {
            return (Hdf5Source.Undefined, 0, 0);
        }

        if (_elements is not null)
        {
            return Hdf5Chunks.DecodeEntry(_source, _elements.AsSpan((int)index * _entrySize, _entrySize), _filtered, _chunkBytes, _what);
        }

        ulong page = index / _pageEntries;
        // HDF5's bitmaps number bits from the most significant (H5VM_bit_get).
        if ((_pageBitmap![page / 8] & (0x80 >> (int)(page % 8))) == 0)
        {
            return (Hdf5Source.Undefined, 0, 0);
        }

        if (!_pages.TryGetValue(page, out byte[]? bytes))
        {
            ulong pages = (_entries - 1) / _pageEntries + 1;
            ulong count = page == pages - 1 ? _entries - page * _pageEntries : _pageEntries;
            ulong pageSize = _pageEntries * (ulong)_entrySize + 4;
            bytes = _source.Read(_firstPage + page * pageSize, (long)count * _entrySize + 4, _what);
            Lookup3.Verify(bytes, _what);
            _pages.Add(page, bytes);
        }

        return Hdf5Chunks.DecodeEntry(_source, bytes.AsSpan((int)(index % _pageEntries) * _entrySize, _entrySize), _filtered, _chunkBytes, _what);
    }
}
