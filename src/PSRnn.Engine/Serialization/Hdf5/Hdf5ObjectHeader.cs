namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Decodes an object header (version 1, or version 2 with its checksums) and its continuation blocks into its
/// messages. Each continuation block is read once; every block is bounds-checked and charged to the file's budget.
/// </summary>
internal static class Hdf5ObjectHeader
{
    private static ReadOnlySpan<byte> Ohdr => "OHDR"u8;

    private static ReadOnlySpan<byte> Ochk => "OCHK"u8;

    public static List<Hdf5Message> Read(Hdf5Source source, ulong address)
    {
        string what = $"object header at {address}";
        byte[] head = source.ReadAbsolute(source.Absolute(address, 16, what), 16, what);
        var messages = new List<Hdf5Message>();
        var pending = new Queue<(ulong Address, long Length)>();
        var seen = new HashSet<ulong>();
        bool v2;
        if (head.AsSpan(0, 4).SequenceEqual(Ohdr))
        {
            v2 = true;
            ReadVersion2Prefix(source, address, head, messages, pending);
        }
        else if (head[0] == 1)
        {
            v2 = false;
            uint size = BitConverter.ToUInt32(head, 8);
            byte[] block = source.Read(address, 16L + size, what);
            ParseMessages(source, block.AsMemory(16), v2: false, creationOrder: false, messages, pending, what);
        }
        else
        {
            throw Hdf5Errors.Corruption($"The file's {what} has neither version 1 nor an OHDR signature (it starts with 0x{head[0]:X2}): the file is corrupt.");
        }

        bool creationOrder = v2 && (head[5] & 0x04) != 0;
        while (pending.Count > 0)
        {
            (ulong next, long length) = pending.Dequeue();
            if (!seen.Add(next))
            {
                throw Hdf5Errors.Corruption($"The file's {what} continues into the same block twice: it is corrupt.");
            }

            string block = $"object header continuation at {next}";
            byte[] bytes = source.Read(next, length, block);
            if (v2)
            {
                if (length < 8 || !bytes.AsSpan(0, 4).SequenceEqual(Ochk))
                {
                    throw Hdf5Errors.Corruption($"The file's {block} has no OCHK signature: the file is corrupt.");
                }

                Lookup3.Verify(bytes, block);
                ParseMessages(source, bytes.AsMemory(4, bytes.Length - 8), v2: true, creationOrder, messages, pending, block);
            }
            else
            {
                ParseMessages(source, bytes, v2: false, creationOrder: false, messages, pending, block);
            }
        }

        return messages;
    }

    private static void ReadVersion2Prefix(Hdf5Source source, ulong address, byte[] head, List<Hdf5Message> messages, Queue<(ulong, long)> pending)
    {
        string what = $"object header at {address}";
        byte version = head[4], flags = head[5];
        if (version != 2 || (flags & 0xC0) != 0)
        {
            throw Hdf5Errors.Corruption($"The file's {what} has version {version} and flags 0x{flags:X2}; HDF5 defines version 2 with flags below 0x40.");
        }

        int prefix = 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
        int sizeBytes = 1 << (flags & 0x03);
        byte[] fixedPart = source.ReadAbsolute(source.Absolute(address, prefix + sizeBytes, what), prefix + sizeBytes, what);
        Hdf5Cursor c = source.Cursor(fixedPart, what);
        c.Skip(prefix);
        ulong chunk = c.Sized(sizeBytes);
        if (chunk > (ulong)source.FileLength)
        {
            throw Hdf5Errors.Corruption($"The file's {what} declares {chunk} bytes of messages, more than the file holds.");
        }

        byte[] block = source.Read(address, prefix + sizeBytes + (long)chunk + 4, what);
        Lookup3.Verify(block, what);
        ParseMessages(source, block.AsMemory(prefix + sizeBytes, (int)chunk), v2: true, (flags & 0x04) != 0, messages, pending, what);
    }

    private static void ParseMessages(Hdf5Source source, ReadOnlyMemory<byte> block, bool v2, bool creationOrder, List<Hdf5Message> messages,
        Queue<(ulong, long)> pending, string what)
    {
        int headerSize = v2 ? 4 + (creationOrder ? 2 : 0) : 8;
        int p = 0;
        ReadOnlySpan<byte> span = block.Span;
        while (span.Length - p >= headerSize)
        {
            Hdf5Cursor c = source.Cursor(span[p..], what);
            ushort type = v2 ? c.U8() : c.U16();
            ushort size = c.U16();
            byte flags = c.U8();
            c.Skip(v2 ? (creationOrder ? 2 : 0) : 3);
            if (size > c.Remaining)
            {
                throw Hdf5Errors.Corruption($"The file's {what} has a message (type 0x{type:X4}) of {size} bytes that runs past its block.");
            }

            ReadOnlyMemory<byte> data = block.Slice(p + headerSize, size);
            p += headerSize + size;
            if (type == Hdf5Message.Continuation)
            {
                Hdf5Cursor m = source.Cursor(data.Span, $"continuation message in the {what}");
                ulong next = m.Address();
                ulong length = m.Length();
                if (length > (ulong)source.FileLength)
                {
                    throw Hdf5Errors.Corruption($"The file's {what} continues into a block of {length} bytes, more than the file holds.");
                }

                pending.Enqueue((next, (long)length));
                continue;
            }

            if (type != Hdf5Message.Nil)
            {
                messages.Add(new Hdf5Message(type, flags, data));
            }
        }

        if (!v2 && span.Length - p != 0)
        {
            throw Hdf5Errors.Corruption($"The file's {what} has {span.Length - p} bytes after its last message: it is corrupt.");
        }
    }
}
