using System.Numerics;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Reads objects of a fractal heap (HDF5 1.8's heap of dense links and attributes) by heap ID: managed objects in direct
/// blocks reached through the doubling table of indirect blocks, tiny objects held in the ID itself, and unfiltered huge
/// objects (beyond the heap's managed size: a large attribute) by address or through the heap's B-tree of huge objects.
/// </summary>
/// <remarks>
/// Every block is read once (cached by address, and checked to be the block its parent's entry says: its heap, offset
/// and size) and checksummed; an object's bytes are charged to the file's budget each time they are handed out, so that
/// many index records naming one large object cost in proportion to the file. A lookup descends from the root through
/// blocks of strictly fewer rows, so it ends within the table's rows (at most 63). Heaps with I/O filters, which HDF5
/// writes only when asked through its C API (never for h5py's links and attributes), are <see cref="Hdf5Errors.Unsupported"/>.
/// </remarks>
internal sealed class Hdf5FractalHeap
{
    private readonly Hdf5Source _source;
    private readonly ulong _address;
    private readonly string _what;
    private readonly bool _checksummedBlocks;
    private readonly uint _maxManaged;
    private readonly ulong _hugeTree;
    private readonly int _width;
    private readonly ulong _startBlock;
    private readonly int _maxDirectRows;
    private readonly int _firstRowBits;
    private readonly ulong _root;
    private readonly int _rootRows;
    private readonly int _offsetBytes;
    private readonly int _lengthBytes;
    private readonly Dictionary<ulong, (ulong Offset, byte[] Block)> _direct = [];
    private readonly Dictionary<ulong, (ulong Offset, int Rows, ulong[] Children)> _indirect = [];
    private Dictionary<ulong, (ulong Address, ulong Length)>? _huge;

    private Hdf5FractalHeap(Hdf5Source source, ulong address, string what, byte[] header)
    {
        _source = source;
        _address = address;
        _what = what;
        Hdf5Cursor c = source.Cursor(header, what);
        c.Skip(5);
        IdLength = c.U16();
        int filters = c.U16();
        byte flags = c.U8();
        _maxManaged = c.U32();
        c.Length(); // next huge object ID
        _hugeTree = c.Address();
        c.Length(); // free space in managed blocks
        c.Address(); // free-space manager
        c.Length(); // managed space
        c.Length(); // allocated managed space
        c.Length(); // direct block allocation iterator
        c.Length(); // managed objects
        c.Length(); // huge objects' size
        c.Length(); // huge objects
        c.Length(); // tiny objects' size
        c.Length(); // tiny objects
        _width = c.U16();
        _startBlock = c.Length();
        ulong maxDirect = c.Length();
        int maxIndex = c.U16();
        c.U16(); // starting rows of the root indirect block
        _root = c.Address();
        _rootRows = c.U16();
        if (filters != 0)
        {
            throw Hdf5Errors.NotSupported($"The fractal heap of the {what} has I/O filters, which HDF5 writes only when asked through its C API; PSRnn does not read it.");
        }

        _checksummedBlocks = (flags & 0x02) != 0;
        int startBits = Log2(_startBlock), maxDirectBits = Log2(maxDirect), widthBits = Log2((ulong)_width);
        _firstRowBits = startBits + widthBits;
        _maxDirectRows = maxDirectBits - startBits + 2;
        if (widthBits < 0 || startBits < 0 || maxDirectBits < startBits || maxDirectBits > 31 || maxIndex is < 1 or > 63 || maxIndex < _firstRowBits ||
            _rootRows > maxIndex - _firstRowBits + 1 || _maxManaged == 0)
        {
            throw Hdf5Errors.Corruption(
                $"The file's {what} has a doubling table of width {_width}, blocks of {_startBlock} to {maxDirect} bytes and {maxIndex} offset bits, " +
                $"with {_rootRows} root rows, which HDF5 never writes: the file is corrupt.");
        }

        _offsetBytes = (maxIndex + 7) / 8;
        // H5HF__hdr_finish_init_phase1; HDF5 before 1.10 used (log2 + 7) / 8 for the second term, which differs only
        // for maximum managed sizes of 2^8k bytes (h5py's heaps use 4096, where both give 2).
        int managedBits = BitOperations.Log2(_maxManaged);
        _lengthBytes = Math.Min((maxDirectBits + 7) / 8, managedBits / 8 + 1);
        if (_lengthBytes != Math.Min((maxDirectBits + 7) / 8, (managedBits + 7) / 8))
        {
            throw Hdf5Errors.NotSupported($"The fractal heap of the {what} holds managed objects of at most {_maxManaged} bytes, whose IDs HDF5's versions encode differently; PSRnn does not read it.");
        }
    }

    /// <summary>The length of this heap's IDs, in bytes.</summary>
    public int IdLength { get; }

    /// <summary>
    /// The dense storage that a link info or attribute info message (<paramref name="info"/>) names: its heap, null when
    /// the links or attributes are compact (in the object header), and the address of its name index.
    /// </summary>
    public static (Hdf5FractalHeap? Heap, ulong NameIndex) Dense(Hdf5Source source, Hdf5Message info, int creationIndexBytes, string what)
    {
        Hdf5Cursor c = source.Cursor(info.Data.Span, $"info message of the {what}");
        byte version = c.U8();
        byte flags = c.U8();
        if (version != 0)
        {
            throw c.Fail($"has version {version}; HDF5 defines 0.");
        }

        if ((flags & 0x01) != 0)
        {
            c.Skip(creationIndexBytes); // the maximum creation index
        }

        ulong heap = c.Address();
        ulong nameIndex = c.Address();
        return (heap == Hdf5Source.Undefined ? null : Open(source, heap, what), nameIndex);
    }

    /// <summary>Opens the heap whose header is at <paramref name="address"/>.</summary>
    public static Hdf5FractalHeap Open(Hdf5Source source, ulong address, string what)
    {
        int o = source.OffsetSize, l = source.LengthSize;
        byte[] header = source.Read(address, 4 + 1 + 2 + 2 + 1 + 4 + l + o + l + o + 8 * l + 2 + l + l + 2 + 2 + o + 2 + 4, what);
        if (!header.AsSpan(0, 4).SequenceEqual("FRHP"u8) || header[4] != 0)
        {
            throw Hdf5Errors.Corruption($"The file has no fractal heap header for its {what} at {address}: it is corrupt.");
        }

        Lookup3.Verify(header, what);
        return new Hdf5FractalHeap(source, address, what, header);
    }

    /// <summary>The object <paramref name="id"/> names (a copy, charged to the file's budget).</summary>
    public byte[] Object(ReadOnlySpan<byte> id)
    {
        if (id.Length != IdLength || id.Length == 0)
        {
            throw Hdf5Errors.Corruption($"A heap ID of the {_what} has {id.Length} bytes where its heap uses {IdLength}: the file is corrupt.");
        }

        if ((id[0] & 0xC0) != 0)
        {
            throw Hdf5Errors.Corruption($"A heap ID of the {_what} has version {id[0] >> 6}; HDF5 defines 0: the file is corrupt.");
        }

        switch ((id[0] >> 4) & 0x03)
        {
            case 0:
                return Managed(id[1..]);
            case 1:
                return Huge(id[1..]);
            case 2:
            {
                // Tiny objects live in the ID; an ID of more than 18 bytes spends a second byte on the length (H5HF__tiny_init).
                bool extended = IdLength - 1 > 17;
                int length = (extended ? ((id[0] & 0x0F) << 8) | id[1] : id[0] & 0x0F) + 1;
                int start = extended ? 2 : 1;
                if (length > id.Length - start)
                {
                    throw Hdf5Errors.Corruption($"The fractal heap of the {_what} has a tiny heap object of {length} bytes in an ID of {id.Length}: the file is corrupt.");
                }

                return id.Slice(start, length).ToArray();
            }

            default:
                throw Hdf5Errors.Corruption($"A heap ID of the {_what} has the reserved type 3: the file is corrupt.");
        }
    }

    private byte[] Managed(ReadOnlySpan<byte> id)
    {
        Hdf5Cursor c = _source.Cursor(id, _what);
        ulong offset = c.Sized(_offsetBytes);
        ulong length = c.Sized(_lengthBytes);
        if (length == 0 || length > _maxManaged)
        {
            throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for a managed heap object of {length} bytes, where its heap holds 1 to {_maxManaged}: the file is corrupt.");
        }

        (ulong blockOffset, byte[] block) = DirectBlockAt(offset);
        int prefix = DirectPrefix;
        ulong start = offset - blockOffset;
        if (start < (ulong)prefix || length > (ulong)block.Length - start)
        {
            throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for a heap object ({length} bytes at {offset}) outside the data of its direct block: the file is corrupt.");
        }

        _source.Charge((long)length, _what);
        return block.AsSpan((int)start, (int)length).ToArray();
    }

    private int DirectPrefix => 5 + _source.OffsetSize + _offsetBytes + (_checksummedBlocks ? 4 : 0);

    private ulong RowBlockSize(int row) => row == 0 ? _startBlock : _startBlock << (row - 1);

    /// <summary>The direct block that holds heap offset <paramref name="offset"/>: (its heap offset, its bytes).</summary>
    private (ulong Offset, byte[] Block) DirectBlockAt(ulong offset)
    {
        if (_rootRows == 0)
        {
            // The root is a single direct block of the starting size.
            if (offset >= _startBlock)
            {
                throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for heap offset {offset}, beyond its one block of {_startBlock} bytes: the file is corrupt.");
            }

            return (0, DirectBlock(_root, 0, _startBlock));
        }

        ulong address = _root, blockOffset = 0;
        int rows = _rootRows;
        while (true)
        {
            (ulong Offset, int Rows, ulong[] Children) block = IndirectBlock(address, blockOffset, rows);
            ulong relative = offset - blockOffset;
            ulong rowStart = 0;
            int row = 0;
            // Row r holds width blocks of RowBlockSize(r); rows strictly grow, so this scans at most 'rows' rows.
            while (row < rows && relative - rowStart >= (ulong)_width * RowBlockSize(row))
            {
                rowStart += (ulong)_width * RowBlockSize(row);
                row++;
            }

            if (row == rows)
            {
                throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for heap offset {offset}, beyond its indirect block at {address}: the file is corrupt.");
            }

            ulong size = RowBlockSize(row);
            ulong column = (relative - rowStart) / size;
            ulong childOffset = blockOffset + rowStart + column * size;
            ulong child = block.Children[row * _width + (int)column];
            if (child == Hdf5Source.Undefined)
            {
                throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for heap offset {offset}, in a block its heap never allocated: the file is corrupt.");
            }

            if (row < _maxDirectRows)
            {
                return (childOffset, DirectBlock(child, childOffset, size));
            }

            // A child indirect block covers one block of its row: log2(size) - first row bits + 1 rows, fewer than its parent's.
            address = child;
            blockOffset = childOffset;
            rows = Log2(size) - _firstRowBits + 1;
            if (rows < 1)
            {
                throw Hdf5Errors.Corruption($"The fractal heap of the {_what} has a doubling table whose indirect blocks hold no rows: the file is corrupt.");
            }
        }
    }

    private byte[] DirectBlock(ulong address, ulong offset, ulong size)
    {
        if (_direct.TryGetValue(address, out var known))
        {
            return known.Offset == offset && (ulong)known.Block.Length == size ? known.Block
                : throw Hdf5Errors.Corruption($"The fractal heap of the {_what} uses the block at {address} for two parts of the heap: the file is corrupt.");
        }

        if (_indirect.ContainsKey(address) || address == _address)
        {
            throw Hdf5Errors.Corruption($"The fractal heap of the {_what} uses the block at {address} as two kinds of heap block: the file is corrupt.");
        }

        byte[] block = _source.Read(address, (long)size, _what);
        Hdf5Cursor c = _source.Cursor(block, _what);
        bool signature = c.Bytes(4).SequenceEqual("FHDB"u8);
        if (!signature || c.U8() != 0 || c.Address() != _address || c.Sized(_offsetBytes) != offset || (ulong)DirectPrefix > size)
        {
            throw Hdf5Errors.Corruption($"The fractal heap of the {_what} has no direct block of its heap for offset {offset} at {address}: the file is corrupt.");
        }

        if (_checksummedBlocks)
        {
            // The checksum covers the whole block with its own field zeroed (H5HF__cache_dblock_verify_chksum).
            int at = c.Position;
            uint stored = c.U32();
            block.AsSpan(at, 4).Clear();
            uint computed = Lookup3.Hash(block);
            BitConverter.TryWriteBytes(block.AsSpan(at, 4), stored);
            if (stored != computed)
            {
                throw Hdf5Errors.Corruption($"The fractal heap of the {_what} has a direct block at {address} that fails its checksum: the file is corrupt.");
            }
        }

        _direct.Add(address, (offset, block));
        return block;
    }

    private (ulong Offset, int Rows, ulong[] Children) IndirectBlock(ulong address, ulong offset, int rows)
    {
        if (_indirect.TryGetValue(address, out var known))
        {
            return known.Offset == offset && known.Rows == rows ? known
                : throw Hdf5Errors.Corruption($"The fractal heap of the {_what} uses the block at {address} for two parts of the heap: the file is corrupt.");
        }

        if (_direct.ContainsKey(address) || address == _address)
        {
            throw Hdf5Errors.Corruption($"The fractal heap of the {_what} uses the block at {address} as two kinds of heap block: the file is corrupt.");
        }

        int o = _source.OffsetSize;
        long children = (long)rows * _width;
        byte[] block = _source.Read(address, 5 + o + _offsetBytes + children * o + 4, _what);
        Hdf5Cursor c = _source.Cursor(block, _what);
        bool signature = c.Bytes(4).SequenceEqual("FHIB"u8);
        if (!signature || c.U8() != 0 || c.Address() != _address || c.Sized(_offsetBytes) != offset)
        {
            throw Hdf5Errors.Corruption($"The fractal heap of the {_what} has no indirect block of its heap for offset {offset} at {address}: the file is corrupt.");
        }

        Lookup3.Verify(block, _what);
        var entries = new ulong[children];
        for (long i = 0; i < children; i++)
        {
            entries[i] = c.Address();
        }

        var result = (offset, rows, entries);
        _indirect.Add(address, result);
        return result;
    }

    private byte[] Huge(ReadOnlySpan<byte> id)
    {
        int o = _source.OffsetSize, l = _source.LengthSize;
        Hdf5Cursor c = _source.Cursor(id, _what);
        ulong address, length;
        if (IdLength - 1 >= o + l)
        {
            // The ID holds the object's address and length itself (H5HF__huge_init: "directly accessed" huge objects).
            address = c.Address();
            length = c.Length();
        }
        else
        {
            ulong key = c.Sized(Math.Min(IdLength - 1, 8));
            if (_huge is null)
            {
                if (_hugeTree == Hdf5Source.Undefined)
                {
                    throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for a huge heap object, but its heap has no B-tree of huge objects: the file is corrupt.");
                }

                var huge = new Dictionary<ulong, (ulong, ulong)>();
                Hdf5BTree2.Walk(_source, _hugeTree, type: 1, recordSize: o + 2 * l, $"B-tree of huge objects of the {_what}", record =>
                {
                    Hdf5Cursor r = _source.Cursor(record, _what);
                    ulong at = r.Address(), size = r.Length(), key = r.Length();
                    if (!huge.TryAdd(key, (at, size)))
                    {
                        throw Hdf5Errors.Corruption($"The fractal heap of the {_what} has two huge heap objects numbered {key}: the file is corrupt.");
                    }
                });
                _huge = huge;
            }

            if (!_huge.TryGetValue(key, out var found))
            {
                throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for the huge heap object {key}, which its heap does not hold: the file is corrupt.");
            }

            (address, length) = found;
        }

        if (length == 0 || length > (ulong)_source.FileLength)
        {
            throw Hdf5Errors.Corruption($"The fractal heap of the {_what} is asked for a huge heap object of {length} bytes in a file of {_source.FileLength}: the file is corrupt.");
        }

        return _source.Read(address, (long)length, _what);
    }

    /// <summary>log2 of a power of two; -1 for anything else.</summary>
    private static int Log2(ulong value) => value != 0 && BitOperations.IsPow2(value) ? BitOperations.Log2(value) : -1;
}
