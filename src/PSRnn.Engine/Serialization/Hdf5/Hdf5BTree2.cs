namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Enumerates the records of a version 2 B-tree (HDF5 1.8's index of dense links, type 5, and attributes, type 8, and
/// of huge fractal heap objects, type 1; HDF5 1.10's chunk indexes, types 10 and 11). The header and every node are
/// checksummed; each node is read once, one level below its parent, with no more records than a node of its level holds;
/// the tree is at most <see cref="MaxDepth"/> levels deep; and the records found must be the number the header declares.
/// </summary>
internal static class Hdf5BTree2
{
    /// <summary>The deepest tree read: a tree of 2 records a node this deep would index 3^24 ≈ 2.8·10^11 records.</summary>
    public const int MaxDepth = 24;

    public delegate void Record(ReadOnlySpan<byte> record);

    /// <summary>Hands every record of the tree at <paramref name="address"/> (of type <paramref name="type"/>, records of <paramref name="recordSize"/> bytes) to <paramref name="record"/>.</summary>
    public static void Walk(Hdf5Source source, ulong address, int type, int recordSize, string what, Record record)
    {
        int o = source.OffsetSize, l = source.LengthSize;
        byte[] header = source.Read(address, 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + o + 2 + l + 4, what);
        if (!header.AsSpan(0, 4).SequenceEqual("BTHD"u8) || header[4] != 0)
        {
            throw Hdf5Errors.Corruption($"The {what} has no version 2 B-tree header at {address}: the file is corrupt.");
        }

        Lookup3.Verify(header, what);
        Hdf5Cursor c = source.Cursor(header, what);
        c.Skip(5);
        int actualType = c.U8();
        uint nodeSize = c.U32();
        int actualRecordSize = c.U16();
        int depth = c.U16();
        c.Skip(2); // split and merge percentages: only for writers
        ulong root = c.Address();
        int rootRecords = c.U16();
        ulong total = c.Length();
        if (actualType != type || actualRecordSize != recordSize)
        {
            throw Hdf5Errors.Corruption($"The {what} is a B-tree of type {actualType} with {actualRecordSize}-byte records where type {type} with {recordSize}-byte records belongs: the file is corrupt.");
        }

        if (nodeSize > (ulong)source.FileLength || nodeSize < 10 + (uint)recordSize || depth > MaxDepth)
        {
            throw Hdf5Errors.Corruption($"The {what} declares nodes of {nodeSize} bytes and a depth of {depth}, which a file of {source.FileLength} bytes cannot hold: it is corrupt.");
        }

        if (root == Hdf5Source.Undefined)
        {
            if (rootRecords != 0 || total != 0)
            {
                throw Hdf5Errors.Corruption($"The {what} has no root node but declares {total} records: the file is corrupt.");
            }

            return;
        }

        Levels levels = new(nodeSize, recordSize, depth, o);
        var visited = new HashSet<ulong>();
        var pending = new Stack<(ulong Address, int Depth, int Records)>();
        pending.Push((root, depth, rootRecords));
        ulong found = 0;
        while (pending.Count > 0)
        {
            (ulong node, int level, int records) = pending.Pop();
            if (!visited.Add(node))
            {
                throw Hdf5Errors.Corruption($"The {what} reaches its node at {node} twice: the file is corrupt.");
            }

            if (records > levels.MaxRecords[level] || (records == 0 && level > 0))
            {
                throw Hdf5Errors.Corruption($"The {what} has a node at {node} of {records} records, where a node of its level holds 1 to {levels.MaxRecords[level]}: the file is corrupt.");
            }

            int pointers = level == 0 ? 0 : records + 1;
            int pointerSize = level == 0 ? 0 : levels.PointerSize(level);
            byte[] bytes = source.Read(node, 6 + (long)records * recordSize + (long)pointers * pointerSize + 4, what);
            if (!bytes.AsSpan(0, 4).SequenceEqual(level == 0 ? "BTLF"u8 : "BTIN"u8) || bytes[4] != 0 || bytes[5] != type)
            {
                throw Hdf5Errors.Corruption($"The {what} has no {(level == 0 ? "leaf" : "internal")} node of type {type} at {node}: the file is corrupt.");
            }

            Lookup3.Verify(bytes, what);
            Hdf5Cursor n = source.Cursor(bytes.AsSpan(6, bytes.Length - 10), what);
            for (int i = 0; i < records; i++)
            {
                record(n.Bytes(recordSize));
            }

            found += (ulong)records;
            for (int i = 0; i < pointers; i++)
            {
                ulong child = n.Address();
                int childRecords = (int)Math.Min(n.Sized(levels.RecordCountSize), int.MaxValue);
                if (level > 1)
                {
                    n.Sized(levels.TotalCountSize[level - 1]);
                }

                pending.Push((child, level - 1, childRecords));
            }

            if (found > total)
            {
                throw Hdf5Errors.Corruption($"The {what} holds more records than the {total} its header declares: the file is corrupt.");
            }
        }

        if (found != total)
        {
            throw Hdf5Errors.Corruption($"The {what} holds {found} records where its header declares {total}: the file is corrupt.");
        }
    }

    /// <summary>HDF5's per-level node capacities (H5B2__hdr_init), which fix the sizes of the record counts in node pointers.</summary>
    private sealed class Levels
    {
        private readonly int _offsetSize;

        public Levels(uint nodeSize, int recordSize, int depth, int offsetSize)
        {
            _offsetSize = offsetSize;
            MaxRecords = new int[depth + 1];
            TotalCountSize = new int[depth + 1];
            // HDF5 sizes the count fields from the capacities (not from the 16-bit counts a node stores), so these do too.
            ulong leaf = (nodeSize - 10) / (uint)recordSize;
            ulong cumulative = leaf;
            MaxRecords[0] = (int)Math.Min(leaf, ushort.MaxValue);
            RecordCountSize = EncodedSize(leaf);
            for (int d = 1; d <= depth; d++)
            {
                long pointer = PointerSize(d);
                long fits = ((long)nodeSize - (10 + pointer)) / (recordSize + pointer);
                if (fits < 1)
                {
                    throw Hdf5Errors.Corruption($"A version 2 B-tree declares nodes of {nodeSize} bytes, too small for its depth of {depth}: the file is corrupt.");
                }

                MaxRecords[d] = (int)Math.Min(fits, ushort.MaxValue);
                try
                {
                    cumulative = checked(((ulong)fits + 1) * cumulative + (ulong)fits);
                }
                catch (OverflowException)
                {
                    throw Hdf5Errors.Corruption($"A version 2 B-tree of depth {depth} would index more than 2^64 records: the file is corrupt.");
                }

                TotalCountSize[d] = EncodedSize(cumulative);
            }
        }

        public int[] MaxRecords { get; }

        /// <summary>Bytes of a node pointer's record count (H5B2's max_nrec_size).</summary>
        public int RecordCountSize { get; }

        /// <summary>Bytes of a node pointer's total record count, by the level of the node it points at (cum_max_nrec_size).</summary>
        public int[] TotalCountSize { get; }

        public int PointerSize(int level) => _offsetSize + RecordCountSize + (level > 1 ? TotalCountSize[level - 1] : 0);

        /// <summary>H5VM_limit_enc_size: the bytes that encode values up to <paramref name="limit"/>.</summary>
        private static int EncodedSize(ulong limit) => (limit == 0 ? 0 : (63 - System.Numerics.BitOperations.LeadingZeroCount(limit))) / 8 + 1;
    }
}
