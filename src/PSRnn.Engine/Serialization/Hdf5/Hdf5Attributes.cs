using System.Buffers.Binary;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Reads an object's string attributes (what Keras stores: model_config, layer_names, weight_names): fixed-length or
/// variable-length strings, scalar or one-dimensional, of their own or a committed datatype, from attribute messages in
/// the object header or in dense storage (a fractal heap indexed by a version 2 B-tree, which h5py uses past 8 attributes
/// with libver='latest' or track_order=True, and for large attributes). Variable-length strings live in global heap
/// collections, each decoded once.
/// </summary>
internal static class Hdf5Attributes
{
    /// <summary>The attribute's strings as bytes (padding removed), or null if the object has no such attribute.</summary>
    public static byte[][]? ReadStrings(Hdf5File file, Hdf5Object obj, string name)
    {
        Hdf5Source source = file.Source;
        obj.AttributeIndex ??= Index(source, obj);
        if (obj.AttributeIndex.TryGetValue(name, out Hdf5Message message))
        {
            Hdf5Cursor c = source.Cursor(message.Data.Span, "attribute message");
            byte version = c.U8();
            byte flags = c.U8();
            int nameSize = c.U16(), typeSize = c.U16(), spaceSize = c.U16();
            if (version == 3)
            {
                c.U8();
            }

            c.Skip(Pad(nameSize, version));
            if (version > 1 && (flags & 0x02) != 0)
            {
                throw Hdf5Errors.NotSupported(
                    $"The attribute '{name}' has its dataspace in HDF5's shared message heap (H5Pset_shared_mesg_nindexes, which h5py does not use); PSRnn does not read it.");
            }

            // Flag 0x01: a committed datatype (h5py: attrs.create(..., dtype=f['t'])), whose field is a shared message.
            ReadOnlySpan<byte> typeField = c.Bytes(Pad(typeSize, version))[..typeSize];
            Hdf5Datatype type = Hdf5Datatype.Parse(source, version > 1 && (flags & 0x01) != 0 ? file.CommittedDatatype(typeField, $"attribute '{name}'").Span : typeField);
            Hdf5Dataspace space = Hdf5Dataspace.Parse(source, c.Bytes(Pad(spaceSize, version))[..spaceSize]);
            if (space.Dims.Length > 1)
            {
                throw Hdf5Errors.Corruption($"The attribute '{name}' has {space.Dims.Length} dimensions where Keras writes a list of strings.");
            }

            if (space.Elements > c.Remaining / type.Size)
            {
                throw Hdf5Errors.Corruption($"The attribute '{name}' declares {space.Elements} values of {type.Size} bytes but holds {c.Remaining} bytes: the file is corrupt.");
            }

            var values = new byte[space.Elements][];
            for (long i = 0; i < values.Length; i++)
            {
                ReadOnlySpan<byte> element = c.Bytes(type.Size);
                values[i] = type.Class switch
                {
                    Hdf5Datatype.String => Unpad(element, type.StringPadding),
                    Hdf5Datatype.VariableLength when type.IsVariableString => VariableString(file, element, name),
                    _ => throw Hdf5Errors.Corruption($"The attribute '{name}' holds {type.Describe()}, not the strings Keras writes."),
                };
            }

            return values;
        }

        return null;
    }

    private static Dictionary<string, Hdf5Message> Index(Hdf5Source source, Hdf5Object obj)
    {
        var index = new Dictionary<string, Hdf5Message>(StringComparer.Ordinal);
        foreach (Hdf5Message message in obj.Messages)
        {
            if (message.Type == Hdf5Message.Attribute)
            {
                Add(source, obj, index, message);
            }
        }

        string what = $"attributes of the object at {obj.Address}";
        if (obj.Find(Hdf5Message.AttributeInfo) is { } info && Hdf5FractalHeap.Dense(source, info, creationIndexBytes: 2, what) is ({ } heap, ulong nameIndex))
        {
            // Dense storage: each attribute message is in the fractal heap, named by the records of the name index
            // (a B-tree v2 of type 8: heap ID, message flags, creation order, name hash).
            Hdf5BTree2.Walk(source, nameIndex, type: 8, recordSize: heap.IdLength + 9, $"name index of the {what}", record =>
                Add(source, obj, index, new Hdf5Message(Hdf5Message.Attribute, record[heap.IdLength], heap.Object(record[..heap.IdLength]))));
        }

        return index;
    }

    private static void Add(Hdf5Source source, Hdf5Object obj, Dictionary<string, Hdf5Message> index, Hdf5Message message)
    {
        if (message.IsShared)
        {
            throw Hdf5Errors.NotSupported(
                $"The object at {obj.Address} has an attribute in HDF5's shared message heap (H5Pset_shared_mesg_nindexes, which h5py does not use); PSRnn does not read it.");
        }

        Hdf5Cursor c = source.Cursor(message.Data.Span, "attribute message");
        byte version = c.U8();
        c.U8();
        int nameSize = c.U16();
        c.Skip(4);
        if (version is < 1 or > 3)
        {
            throw c.Fail($"has version {version}; HDF5 defines 1 to 3.");
        }

        if (version == 3)
        {
            c.U8();
        }

        ReadOnlySpan<byte> rawName = c.Bytes(Math.Min(nameSize, c.Remaining));
        int nul = rawName.IndexOf((byte)0);
        string name = System.Text.Encoding.UTF8.GetString(nul < 0 ? rawName : rawName[..nul]);
        if (!index.TryAdd(name, message))
        {
            throw Hdf5Errors.Corruption($"The object at {obj.Address} has two attributes named '{name}': the file is corrupt.");
        }
    }

    private static int Pad(int size, int version) => version == 1 ? (size + 7) / 8 * 8 : size;

    private static byte[] Unpad(ReadOnlySpan<byte> element, int padding)
    {
        if (padding == 0)
        {
            int nul = element.IndexOf((byte)0);
            return (nul < 0 ? element : element[..nul]).ToArray();
        }

        return element.TrimEnd(padding == 2 ? (byte)' ' : (byte)0).ToArray();
    }

    private static byte[] VariableString(Hdf5File file, ReadOnlySpan<byte> element, string name)
    {
        Hdf5Cursor c = file.Source.Cursor(element, $"value of attribute '{name}'");
        uint length = c.U32();
        ulong collection = c.Address();
        uint index = c.U32();
        if (length == 0)
        {
            return [];
        }

        ReadOnlyMemory<byte> value = file.GlobalHeapObject(collection, index);
        file.Source.Charge(length, $"strings of attribute '{name}'");
        if (length > value.Length)
        {
            throw Hdf5Errors.Corruption($"The attribute '{name}' has a string of {length} bytes in a heap object of {value.Length}: the file is corrupt.");
        }

        return value[..(int)length].ToArray();
    }

    /// <summary>The objects of a global heap collection by index: (offset, size) in <paramref name="collection"/>.</summary>
    public static Dictionary<uint, (int Offset, int Size)> ParseCollection(Hdf5Source source, byte[] collection, ulong address)
    {
        var objects = new Dictionary<uint, (int, int)>();
        int l = source.LengthSize;
        int p = 8 + l;
        while (p + 8 + l <= collection.Length)
        {
            uint index = BinaryPrimitives.ReadUInt16LittleEndian(collection.AsSpan(p));
            if (index == 0)
            {
                break;
            }

            ulong size = source.Cursor(collection.AsSpan(p + 8, l), "global heap object").Length();
            int data = p + 8 + l;
            if (size > (ulong)(collection.Length - data))
            {
                throw Hdf5Errors.Corruption($"The global heap collection at {address} has an object of {size} bytes that runs past it: the file is corrupt.");
            }

            if (!objects.TryAdd(index, (data, (int)size)))
            {
                throw Hdf5Errors.Corruption($"The global heap collection at {address} has two objects numbered {index}: the file is corrupt.");
            }

            p = data + (int)((size + 7) / 8 * 8);
        }

        return objects;
    }
}
