using System.Buffers.Binary;
using System.IO.Compression;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Reads a chunked dataset: its chunk index (B-tree v1 for layout version 3; a single chunk or the implicit index for
/// version 4), then each chunk through its filters (deflate, shuffle, Fletcher-32), inflated into a buffer of exactly the
/// chunk's size (more is a corrupt chunk), and copied into place. Missing chunks hold the fill value.
/// </summary>
/// <remarks>A stored chunk may be at most its inflated size + 1/8 + 64 bytes (deflate's worst case is far below), so the bytes
/// read stay in proportion to the dataset's size even when many chunk records point at one large block.</remarks>
internal static class Hdf5Chunks
{
    public static byte[] Read(Hdf5Source source, Hdf5Dataset dataset, string name, long bytes)
    {
        byte[] output = dataset.Filled(bytes);
        if (bytes == 0)
        {
            return output;
        }

        ulong[] dims = dataset.Space.Dims;
        ulong[] chunk = dataset.ChunkDims;
        int rank = dims.Length;
        int size = dataset.Type.Size;
        long chunkBytes = size;
        foreach (ulong d in chunk)
        {
            chunkBytes = checked(chunkBytes * (long)d);
        }

        var chunks = new List<(ulong[] Offset, ulong Address, long Size, uint Mask)>();
        Hdf5Cursor c = source.Cursor(dataset.Layout.Span, $"layout message of '{name}'");
        c.Skip(2);
        if (dataset.LayoutVersion == 3)
        {
            c.U8();
            ReadBTree(source, c.Address(), rank, name, chunks);
        }
        else
        {
            byte flags = c.U8();
            c.U8();
            int encoded = c.U8();
            c.Skip((long)encoded * (rank + 1));
            int index = c.U8();
            switch (index)
            {
                case 1:
                {
                    long stored = chunkBytes;
                    uint mask = 0;
                    if ((flags & 0x02) != 0)
                    {
                        stored = (long)Math.Min(c.Length(), (ulong)long.MaxValue);
                        mask = c.U32();
                    }

                    chunks.Add((new ulong[rank + 1], c.Address(), stored, mask));
                    break;
                }

                case 2:
                {
                    if (dataset.Filters.Length > 0)
                    {
                        throw Hdf5Errors.Corruption($"The dataset '{name}' has filters but an implicit chunk index, which HDF5 never writes: the file is corrupt.");
                    }

                    ulong address = c.Address();
                    if (address == Hdf5Source.Undefined)
                    {
                        return output;
                    }

                    ulong[] counts = dims.Select((d, i) => (d + chunk[i] - 1) / chunk[i]).ToArray();
                    long k = 0;
                    foreach (ulong[] position in Positions(counts))
                    {
                        ulong[] offset = [.. position.Select((p, i) => p * chunk[i]), 0];
                        ulong at = (ulong)(k++ * chunkBytes);
                        if (at > (ulong)source.FileLength || address > (ulong)source.FileLength)
                        {
                            throw Hdf5Errors.Corruption($"The dataset '{name}' has chunks beyond the end of the file: it is truncated or corrupt.");
                        }

                        chunks.Add((offset, address + at, chunkBytes, 0));
                    }

                    break;
                }

                default:
                    throw Hdf5Errors.NotSupported(
                        $"The dataset '{name}' indexes its chunks with HDF5 1.10's index type {index} (fixed array, extensible array or B-tree v2), which " +
                        "PSRnn does not read. Save the weights unchunked (as Keras does) or with h5py's default libver.");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((ulong[] offset, ulong address, long stored, uint mask) in chunks)
        {
            for (int i = 0; i < rank; i++)
            {
                if (offset[i] % chunk[i] != 0 || offset[i] >= dims[i])
                {
                    throw Hdf5Errors.Corruption($"The dataset '{name}' has a chunk at ({string.Join(", ", offset[..rank])}), outside its shape ({string.Join(", ", dims)}) or off the chunk grid: the file is corrupt.");
                }
            }

            if (!seen.Add(string.Join(",", offset[..rank])))
            {
                throw Hdf5Errors.Corruption($"The dataset '{name}' stores its chunk at ({string.Join(", ", offset[..rank])}) twice: the file is corrupt.");
            }

            if (address == Hdf5Source.Undefined)
            {
                continue;
            }

            if (stored < 0 || stored > chunkBytes + chunkBytes / 8 + 64)
            {
                throw Hdf5Errors.Corruption($"The dataset '{name}' stores a chunk of {chunkBytes} bytes in {stored} bytes, more than any filter needs: the file is corrupt.");
            }

            byte[] data = Decode(source.ReadData(address, stored, $"chunk of '{name}'"), dataset, mask, chunkBytes, name);
            Place(data, output, offset, chunk, dims, size);
        }

        return output;
    }

    private static void ReadBTree(Hdf5Source source, ulong root, int rank, string name, List<(ulong[], ulong, long, uint)> chunks)
    {
        if (root == Hdf5Source.Undefined)
        {
            return;
        }

        Hdf5BTree1.Walk(source, root, type: 1, keySize: 8 + 8 * (rank + 1), $"chunk index of '{name}'", (key, child) =>
        {
            // Key: the chunk's stored size, its filter mask, and its offset in each dimension (and the element's, 0).
            var offset = new ulong[rank + 1];
            for (int d = 0; d <= rank; d++)
            {
                offset[d] = BinaryPrimitives.ReadUInt64LittleEndian(key[(8 + 8 * d)..]);
            }

            chunks.Add((offset, child, BinaryPrimitives.ReadUInt32LittleEndian(key), BinaryPrimitives.ReadUInt32LittleEndian(key[4..])));
        });
    }

    private static byte[] Decode(byte[] data, Hdf5Dataset dataset, uint mask, long chunkBytes, string name)
    {
        Hdf5Filter[] filters = dataset.Filters;
        for (int i = filters.Length - 1; i >= 0; i--)
        {
            if (i < 32 && ((mask >> i) & 1) != 0)
            {
                continue;
            }

            data = filters[i].Id switch
            {
                Hdf5Filter.Deflate => Inflate(data, chunkBytes, name),
                Hdf5Filter.Shuffle => Unshuffle(data, filters[i].ClientData.Length > 0 ? (int)Math.Min(filters[i].ClientData[0], int.MaxValue) : dataset.Type.Size),
                Hdf5Filter.Fletcher32 => CheckFletcher32(data, name),
                int id => throw Hdf5Errors.NotSupported(
                    $"The dataset '{name}' is compressed with HDF5 filter {id}; PSRnn reads deflate (gzip), shuffle and Fletcher-32. Save it with gzip or uncompressed."),
            };
        }

        if (data.Length != chunkBytes)
        {
            throw Hdf5Errors.Corruption($"A chunk of '{name}' holds {data.Length} bytes where the chunk has {chunkBytes}: the file is corrupt.");
        }

        return data;
    }

    private static byte[] Inflate(byte[] data, long chunkBytes, string name)
    {
        var output = new byte[chunkBytes];
        try
        {
            using var stream = new ZLibStream(new MemoryStream(data, writable: false), CompressionMode.Decompress);
            int done = 0;
            while (done < output.Length)
            {
                int n = stream.Read(output, done, output.Length - done);
                if (n == 0)
                {
                    break;
                }

                done += n;
            }

            Span<byte> extra = stackalloc byte[1];
            if (stream.Read(extra) != 0)
            {
                throw Hdf5Errors.Corruption($"A chunk of '{name}' inflates to more than the chunk's {chunkBytes} bytes: the file is corrupt.");
            }

            return done == output.Length ? output : output[..done];
        }
        catch (InvalidDataException e)
        {
            throw Hdf5Errors.Corruption($"A chunk of '{name}' is not valid deflate data ({e.Message}): the file is corrupt.");
        }
    }

    private static byte[] Unshuffle(byte[] data, int elementSize)
    {
        if (elementSize <= 1 || data.Length < elementSize)
        {
            return data;
        }

        int count = data.Length / elementSize;
        var output = (byte[])data.Clone();
        for (int b = 0; b < elementSize; b++)
        {
            for (int e = 0; e < count; e++)
            {
                output[e * elementSize + b] = data[b * count + e];
            }
        }

        return output;
    }

    private static byte[] CheckFletcher32(byte[] data, string name)
    {
        if (data.Length < 4)
        {
            throw Hdf5Errors.Corruption($"A chunk of '{name}' is too short for its Fletcher-32 checksum: the file is corrupt.");
        }

        ReadOnlySpan<byte> body = data.AsSpan(0, data.Length - 4);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4));
        uint sum = Fletcher32(body);
        // HDF5 before 1.6.3 wrote the checksum with the bytes of each half swapped; HDF5 still accepts both.
        uint reversed = ((sum & 0x00FF00FF) << 8) | ((sum & 0xFF00FF00) >> 8);
        if (stored != sum && stored != reversed)
        {
            throw Hdf5Errors.Corruption($"A chunk of '{name}' fails its Fletcher-32 checksum: the file is corrupt.");
        }

        return body.ToArray();
    }

    /// <summary>HDF5's Fletcher-32 (H5_checksum_fletcher32): 16-bit big-endian words, sums folded every 360 words.</summary>
    private static uint Fletcher32(ReadOnlySpan<byte> data)
    {
        uint sum1 = 0, sum2 = 0;
        int words = data.Length / 2, p = 0;
        while (words > 0)
        {
            int n = Math.Min(words, 360);
            words -= n;
            for (int i = 0; i < n; i++, p += 2)
            {
                sum1 += (uint)((data[p] << 8) | data[p + 1]);
                sum2 += sum1;
            }

            sum1 = (sum1 & 0xFFFF) + (sum1 >> 16);
            sum2 = (sum2 & 0xFFFF) + (sum2 >> 16);
        }

        if (data.Length % 2 == 1)
        {
            sum1 += (uint)(data[p] << 8);
            sum2 += sum1;
            sum1 = (sum1 & 0xFFFF) + (sum1 >> 16);
            sum2 = (sum2 & 0xFFFF) + (sum2 >> 16);
        }

        sum1 = (sum1 & 0xFFFF) + (sum1 >> 16);
        sum2 = (sum2 & 0xFFFF) + (sum2 >> 16);
        return (sum2 << 16) | sum1;
    }

    /// <summary>Copies a decoded chunk at <paramref name="offset"/> into the row-major dataset, clipping its edges.</summary>
    private static void Place(byte[] data, byte[] output, ulong[] offset, ulong[] chunk, ulong[] dims, int size)
    {
        int rank = dims.Length;
        long run = (long)Math.Min(chunk[rank - 1], dims[rank - 1] - offset[rank - 1]) * size;
        ulong[] outer = chunk[..(rank - 1)];
        foreach (ulong[] position in Positions(outer))
        {
            long src = 0, dst = 0;
            bool inside = true;
            for (int i = 0; i < rank; i++)
            {
                ulong p = i < rank - 1 ? position[i] : 0;
                ulong at = offset[i] + p;
                if (at >= dims[i])
                {
                    inside = false;
                    break;
                }

                src = src * (long)chunk[i] + (long)p;
                dst = dst * (long)dims[i] + (long)at;
            }

            if (inside)
            {
                Array.Copy(data, src * size, output, dst * size, run);
            }
        }
    }

    /// <summary>Every index of a box of the given extents, row-major (one empty index for no dimensions).</summary>
    private static IEnumerable<ulong[]> Positions(ulong[] extents)
    {
        var index = new ulong[extents.Length];
        if (Array.Exists(extents, e => e == 0))
        {
            yield break;
        }

        while (true)
        {
            yield return (ulong[])index.Clone();
            int d = extents.Length - 1;
            while (d >= 0 && ++index[d] == extents[d])
            {
                index[d] = 0;
                d--;
            }

            if (d < 0)
            {
                yield break;
            }
        }
    }
}
