using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// A strictly bounded reader of the HDF5 structure of one file: the superblock (versions 0–3, after a user block), the
/// whole group tree from the root (object headers v1 and v2 with continuation blocks; old-style groups: B-tree v1,
/// local heap, symbol-table nodes, soft links in scratch pads; new-style link messages, compact in the header or dense in
/// a fractal heap indexed by a version 2 B-tree), each object header read once (hard-link cycles are legal), and every
/// dataset's storage checked, before any value is read. Committed datatypes are read from their own headers.
/// </summary>
/// <remarks>
/// <para>It never opens another file, and refuses a file that would make a full HDF5 reader do so: an external or
/// user-defined link anywhere in the tree (<see cref="Hdf5Errors.ExternalLink"/>), a dataset with external storage
/// (<see cref="Hdf5Errors.ExternalStorage"/>) or a virtual layout (<see cref="Hdf5Errors.VirtualDataset"/>). Soft links
/// are resolved here, on the tree as read, with HDF5's limit of 16 soft links in one traversal; a loop or a link to
/// nothing is <see cref="Hdf5Errors.Corrupt"/>. Every count and address is checked against the file's length, and the
/// bytes decoded are charged to a budget of <see cref="Hdf5Source.BudgetFactor"/> × the file's length plus 1 MiB, so a
/// hostile structure costs work in proportion to the file's size.</para>
/// <para>Dense link storage (HDF5 1.8's fractal heap and B-tree v2 name index, which h5py uses for groups of more than 8
/// links with libver='latest' or track_order=True) is read with the same bounds: every block once, checksummed and inside
/// the file (<see cref="Hdf5FractalHeap"/>, <see cref="Hdf5BTree2"/>).</para>
/// </remarks>
internal sealed class Hdf5File
{
    /// <summary>HDF5's limit on the soft links followed in one traversal (H5L_NUM_LINKS).</summary>
    public const int MaxSoftLinks = 16;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    private readonly Dictionary<ulong, Hdf5Object> _objects = [];
    private readonly Dictionary<(ulong Group, string Name), (ulong Address, int SoftLinks)> _resolved = [];
    private readonly HashSet<(ulong, string)> _resolving = [];
    private readonly Dictionary<ulong, (byte[] Bytes, Dictionary<uint, (int Offset, int Size)> Objects)> _collections = [];
    private readonly Dictionary<ulong, ReadOnlyMemory<byte>> _committed = [];

    private Hdf5File(Hdf5Source source) => Source = source;

    public Hdf5Source Source { get; }

    public Hdf5Object Root { get; private set; } = null!;

    /// <summary>Reads and checks the structure of the file open as <paramref name="handle"/>.</summary>
    public static Hdf5File Open(SafeFileHandle handle, long length)
    {
        var file = new Hdf5File(new Hdf5Source(handle, length));
        file.Load();
        return file;
    }

    /// <summary>The object at <paramref name="path"/> (relative to <paramref name="group"/>, or absolute), or null if there is none.</summary>
    public Hdf5Object? Find(Hdf5Object group, string path)
    {
        Hdf5Object current = path.StartsWith('/') ? Root : group;
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (current.Links is not { } links || !links.TryGetValue(part, out Hdf5Link? link))
            {
                return null;
            }

            current = _objects[Resolve(current, link, 0).Address];
        }

        return current;
    }

    /// <summary>Object <paramref name="index"/> of the global heap collection at <paramref name="address"/> (each collection decoded once).</summary>
    public ReadOnlyMemory<byte> GlobalHeapObject(ulong address, uint index)
    {
        if (!_collections.TryGetValue(address, out var collection))
        {
            byte[] head = Source.Read(address, 8 + Source.LengthSize, "global heap collection");
            if (!head.AsSpan(0, 4).SequenceEqual("GCOL"u8) || head[4] != 1)
            {
                throw Hdf5Errors.Corruption($"The file has no global heap collection at {address}: it is corrupt.");
            }

            ulong size = Source.Cursor(head.AsSpan(8), "global heap collection").Length();
            if (size < (ulong)head.Length || size > (ulong)Source.FileLength)
            {
                throw Hdf5Errors.Corruption($"The global heap collection at {address} declares {size} bytes: the file is corrupt.");
            }

            byte[] bytes = Source.Read(address, (long)size, "global heap collection");
            collection = (bytes, Hdf5Attributes.ParseCollection(Source, bytes, address));
            _collections.Add(address, collection);
        }

        if (!collection.Objects.TryGetValue(index, out var found))
        {
            throw Hdf5Errors.Corruption($"The global heap collection at {address} has no object {index}: the file is corrupt.");
        }

        return collection.Bytes.AsMemory(found.Offset, found.Size);
    }

    /// <summary>
    /// The datatype message of the committed (named) datatype that the shared message <paramref name="shared"/> points at,
    /// as h5py writes for <c>dtype=f['t']</c>. Each committed datatype's header is read once here; only its own datatype
    /// message is used, and it must not be shared in turn.
    /// </summary>
    public ReadOnlyMemory<byte> CommittedDatatype(ReadOnlySpan<byte> shared, string what)
    {
        Hdf5Cursor c = Source.Cursor(shared, $"shared datatype of {what}");
        byte version = c.U8();
        byte type = c.U8();
        switch (version)
        {
            case 1:
                // HDF5 1.6's encoding: reserved bytes, then a symbol table entry's name offset and header address.
                c.Skip(6);
                c.Length();
                break;
            case 2:
                break;
            case 3 when type == 2:
                break;
            case 3 when type == 1:
                throw Hdf5Errors.NotSupported(
                    $"The file's {what} has a datatype in HDF5's shared message heap (H5Pset_shared_mesg_nindexes, which h5py does not use); PSRnn does not read it.");
            default:
                throw Hdf5Errors.Corruption($"The file's {what} has a shared datatype of version {version} and type {type}; HDF5 defines versions 1 to 3.");
        }

        ulong address = c.Address();
        if (!_committed.TryGetValue(address, out ReadOnlyMemory<byte> datatype))
        {
            List<Hdf5Message> messages = _objects.TryGetValue(address, out Hdf5Object? known) ? [.. known.Messages] : Hdf5ObjectHeader.Read(Source, address);
            int index = messages.FindIndex(m => m.Type == Hdf5Message.Datatype);
            if (index < 0 || messages[index].IsShared)
            {
                throw Hdf5Errors.Corruption($"The file's {what} names a committed datatype at {address} that holds no datatype of its own: the file is corrupt.");
            }

            datatype = messages[index].Data;
            _committed.Add(address, datatype);
        }

        return datatype;
    }

    private void Load()
    {
        ulong root = ReadSuperblock();
        var queue = new Queue<ulong>();
        queue.Enqueue(root);
        Root = Visit(root, queue)!;
        while (queue.Count > 0)
        {
            Visit(queue.Dequeue(), queue);
        }

        // Every soft link in the tree must lead to an object: a loop or a link to nothing is a corrupt file.
        foreach (Hdf5Object obj in _objects.Values.ToArray())
        {
            if (obj.Links is { } links)
            {
                foreach (Hdf5Link link in links.Values)
                {
                    Resolve(obj, link, 0);
                }
            }
        }
    }

    private Hdf5Object? Visit(ulong address, Queue<ulong> queue)
    {
        if (_objects.ContainsKey(address))
        {
            return null;
        }

        var obj = new Hdf5Object(address, Hdf5ObjectHeader.Read(Source, address));
        _objects.Add(address, obj);
        bool oldGroup = obj.Find(Hdf5Message.SymbolTable) is not null;
        bool newGroup = obj.Find(Hdf5Message.LinkInfo) is not null || obj.Find(Hdf5Message.Link) is not null;
        bool dataset = obj.Find(Hdf5Message.Layout) is not null;
        if ((oldGroup ? 1 : 0) + (newGroup ? 1 : 0) + (dataset ? 1 : 0) > 1)
        {
            throw Hdf5Errors.Corruption($"The object header at {address} is at once a group of two kinds or a group and a dataset: the file is corrupt.");
        }

        if (obj.Find(Hdf5Message.ExternalFiles) is not null)
        {
            throw Hdf5Errors.Unsafe(Hdf5Errors.ExternalStorage,
                $"The object at address {address} keeps its data in other files (HDF5 external storage); PSRnn reads only the file it was given, " +
                "so it refuses the file. Save the weights in the file itself (h5py create_dataset without external=).");
        }

        if (oldGroup || newGroup)
        {
            obj.Links = oldGroup ? ReadSymbolTable(obj) : ReadLinkMessages(obj);
            foreach (Hdf5Link link in obj.Links.Values)
            {
                if (!link.IsSoft)
                {
                    queue.Enqueue(link.Address);
                }
            }
        }
        else if (dataset)
        {
            obj.Dataset = Hdf5Dataset.Parse(this, obj);
        }

        return obj;
    }

    /// <summary>The target of <paramref name="link"/> in <paramref name="group"/>, and the soft links followed to reach it.</summary>
    private (ulong Address, int SoftLinks) Resolve(Hdf5Object group, Hdf5Link link, int depth)
    {
        if (!link.IsSoft)
        {
            return (link.Address, 0);
        }

        var key = (group.Address, link.Name);
        if (_resolved.TryGetValue(key, out var done))
        {
            return done;
        }

        if (!_resolving.Add(key) || depth >= MaxSoftLinks)
        {
            throw Hdf5Errors.Corruption(depth >= MaxSoftLinks
                ? $"The soft link '{link.Name}' (to '{link.SoftPath}') nests more than {MaxSoftLinks} soft links, HDF5's limit: the file is corrupt."
                : $"The soft link '{link.Name}' (to '{link.SoftPath}') leads back to itself: the file's links form a loop, so it is corrupt.");
        }

        Hdf5Object current = link.SoftPath!.StartsWith('/') ? Root : group;
        int followed = 1;
        foreach (string part in link.SoftPath.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (current.Links is not { } links || !links.TryGetValue(part, out Hdf5Link? next))
            {
                throw Hdf5Errors.Corruption($"The soft link '{link.Name}' points at '{link.SoftPath}', which is not in the file (a dangling link): the file is corrupt.");
            }

            (ulong address, int softLinks) = Resolve(current, next, depth + 1);
            followed += softLinks;
            if (followed > MaxSoftLinks)
            {
                throw Hdf5Errors.Corruption($"The soft link '{link.Name}' (to '{link.SoftPath}') needs more than {MaxSoftLinks} soft links to resolve, HDF5's limit: the file is corrupt.");
            }

            current = _objects[address];
        }

        _resolving.Remove(key);
        _resolved[key] = (current.Address, followed);
        return (current.Address, followed);
    }

    private ulong ReadSuperblock()
    {
        long position = 0;
        while (true)
        {
            if (position > Source.FileLength - 8)
            {
                throw Hdf5Errors.Corruption("The file has no HDF5 superblock (at byte 0, 512, 1024, 2048, …): it is not an HDF5 file, or is truncated.");
            }

            if (Source.ReadAbsolute(position, 8, "superblock signature").AsSpan().SequenceEqual(Signature))
            {
                break;
            }

            position = position == 0 ? 512 : position * 2;
        }

        // HDF5 takes the superblock's own position as the base address of every other address (H5F__super_read).
        Source.BaseAddress = position;
        byte[] fixedPart = Source.ReadAbsolute(position, Math.Min(16, (int)(Source.FileLength - position)), "superblock");
        if (fixedPart.Length < 16)
        {
            throw Hdf5Errors.Corruption("The file ends inside its superblock: it is truncated.");
        }

        byte version = fixedPart[8];
        (int offsets, int lengths) = version switch
        {
            0 or 1 => (fixedPart[13], fixedPart[14]),
            2 or 3 => (fixedPart[9], fixedPart[10]),
            _ => throw Hdf5Errors.NotSupported($"The file's superblock has version {version}; PSRnn reads versions 0 to 3 (HDF5 1.0 to 1.14)."),
        };
        if (offsets is not (4 or 8) || lengths is not (4 or 8))
        {
            throw Hdf5Errors.NotSupported($"The file uses {offsets}-byte addresses and {lengths}-byte lengths; PSRnn reads files with 4- or 8-byte ones (h5py writes 8).");
        }

        Source.OffsetSize = offsets;
        Source.LengthSize = lengths;
        ulong eof;
        ulong root;
        if (version <= 1)
        {
            int size = 24 + (version == 1 ? 4 : 0) + 4 * offsets + (2 * offsets + 24);
            byte[] block = Source.Read(0, size, "superblock");
            Hdf5Cursor c = Source.Cursor(block, "superblock");
            c.Skip(24 + (version == 1 ? 4 : 0));
            c.Address(); // base address: the superblock's position, above
            c.Address(); // free-space info (unused by readers)
            eof = c.Address();
            ulong driver = c.Address();
            if (driver != Hdf5Source.Undefined)
            {
                throw Hdf5Errors.NotSupported("The file has a driver information block (a family, multi or split file, whose data lives in other files); PSRnn reads single HDF5 files.");
            }

            c.Address(); // root link name offset
            root = c.Address();
        }
        else
        {
            int size = 12 + 4 * offsets + 4;
            byte[] block = Source.Read(0, size, "superblock");
            Lookup3.Verify(block, "superblock");
            Hdf5Cursor c = Source.Cursor(block, "superblock");
            c.Skip(12);
            c.Address(); // base address
            c.Address(); // superblock extension: only shared-message tables and hints, refused or unneeded here
            eof = c.Address();
            root = c.Address();
        }

        // As HDF5 checks it (H5F__super_read: the file's size against the stored end-of-file address, user block included).
        if (eof != Hdf5Source.Undefined && eof > (ulong)Source.FileLength)
        {
            throw Hdf5Errors.Corruption($"The file's superblock says it is {eof} bytes long, but it has {Source.FileLength}: it is truncated.");
        }

        return root;
    }

    private Dictionary<string, Hdf5Link> ReadSymbolTable(Hdf5Object group)
    {
        Hdf5Message message = group.Find(Hdf5Message.SymbolTable)!.Value;
        Hdf5Cursor m = Source.Cursor(message.Data.Span, "symbol table message");
        ulong btree = m.Address();
        ulong heapAddress = m.Address();
        byte[] heap = ReadLocalHeap(heapAddress);
        var links = new Dictionary<string, Hdf5Link>(StringComparer.Ordinal);
        Hdf5BTree1.Walk(Source, btree, type: 0, keySize: Source.LengthSize, $"B-tree of the group at {group.Address}",
            (_, child) => ReadSymbolTableNode(group, child, heap, links));
        return links;
    }

    private void ReadSymbolTableNode(Hdf5Object group, ulong address, byte[] heap, Dictionary<string, Hdf5Link> links)
    {
        byte[] head = Source.Read(address, 8, "symbol table node");
        if (!head.AsSpan(0, 4).SequenceEqual("SNOD"u8) || head[4] != 1)
        {
            throw Hdf5Errors.Corruption($"The group at {group.Address} has no symbol table node at {address}: the file is corrupt.");
        }

        int count = BitConverter.ToUInt16(head, 6);
        int entrySize = 2 * Source.OffsetSize + 24;
        byte[] body = Source.Read(address + 8, (long)count * entrySize, "symbol table node");
        Hdf5Cursor c = Source.Cursor(body, "symbol table node");
        for (int i = 0; i < count; i++)
        {
            string name = HeapString(heap, c.Address(), "link name");
            ulong header = c.Address();
            uint cache = c.U32();
            c.Skip(4);
            ReadOnlySpan<byte> scratch = c.Bytes(16);
            Hdf5Link link = cache switch
            {
                0 or 1 when header != Hdf5Source.Undefined => new Hdf5Link(name, header, null),
                2 => new Hdf5Link(name, Hdf5Source.Undefined, HeapString(heap, BitConverter.ToUInt32(scratch), "soft link value")),
                _ => throw Hdf5Errors.Corruption($"The symbol table entry '{name}' has cache type {cache} and address {header}: the file is corrupt."),
            };
            Add(group, links, link);
        }
    }

    private byte[] ReadLocalHeap(ulong address)
    {
        int o = Source.OffsetSize, l = Source.LengthSize;
        byte[] head = Source.Read(address, 8 + 2 * l + o, "local heap");
        if (!head.AsSpan(0, 4).SequenceEqual("HEAP"u8) || head[4] != 0)
        {
            throw Hdf5Errors.Corruption($"The file has no local heap at {address}: it is corrupt.");
        }

        Hdf5Cursor c = Source.Cursor(head, "local heap");
        c.Skip(8);
        ulong size = c.Length();
        c.Length();
        ulong data = c.Address();
        if (size > (ulong)Source.FileLength)
        {
            throw Hdf5Errors.Corruption($"The local heap at {address} declares {size} bytes, more than the file holds.");
        }

        return Source.Read(data, (long)size, "local heap data");
    }

    private static string HeapString(byte[] heap, ulong offset, string what)
    {
        if (offset >= (ulong)heap.Length)
        {
            throw Hdf5Errors.Corruption($"A {what} lies at offset {offset} of a local heap of {heap.Length} bytes: the file is corrupt.");
        }

        int end = Array.IndexOf(heap, (byte)0, (int)offset);
        if (end < 0)
        {
            throw Hdf5Errors.Corruption($"A {what} in a local heap has no terminating NUL: the file is corrupt.");
        }

        return Encoding.UTF8.GetString(heap, (int)offset, end - (int)offset);
    }

    private Dictionary<string, Hdf5Link> ReadLinkMessages(Hdf5Object group)
    {
        var links = new Dictionary<string, Hdf5Link>(StringComparer.Ordinal);
        string what = $"links of the group at {group.Address}";
        if (group.Find(Hdf5Message.LinkInfo) is { } info && Hdf5FractalHeap.Dense(Source, info, creationIndexBytes: 8, what) is ({ } heap, ulong nameIndex))
        {
            // Dense storage: each link is a link message in the fractal heap, named by the records of the name index
            // (a B-tree v2 of type 5: the name's hash and the heap ID).
            Hdf5BTree2.Walk(Source, nameIndex, type: 5, recordSize: 4 + heap.IdLength, $"name index of the {what}",
                record => Add(group, links, ParseLink(heap.Object(record[4..]), group.Address)));
        }

        foreach (Hdf5Message message in group.Messages)
        {
            if (message.Type == Hdf5Message.Link)
            {
                Add(group, links, ParseLink(message.Data.Span, group.Address));
            }
        }

        return links;
    }

    private Hdf5Link ParseLink(ReadOnlySpan<byte> message, ulong group)
    {
        Hdf5Cursor c = Source.Cursor(message, "link message");
        byte version = c.U8();
        byte flags = c.U8();
        if (version != 1 || (flags & 0xE0) != 0)
        {
            throw Hdf5Errors.Corruption($"The group at {group} has a link message of version {version} with flags 0x{flags:X2}; HDF5 defines version 1.");
        }

        int type = (flags & 0x08) != 0 ? c.U8() : 0;
        if ((flags & 0x04) != 0)
        {
            c.Skip(8);
        }

        if ((flags & 0x10) != 0)
        {
            c.U8();
        }

        ulong nameLength = c.Sized(1 << (flags & 0x03));
        if (nameLength == 0)
        {
            throw Hdf5Errors.Corruption($"The group at {group} has a link with an empty name: the file is corrupt.");
        }

        string name = Encoding.UTF8.GetString(c.Bytes((long)Math.Min(nameLength, int.MaxValue)));
        switch (type)
        {
            case 0:
                return new Hdf5Link(name, c.Address(), null);
            case 1:
                return new Hdf5Link(name, Hdf5Source.Undefined, Encoding.UTF8.GetString(c.Bytes(c.U16())));
            case 64:
            {
                ReadOnlySpan<byte> value = c.Bytes(c.U16());
                string target = value.Length > 1 ? Encoding.UTF8.GetString(value[1..]).Replace('\0', ' ').Trim() : "";
                throw Hdf5Errors.Unsafe(Hdf5Errors.ExternalLink,
                    $"The file's link '{name}' is an external link to another file ({target}); PSRnn reads only the file it was given and " +
                    "refuses files whose links lead elsewhere. Copy the linked objects into the file (h5py: f.copy).");
            }

            case >= 65:
                throw Hdf5Errors.Unsafe(Hdf5Errors.ExternalLink,
                    $"The file's link '{name}' is a user-defined link (type {type}), which only the program that defined it can follow; PSRnn refuses it.");
            default:
                throw Hdf5Errors.Corruption($"The file's link '{name}' has the reserved link type {type}: the file is corrupt.");
        }
    }

    private static void Add(Hdf5Object group, Dictionary<string, Hdf5Link> links, Hdf5Link link)
    {
        if (link.Name.Contains('/', StringComparison.Ordinal) || !links.TryAdd(link.Name, link))
        {
            throw Hdf5Errors.Corruption($"The group at {group.Address} has two links named '{link.Name}' (or a name with '/'): the file is corrupt.");
        }
    }
}
