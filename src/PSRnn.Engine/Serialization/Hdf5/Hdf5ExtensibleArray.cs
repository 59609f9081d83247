using System.Numerics;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// An extensible array chunk index (HDF5 1.10, layout version 4, index type 4: a dataset with one unlimited dimension):
/// the first entries in the index block, then data blocks of doubling size, those of the later super blocks reached
/// through super blocks (H5EA__lookup_elmt). Each block is read once, checksummed, checked to belong to this array, and
/// used for one part of it only; a data block larger than a page keeps its entries in pages.
/// </summary>
/// <remarks>The blocks' own offset fields are not checked, as HDF5 does not check them: HDF5 1.10 writes an index block's
/// data blocks with an offset computed from their index among all of the index block's data blocks, not their super
/// block's, so the field is not the data block's first entry.</remarks>
internal sealed class Hdf5ExtensibleArray
{
    private readonly Hdf5Source _source;
    private readonly string _what;
    private readonly ulong _address;
    private readonly bool _filtered;
    private readonly int _client;
    private readonly int _entrySize;
    private readonly long _chunkBytes;
    private readonly int _indexEntries;
    private readonly ulong _entriesSet;
    private readonly ulong _minEntries;
    private readonly ulong _pageEntries;
    private readonly int _offsetBytes;
    private readonly (ulong DataBlocks, ulong Entries, ulong Start, ulong StartBlock)[] _superBlocks;
    private readonly int _indexSuperBlocks;
    private readonly byte[]? _indexElements;
    private readonly ulong[] _indexDataBlocks = [];
    private readonly ulong[] _indexSuperBlockAddresses = [];
    private readonly Dictionary<ulong, (ulong Offset, byte[] Bytes)> _blocks = [];
    private readonly Dictionary<ulong, (int SuperBlock, byte[] Bitmap, ulong[] DataBlocks)> _super = [];

    private Hdf5ExtensibleArray(Hdf5Source source, ulong address, string what, bool filtered, long chunkBytes, byte[] header, ReadOnlySpan<byte> parameters)
    {
        _source = source;
        _address = address;
        _what = what;
        _filtered = filtered;
        _chunkBytes = chunkBytes;
        Hdf5Cursor c = source.Cursor(header, what);
        c.Skip(5);
        _client = c.U8();
        _entrySize = c.U8();
        int maxBits = c.U8();
        _indexEntries = c.U8();
        int minEntries = c.U8();
        int minPointers = c.U8();
        int pageBits = c.U8();
        c.Skip(4L * source.LengthSize); // statistics: super and data blocks created, and their sizes
        // One more than the highest entry ever set: HDF5 reads every entry from there on as unset (H5EA_get).
        _entriesSet = c.Length();
        c.Length(); // entries realized
        ulong indexBlock = c.Address();
        int expectedSize = Hdf5Chunks.EntrySize(source, filtered, chunkBytes);
        // The layout message repeats the creation parameters (max bits, index entries, min pointers, min entries, page bits).
        bool sameParameters = parameters.Length == 5 && parameters[0] == maxBits && parameters[1] == _indexEntries && parameters[2] == minPointers &&
            parameters[3] == minEntries && parameters[4] == pageBits;
        int minBits = BitOperations.IsPow2(minEntries) ? BitOperations.Log2((uint)minEntries) : -1;
        if (_client != (filtered ? 1 : 0) || _entrySize != expectedSize || !sameParameters || maxBits is < 1 or > 63 || minBits < 0 || minBits > maxBits ||
            minPointers < 2 || !BitOperations.IsPow2(minPointers) || pageBits < 1 || pageBits > maxBits)
        {
            throw Hdf5Errors.Corruption(
                $"The {what} is an extensible array (client {_client}, {_entrySize}-byte entries, parameters {maxBits}/{_indexEntries}/{minPointers}/{minEntries}/{pageBits}) " +
                "that does not match its dataset's layout, or that HDF5 never writes: the file is corrupt.");
        }

        _minEntries = (ulong)minEntries;
        _pageEntries = 1UL << pageBits;
        _offsetBytes = (maxBits + 7) / 8;
        // H5EA__hdr_init: super block u holds 2^(u/2) data blocks of 2^((u+1)/2) × min entries.
        int superBlocks = 1 + maxBits - minBits;
        _superBlocks = new (ulong, ulong, ulong, ulong)[superBlocks];
        ulong start = 0, startBlock = 0;
        for (int u = 0; u < superBlocks; u++)
        {
            ulong blocks = 1UL << (u / 2);
            ulong entries = (1UL << ((u + 1) / 2)) * _minEntries;
            _superBlocks[u] = (blocks, entries, start, startBlock);
            // Saturate: entries past 2^64 can never be asked for.
            start = entries > (ulong.MaxValue - start) / blocks ? ulong.MaxValue : start + blocks * entries;
            startBlock += blocks;
        }

        _indexSuperBlocks = 2 * BitOperations.Log2((uint)minPointers);
        int indexDataBlocks = 2 * (minPointers - 1);
        if (_indexSuperBlocks > superBlocks)
        {
            throw Hdf5Errors.Corruption($"The {what} is an extensible array whose index block holds more super blocks than the array has: the file is corrupt.");
        }

        if (indexBlock == Hdf5Source.Undefined)
        {
            return;
        }

        int o = source.OffsetSize;
        byte[] block = source.Read(indexBlock, 4 + 1 + 1 + o + (long)_indexEntries * _entrySize + (long)indexDataBlocks * o + (long)(superBlocks - _indexSuperBlocks) * o + 4, what);
        Hdf5Cursor b = source.Cursor(block, what);
        if (!b.Bytes(4).SequenceEqual("EAIB"u8) || b.U8() != 0 || b.U8() != _client || b.Address() != address)
        {
            throw Hdf5Errors.Corruption($"The {what} has no extensible array index block of its header at {indexBlock}: the file is corrupt.");
        }

        Lookup3.Verify(block, what);
        _indexElements = b.Bytes((long)_indexEntries * _entrySize).ToArray();
        _indexDataBlocks = new ulong[indexDataBlocks];
        for (int i = 0; i < indexDataBlocks; i++)
        {
            _indexDataBlocks[i] = b.Address();
        }

        _indexSuperBlockAddresses = new ulong[superBlocks - _indexSuperBlocks];
        for (int i = 0; i < _indexSuperBlockAddresses.Length; i++)
        {
            _indexSuperBlockAddresses[i] = b.Address();
        }
    }

    /// <summary>Opens the extensible array at <paramref name="address"/>, whose creation parameters the layout message gives as <paramref name="parameters"/>.</summary>
    public static Hdf5ExtensibleArray Open(Hdf5Source source, ulong address, bool filtered, ReadOnlySpan<byte> parameters, long chunkBytes, string what)
    {
        byte[] header = source.Read(address, 4 + 1 + 1 + 6 + 6L * source.LengthSize + source.OffsetSize + 4, what);
        if (!header.AsSpan(0, 4).SequenceEqual("EAHD"u8) || header[4] != 0)
        {
            throw Hdf5Errors.Corruption($"The {what} has no extensible array header at {address}: the file is corrupt.");
        }

        Lookup3.Verify(header, what);
        return new Hdf5ExtensibleArray(source, address, what, filtered, chunkBytes, header, parameters);
    }

    /// <summary>Entry <paramref name="index"/>: the chunk's address (undefined if it was never written), stored size and filter mask.</summary>
    public (ulong Address, long Size, uint Mask) Entry(ulong index)
    {
        (ulong, long, uint) none = (Hdf5Source.Undefined, 0, 0);
        if (_indexElements is null || index >= _entriesSet)
        {
            return none;
        }

        if (index < (ulong)_indexEntries)
        {
            return Decode(_indexElements, index);
        }

        ulong j = index - (ulong)_indexEntries;
        int s = BitOperations.Log2(j / _minEntries + 1);
        if (s >= _superBlocks.Length)
        {
            return none;
        }

        var (_, entries, start, startBlock) = _superBlocks[s];
        ulong inBlock = (j - start) / entries;
        ulong element = (j - start) % entries;
        // Identifies the block's part of the array (which super block, which of its data blocks).
        ulong blockOffset = start + inBlock * entries;
        if (s < _indexSuperBlocks)
        {
            ulong dataBlock = _indexDataBlocks[startBlock + inBlock];
            if (dataBlock == Hdf5Source.Undefined)
            {
                return none;
            }

            if (entries > _pageEntries)
            {
                throw Hdf5Errors.NotSupported($"The {_what} is an extensible array whose index block points at paged data blocks, which HDF5 does not write.");
            }

            return Decode(DataBlock(dataBlock, blockOffset, entries), element);
        }

        ulong superBlock = _indexSuperBlockAddresses[s - _indexSuperBlocks];
        if (superBlock == Hdf5Source.Undefined)
        {
            return none;
        }

        (byte[] bitmap, ulong[] dataBlocks) = SuperBlock(superBlock, s);
        ulong address = dataBlocks[inBlock];
        if (address == Hdf5Source.Undefined)
        {
            return none;
        }

        if (entries <= _pageEntries)
        {
            return Decode(DataBlock(address, blockOffset, entries), element);
        }

        // A paged data block: its prefix, then pages of entries each with its checksum, the written ones marked in the
        // super block's bitmap (bit data block × pages + page, most significant first).
        ulong pages = entries / _pageEntries;
        ulong page = element / _pageEntries;
        ulong bit = inBlock * pages + page;
        if ((bitmap[bit / 8] & (0x80 >> (int)(bit % 8))) == 0)
        {
            return none;
        }

        DataBlock(address, blockOffset, 0);
        ulong prefix = (ulong)(10 + _source.OffsetSize + _offsetBytes);
        ulong pageAddress = address + prefix + page * (_pageEntries * (ulong)_entrySize + 4);
        if (!_blocks.TryGetValue(pageAddress, out var known))
        {
            byte[] bytes = _source.Read(pageAddress, (long)_pageEntries * _entrySize + 4, _what);
            Lookup3.Verify(bytes, _what);
            known = (ulong.MaxValue, bytes);
            _blocks.Add(pageAddress, known);
        }
        else if (known.Offset != ulong.MaxValue)
        {
            throw Hdf5Errors.Corruption($"The {_what} uses the block at {pageAddress} for two parts of its extensible array: the file is corrupt.");
        }

        return Decode(known.Bytes, element % _pageEntries);
    }

    private (ulong, long, uint) Decode(byte[] elements, ulong index) =>
        Hdf5Chunks.DecodeEntry(_source, elements.AsSpan((int)index * _entrySize, _entrySize), _filtered, _chunkBytes, _what);

    /// <summary>The entries of the data block at <paramref name="address"/> (none if it is paged: its pages follow it).</summary>
    private byte[] DataBlock(ulong address, ulong offset, ulong entries)
    {
        if (_blocks.TryGetValue(address, out var known))
        {
            return known.Offset == offset ? known.Bytes
                : throw Hdf5Errors.Corruption($"The {_what} uses the block at {address} for two parts of its extensible array: the file is corrupt.");
        }

        int o = _source.OffsetSize;
        long size = 4 + 1 + 1 + o + _offsetBytes + (long)entries * _entrySize + 4;
        byte[] block = _source.Read(address, size, _what);
        Hdf5Cursor c = _source.Cursor(block, _what);
        if (!c.Bytes(4).SequenceEqual("EADB"u8) || c.U8() != 0 || c.U8() != _client || c.Address() != _address)
        {
            throw Hdf5Errors.Corruption($"The {_what} has no extensible array data block for entry {offset} at {address}: the file is corrupt.");
        }

        c.Skip(_offsetBytes);

        Lookup3.Verify(block, _what);
        byte[] elements = c.Bytes((long)entries * _entrySize).ToArray();
        _blocks.Add(address, (offset, elements));
        return elements;
    }

    private (byte[] Bitmap, ulong[] DataBlocks) SuperBlock(ulong address, int s)
    {
        if (_super.TryGetValue(address, out var known))
        {
            return known.SuperBlock == s ? (known.Bitmap, known.DataBlocks)
                : throw Hdf5Errors.Corruption($"The {_what} uses the block at {address} for two super blocks of its extensible array: the file is corrupt.");
        }

        var (blocks, entries, start, _) = _superBlocks[s];
        int o = _source.OffsetSize;
        long bitmap = entries > _pageEntries ? (long)blocks * (long)((entries / _pageEntries + 7) / 8) : 0;
        byte[] block = _source.Read(address, 4 + 1 + 1 + o + _offsetBytes + bitmap + (long)blocks * o + 4, _what);
        Hdf5Cursor c = _source.Cursor(block, _what);
        if (!c.Bytes(4).SequenceEqual("EASB"u8) || c.U8() != 0 || c.U8() != _client || c.Address() != _address)
        {
            throw Hdf5Errors.Corruption($"The {_what} has no extensible array super block for entry {start} at {address}: the file is corrupt.");
        }

        c.Skip(_offsetBytes);

        Lookup3.Verify(block, _what);
        byte[] bits = c.Bytes(bitmap).ToArray();
        var dataBlocks = new ulong[blocks];
        for (ulong i = 0; i < blocks; i++)
        {
            dataBlocks[i] = c.Address();
        }

        _super.Add(address, (s, bits, dataBlocks));
        return (bits, dataBlocks);
    }
}
