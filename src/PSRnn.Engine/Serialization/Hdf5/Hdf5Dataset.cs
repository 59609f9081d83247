namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// A dataset's shape, type and storage, checked when the tree is read: a virtual layout is refused
/// (<see cref="Hdf5Errors.VirtualDataset"/>), and so is a chunk larger than the dataset in any dimension
/// (<see cref="Hdf5Errors.Chunk"/>): a chunk is inflated whole, so its size must be bounded by the dataset's own.
/// </summary>
/// <remarks>
/// The chunk bound is 1 ≤ chunk[i] ≤ max(dims[i], 1) for every dimension i. A chunk then holds at most the dataset's
/// elements, and the chunks that cover the dataset hold at most 2^rank times them (edge chunks round up), which for
/// weights (rank ≤ 3) is at most 8 × the dataset's bytes. The dataset's own size is checked by the caller (against the
/// model's parameter shapes) before any value is read.
/// </remarks>
internal sealed class Hdf5Dataset
{
    private Hdf5Dataset(Hdf5Dataspace space, Hdf5Datatype type, ReadOnlyMemory<byte> layout, int layoutVersion, int layoutClass)
    {
        Space = space;
        Type = type;
        Layout = layout;
        LayoutVersion = layoutVersion;
        LayoutClass = layoutClass;
    }

    public const int Compact = 0;
    public const int Contiguous = 1;
    public const int Chunked = 2;
    public const int Virtual = 3;

    public Hdf5Dataspace Space { get; }

    public Hdf5Datatype Type { get; }

    /// <summary>The layout message's body.</summary>
    public ReadOnlyMemory<byte> Layout { get; }

    public int LayoutVersion { get; }

    public int LayoutClass { get; }

    /// <summary>The chunk's dimensions (without the element-size dimension), for a chunked layout.</summary>
    public ulong[] ChunkDims { get; private set; } = [];

    public Hdf5Filter[] Filters { get; private set; } = [];

    /// <summary>The fill value's bytes (one element), or null for zeros.</summary>
    public byte[]? Fill { get; private set; }

    public static Hdf5Dataset Parse(Hdf5File file, Hdf5Object obj)
    {
        Hdf5Source source = file.Source;
        Hdf5Message space = Required(obj, Hdf5Message.Dataspace, "dataspace");
        Hdf5Message type = Required(obj, Hdf5Message.Datatype, "datatype");
        Hdf5Message layout = Required(obj, Hdf5Message.Layout, "layout");
        // A committed datatype (h5py: dtype=f['t']) is a shared datatype message; any other shared message lives in
        // HDF5's shared message heap, which h5py never enables.
        foreach (Hdf5Message m in obj.Messages)
        {
            if (m.IsShared && m.Type != Hdf5Message.Datatype && m.Type != Hdf5Message.Attribute)
            {
                throw Hdf5Errors.NotSupported(
                    $"The dataset at {obj.Address} has a message (type {m.Type}) in HDF5's shared message heap (H5Pset_shared_mesg_nindexes, which h5py does not use); PSRnn does not read it.");
            }
        }

        ReadOnlyMemory<byte> typeMessage = type.IsShared ? file.CommittedDatatype(type.Data.Span, $"dataset at {obj.Address}") : type.Data;

        ReadOnlySpan<byte> l = layout.Data.Span;
        if (l.Length < 2)
        {
            throw Hdf5Errors.Corruption($"The dataset at {obj.Address} has a truncated layout message.");
        }

        int version = l[0];
        int cls = version is 1 or 2 ? (l.Length > 2 ? l[2] : -1) : l[1];
        if (cls == Virtual)
        {
            throw Hdf5Errors.Unsafe(Hdf5Errors.VirtualDataset,
                $"The dataset at {obj.Address} is a virtual dataset, whose values are mapped from datasets in other files; PSRnn reads only the file it " +
                "was given, so it refuses the file. Store the weights themselves (h5py: f.create_dataset(name, data=vds[...])).");
        }

        Hdf5Dataspace dataspace = Hdf5Dataspace.Parse(source, space.Data.Span);
        Hdf5Datatype datatype = Hdf5Datatype.Parse(source, typeMessage.Span);
        ReadOnlyMemory<byte> body = layout.Data;
        if (version is 1 or 2)
        {
            body = Legacy(source, l, dataspace, datatype, obj.Address);
            version = 3;
        }

        var dataset = new Hdf5Dataset(dataspace, datatype, body, version, cls);
        if (obj.Find(Hdf5Message.FilterPipeline) is { } pipeline)
        {
            dataset.Filters = Hdf5Filter.ParsePipeline(source, pipeline.Data.Span);
        }

        dataset.Fill = ParseFill(source, obj, dataset.Type.Size);
        if (cls == Chunked)
        {
            dataset.ChunkDims = dataset.ParseChunkDims(source, obj.Address);
        }

        return dataset;
    }

    /// <summary>
    /// A layout message of version 1 or 2 (HDF5 1.4's and before) as the version 3 message it means, so that one reader
    /// serves all: the class, the address and the chunk dimensions are the same; the size of contiguous data, which these
    /// versions do not store (H5O__layout_decode), is the dataspace's.
    /// </summary>
    private static byte[] Legacy(Hdf5Source source, ReadOnlySpan<byte> message, Hdf5Dataspace space, Hdf5Datatype type, ulong at)
    {
        Hdf5Cursor c = source.Cursor(message, $"layout message of the dataset at {at}");
        c.U8();
        int ndims = c.U8();
        int cls = c.U8();
        c.Skip(5);
        ulong address = cls is Contiguous or Chunked ? c.Address() : Hdf5Source.Undefined;
        ReadOnlySpan<byte> dims = c.Bytes(4L * ndims);
        int o = source.OffsetSize, l = source.LengthSize;
        switch (cls)
        {
            case Compact:
            {
                uint size = c.U32();
                if (size > ushort.MaxValue)
                {
                    throw c.Fail($"holds {size} bytes of compact data, more than an object header message can.");
                }

                return [3, Compact, (byte)size, (byte)(size >> 8), .. c.Bytes(size)];
            }

            case Contiguous:
            {
                long bytes = space.Elements > long.MaxValue / type.Size
                    ? throw c.Fail("describes more bytes of data than a 64-bit size holds.")
                    : space.Elements * type.Size;
                return [3, Contiguous, .. Encode(address, o), .. Encode((ulong)bytes, l)];
            }

            case Chunked:
                return [3, Chunked, (byte)ndims, .. Encode(address, o), .. dims];
            default:
                throw c.Fail($"has the layout class {cls}; HDF5 defines 0 to 2 for version 1 and 2 messages.");
        }

        static byte[] Encode(ulong value, int size)
        {
            var bytes = new byte[size];
            for (int i = 0; i < size; i++)
            {
                bytes[i] = (byte)(value >> (8 * i));
            }

            return bytes;
        }
    }

    private static Hdf5Message Required(Hdf5Object obj, ushort type, string name) =>
        obj.Find(type) ?? throw Hdf5Errors.Corruption($"The dataset at {obj.Address} has no {name} message: the file is corrupt.");

    private ulong[] ParseChunkDims(Hdf5Source source, ulong address)
    {
        if (LayoutVersion is not (3 or 4))
        {
            throw Hdf5Errors.Corruption($"The dataset at {address} has a version {LayoutVersion} layout message; HDF5 defines 1 to 4.");
        }

        Hdf5Cursor c = source.Cursor(Layout.Span, "layout message");
        c.Skip(2);
        int encoded = 4;
        if (LayoutVersion == 4)
        {
            c.U8(); // flags
        }

        int ndims = c.U8();
        if (LayoutVersion == 3)
        {
            c.Address();
        }
        else
        {
            encoded = c.U8();
            if (encoded is < 1 or > 8)
            {
                throw c.Fail($"encodes chunk sizes in {encoded} bytes.");
            }
        }

        int rank = Space.Dims.Length;
        if (ndims != rank + 1)
        {
            throw Hdf5Errors.Corruption($"The dataset at {address} has {rank} dimensions but chunks of {ndims - 1}: the file is corrupt.");
        }

        var chunk = new ulong[rank];
        for (int i = 0; i < rank; i++)
        {
            chunk[i] = c.Sized(encoded);
        }

        ulong elementSize = c.Sized(encoded);
        if (elementSize != (ulong)Type.Size)
        {
            throw Hdf5Errors.Corruption($"The dataset at {address} stores chunks of {elementSize}-byte elements, but its type has {Type.Size}: the file is corrupt.");
        }

        for (int i = 0; i < rank; i++)
        {
            if (chunk[i] == 0 || chunk[i] > Math.Max(Space.Dims[i], 1))
            {
                throw Hdf5Errors.Unsafe(Hdf5Errors.Chunk,
                    $"The dataset at {address} of shape ({string.Join(", ", Space.Dims)}) is stored in chunks of ({string.Join(", ", chunk)}): a chunk " +
                    "larger than its dataset in some dimension (PSRnn's bound: each chunk dimension between 1 and the dataset's) would be inflated " +
                    "whole, far beyond the data it holds, so PSRnn refuses it.");
            }
        }

        return chunk;
    }

    private static byte[]? ParseFill(Hdf5Source source, Hdf5Object obj, int elementSize)
    {
        byte[]? value = null;
        if (obj.Find(Hdf5Message.FillValue) is { } fill)
        {
            Hdf5Cursor c = source.Cursor(fill.Data.Span, "fill value message");
            byte version = c.U8();
            bool present;
            if (version is 1 or 2)
            {
                c.Skip(2);
                present = c.U8() != 0 || version == 1;
            }
            else if (version == 3)
            {
                present = (c.U8() & 0x20) != 0;
            }
            else
            {
                throw c.Fail($"has version {version}; HDF5 defines 1 to 3.");
            }

            if (present && c.Remaining >= 4)
            {
                uint size = c.U32();
                value = size == 0 ? null : c.Bytes(size).ToArray();
            }
        }
        else if (obj.Find(Hdf5Message.OldFillValue) is { } old)
        {
            Hdf5Cursor c = source.Cursor(old.Data.Span, "fill value message");
            uint size = c.U32();
            value = size == 0 ? null : c.Bytes(size).ToArray();
        }

        if (value is not null && value.Length != elementSize)
        {
            throw Hdf5Errors.Corruption($"The dataset at {obj.Address} has a fill value of {value.Length} bytes for {elementSize}-byte elements: the file is corrupt.");
        }

        return value is null || Array.TrueForAll(value, b => b == 0) ? null : value;
    }

    /// <summary>The dataset's values as stored (elements × type size bytes, in the file's byte order), row-major.</summary>
    public byte[] ReadRaw(Hdf5Source source, string name)
    {
        long bytes = checked(Space.Elements * Type.Size);
        if (bytes > Array.MaxLength)
        {
            throw Hdf5Errors.Corruption($"The dataset '{name}' has {bytes} bytes, more than one array holds.");
        }

        Hdf5Cursor c = source.Cursor(Layout.Span, $"layout message of '{name}'");
        if (LayoutVersion is not (3 or 4))
        {
            throw Hdf5Errors.Corruption($"The dataset '{name}' has a version {LayoutVersion} layout message; HDF5 defines 1 to 4.");
        }

        c.Skip(2);
        switch (LayoutClass)
        {
            case Compact:
            {
                int size = c.U16();
                if (size < bytes)
                {
                    throw Hdf5Errors.Corruption($"The dataset '{name}' holds {size} bytes in its header for {bytes} bytes of values: the file is corrupt.");
                }

                return c.Bytes(bytes).ToArray();
            }

            case Contiguous:
            {
                ulong address = c.Address();
                ulong size = c.Length();
                if (address == Hdf5Source.Undefined)
                {
                    return Filled(bytes);
                }

                if (size < (ulong)bytes)
                {
                    throw Hdf5Errors.Corruption($"The dataset '{name}' stores {size} bytes for {bytes} bytes of values: the file is corrupt.");
                }

                return source.ReadData(address, bytes, $"dataset '{name}'");
            }

            case Chunked:
                return Hdf5Chunks.Read(source, this, name, bytes);
            default:
                throw Hdf5Errors.Corruption($"The dataset '{name}' has the layout class {LayoutClass}; HDF5 defines 0 to 3.");
        }
    }

    /// <summary><paramref name="bytes"/> bytes of the fill value (zeros unless the file defines one).</summary>
    public byte[] Filled(long bytes)
    {
        var data = new byte[bytes];
        if (Fill is { } fill)
        {
            for (long i = 0; i < bytes; i += fill.Length)
            {
                fill.CopyTo(data, i);
            }
        }

        return data;
    }
}
