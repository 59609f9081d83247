namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// A dataspace message: the dimensions (empty for a scalar), the maximum dimensions (<see cref="Unlimited"/> for an
/// unlimited one; the dimensions themselves when the message gives none) and the element count (0 for a null dataspace).
/// </summary>
internal sealed record Hdf5Dataspace(ulong[] Dims, ulong[] MaxDims, long Elements)
{
    /// <summary>HDF5's unlimited maximum dimension (H5S_UNLIMITED).</summary>
    public const ulong Unlimited = ulong.MaxValue;

    public static Hdf5Dataspace Parse(Hdf5Source source, ReadOnlySpan<byte> data)
    {
        Hdf5Cursor c = source.Cursor(data, "dataspace message");
        byte version = c.U8();
        int rank = c.U8();
        byte flags = c.U8();
        bool isNull = false;
        if (version == 1)
        {
            c.Skip(5);
        }
        else if (version == 2)
        {
            byte type = c.U8();
            if (type > 2)
            {
                throw c.Fail($"has the dataspace type {type}; HDF5 defines 0 to 2.");
            }

            isNull = type == 2;
        }
        else
        {
            throw c.Fail($"has version {version}; HDF5 defines 1 and 2.");
        }

        if (rank > 32)
        {
            throw c.Fail($"has {rank} dimensions; HDF5 allows at most 32.");
        }

        var dims = new ulong[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = c.Length();
            elements = dims[i] > long.MaxValue || (elements > 0 && (long)dims[i] > long.MaxValue / elements) ? -1 : elements * (long)dims[i];
            if (elements < 0)
            {
                throw c.Fail("has more elements than a 64-bit count holds.");
            }
        }

        ulong[] max = dims;
        if ((flags & 0x01) != 0)
        {
            max = new ulong[rank];
            for (int i = 0; i < rank; i++)
            {
                max[i] = c.Length();
                if (c.LengthSize < 8 && max[i] == (1UL << (8 * c.LengthSize)) - 1)
                {
                    max[i] = Unlimited;
                }

                if (max[i] < dims[i])
                {
                    throw c.Fail($"has a maximum size {max[i]} below its size {dims[i]} in dimension {i}.");
                }
            }
        }

        return new Hdf5Dataspace(dims, max, isNull ? 0 : elements);
    }
}
