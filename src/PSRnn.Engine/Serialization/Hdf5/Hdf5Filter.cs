namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>One filter of a dataset's pipeline: its id, whether it is optional, and its client data.</summary>
internal sealed record Hdf5Filter(int Id, bool Optional, uint[] ClientData)
{
    public const int Deflate = 1;
    public const int Shuffle = 2;
    public const int Fletcher32 = 3;

    /// <summary>h5py's LZF filter (registered with The HDF Group as 32000).</summary>
    public const int Lzf = 32000;

    public static Hdf5Filter[] ParsePipeline(Hdf5Source source, ReadOnlySpan<byte> data)
    {
        Hdf5Cursor c = source.Cursor(data, "filter pipeline message");
        byte version = c.U8();
        int count = c.U8();
        if (version == 1)
        {
            c.Skip(6);
        }
        else if (version != 2)
        {
            throw c.Fail($"has version {version}; HDF5 defines 1 and 2.");
        }

        if (count > 32)
        {
            throw c.Fail($"lists {count} filters; HDF5 allows at most 32.");
        }

        var filters = new Hdf5Filter[count];
        for (int i = 0; i < count; i++)
        {
            int id = c.U16();
            int nameLength = version == 1 || id >= 256 ? c.U16() : 0;
            int flags = c.U16();
            int values = c.U16();
            c.Skip(version == 1 ? (nameLength + 7) / 8 * 8 : nameLength);
            var client = new uint[values];
            for (int v = 0; v < values; v++)
            {
                client[v] = c.U32();
            }

            if (version == 1 && values % 2 == 1)
            {
                c.Skip(4);
            }

            filters[i] = new Hdf5Filter(id, (flags & 0x01) != 0, client);
        }

        return filters;
    }
}
