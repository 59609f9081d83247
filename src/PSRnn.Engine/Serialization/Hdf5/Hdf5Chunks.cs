using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Reads a chunked dataset: its chunk index (B-tree v1 for layout version 3; for version 4, HDF5 1.10's single chunk,
/// implicit index, fixed array, extensible array or B-tree v2), then each chunk through its filters (deflate, LZF,
/// shuffle, Fletcher-32), decompressed into a buffer of exactly the chunk's size (more is a corrupt chunk), and copied
/// into place. Missing chunks hold the fill value.
/// </summary>
/// <remarks>A stored chunk may be at most its decompressed size + 1/8 + 64 bytes (deflate's and LZF's worst cases are far
/// below), so the bytes read stay in proportion to the dataset's size even when many chunk records point at one large
/// block. The array indexes are asked only for the chunks inside the dataset's shape, so their cost is the dataset's,
/// whatever maximum shape they declare.</remarks>
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
        bool filtered = dataset.Filters.Length > 0;
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
            if ((flags & 0x01) != 0 && filtered)
            {
                throw Hdf5Errors.NotSupported(
                    $"The dataset '{name}' leaves its partial edge chunks unfiltered (H5Pset_chunk_opts, which h5py does not offer); PSRnn does not read that layout.");
            }

            string what = $"chunk index of '{name}'";
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
                    if (filtered)
                    {
                        throw Hdf5Errors.Corruption($"The dataset '{name}' has filters but an implicit chunk index, which HDF5 never writes: the file is corrupt.");
                    }

                    ulong address = c.Address();
                    if (address == Hdf5Source.Undefined)
                    {
                        return output;
                    }

                    // The chunks of the maximum shape, one after another (H5D__none_idx_get_addr), all inside the file.
                    ulong[] max = MaxChunks(dataset, name, unlimited: -1);
                    ulong[] down = Down(max, name);
                    ulong total = Product(max, name);
                    if (total > (ulong)(source.FileLength / chunkBytes) || address > (ulong)source.FileLength - total * (ulong)chunkBytes)
                    {
                        throw Hdf5Errors.Corruption($"The dataset '{name}' has chunks beyond the end of the file: it is truncated or corrupt.");
                    }

                    FromArray(dims, chunk, down, first: -1, index => (address + index * (ulong)chunkBytes, chunkBytes, 0), chunks, name);
                    break;
                }

                case 3:
                {
                    int pageBits = c.U8();
                    ulong address = c.Address();
                    ulong[] max = MaxChunks(dataset, name, unlimited: -1);
                    ulong[] down = Down(max, name);
                    Hdf5FixedArray array = Hdf5FixedArray.Open(source, address, filtered, pageBits, Product(max, name), chunkBytes, what);
                    FromArray(dims, chunk, down, first: -1, array.Entry, chunks, name);
                    break;
                }

                case 4:
                {
                    ReadOnlySpan<byte> parameters = c.Bytes(5);
                    ulong address = c.Address();
                    int unlimited = Array.IndexOf(dataset.Space.MaxDims, Hdf5Dataspace.Unlimited);
                    if (unlimited < 0 || Array.LastIndexOf(dataset.Space.MaxDims, Hdf5Dataspace.Unlimited) != unlimited)
                    {
                        throw Hdf5Errors.Corruption($"The dataset '{name}' indexes its chunks with an extensible array but has not one unlimited dimension: the file is corrupt.");
                    }

                    // HDF5 moves the unlimited dimension first ("swizzles" it) and numbers the chunks row-major in that order.
                    ulong[] down = Down(Swizzle(MaxChunks(dataset, name, unlimited), unlimited), name);
                    Hdf5ExtensibleArray array = Hdf5ExtensibleArray.Open(source, address, filtered, parameters, chunkBytes, what);
                    FromArray(dims, chunk, down, first: unlimited, array.Entry, chunks, name);
                    break;
                }

                case 5:
                {
                    c.Skip(6); // node size, split and merge percentages: the B-tree's header repeats them
                    ulong address = c.Address();
                    int o = source.OffsetSize;
                    int sizeLength = ChunkSizeLength(chunkBytes);
                    int recordSize = o + (filtered ? sizeLength + 4 : 0) + 8 * rank;
                    Hdf5BTree2.Walk(source, address, filtered ? 11 : 10, recordSize, what, record =>
                    {
                        // Record: the chunk's address, (filtered: its stored size and filter mask,) its scaled offset in each dimension.
                        Hdf5Cursor r = source.Cursor(record, what);
                        ulong at = r.Address();
                        ulong stored = filtered ? r.Sized(sizeLength) : (ulong)chunkBytes;
                        uint mask = filtered ? r.U32() : 0;
                        var offset = new ulong[rank + 1];
                        for (int d = 0; d < rank; d++)
                        {
                            ulong scaled = r.U64();
                            offset[d] = scaled >= dims[d] ? ulong.MaxValue : scaled * chunk[d];
                        }

                        chunks.Add((offset, at, (long)Math.Min(stored, long.MaxValue), mask));
                    });
                    break;
                }

                default:
                    throw Hdf5Errors.Corruption($"The dataset '{name}' indexes its chunks with the index type {index}; HDF5 defines 1 to 5.");
            }
        }

        ulong[] grid = Down(Counts(dims, chunk), name);
        var seen = new HashSet<ulong>();
        foreach ((ulong[] offset, ulong address, long stored, uint mask) in chunks)
        {
            for (int i = 0; i < rank; i++)
            {
                if (offset[i] % chunk[i] != 0 || offset[i] >= dims[i])
                {
                    throw Hdf5Errors.Corruption($"The dataset '{name}' has a chunk at ({string.Join(", ", offset[..rank])}), outside its shape ({string.Join(", ", dims)}) or off the chunk grid: the file is corrupt.");
                }
            }

            ulong key = 0;
            for (int i = 0; i < rank; i++)
            {
                key += offset[i] / chunk[i] * grid[i];
            }

            if (!seen.Add(key))
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

    /// <summary>The bytes of a chunk index entry: the chunk's address, and for filtered chunks its stored size and filter mask.</summary>
    public static int EntrySize(Hdf5Source source, bool filtered, long chunkBytes) =>
        filtered ? source.OffsetSize + ChunkSizeLength(chunkBytes) + 4 : source.OffsetSize;

    /// <summary>The bytes HDF5 1.10 gives a filtered chunk's stored size: one more than its unfiltered size needs, at most 8 (H5D__farray_idx_create).</summary>
    public static int ChunkSizeLength(long chunkBytes) => Math.Min(8, 1 + (BitOperations.Log2((ulong)chunkBytes) + 8) / 8);

    /// <summary>A fixed or extensible array's entry: (address, stored size, filter mask).</summary>
    public static (ulong Address, long Size, uint Mask) DecodeEntry(Hdf5Source source, ReadOnlySpan<byte> raw, bool filtered, long chunkBytes, string what)
    {
        Hdf5Cursor c = source.Cursor(raw, what);
        ulong address = c.Address();
        if (!filtered)
        {
            return (address, chunkBytes, 0);
        }

        ulong size = c.Sized(raw.Length - source.OffsetSize - 4);
        return (address, (long)Math.Min(size, long.MaxValue), c.U32());
    }

    /// <summary>The chunks along each dimension of the dataset's maximum shape (an unlimited dimension, allowed only at <paramref name="unlimited"/>, counts 1).</summary>
    private static ulong[] MaxChunks(Hdf5Dataset dataset, string name, int unlimited)
    {
        ulong[] max = dataset.Space.MaxDims;
        var chunks = new ulong[max.Length];
        for (int i = 0; i < max.Length; i++)
        {
            if (max[i] == Hdf5Dataspace.Unlimited)
            {
                chunks[i] = i == unlimited ? 1UL : throw Hdf5Errors.Corruption($"The dataset '{name}' has an unlimited dimension its chunk index cannot grow along: the file is corrupt.");
                continue;
            }

            ulong c = dataset.ChunkDims[i];
            chunks[i] = max[i] / c + (max[i] % c != 0 ? 1UL : 0);
        }

        return chunks;
    }

    /// <summary>Row-major strides of a grid of <paramref name="counts"/> (H5VM_array_down).</summary>
    private static ulong[] Down(ulong[] counts, string name)
    {
        var down = new ulong[counts.Length];
        ulong stride = 1;
        for (int i = counts.Length - 1; i >= 0; i--)
        {
            down[i] = stride;
            stride = Multiply(stride, counts[i], name);
        }

        return down;
    }

    private static ulong Product(ulong[] counts, string name)
    {
        ulong product = 1;
        foreach (ulong count in counts)
        {
            product = Multiply(product, count, name);
        }

        return product;
    }

    private static ulong Multiply(ulong a, ulong b, string name) =>
        b != 0 && a > ulong.MaxValue / b
            ? throw Hdf5Errors.Corruption($"The dataset '{name}' has a maximum shape of more than 2^64 chunks: the file is corrupt.")
            : a * b;

    /// <summary>
    /// Adds the stored chunks of an array index: each chunk position of the dataset's shape, row-major, is looked up by
    /// its index in the array (strides <paramref name="down"/>, with dimension <paramref name="first"/>, if not -1, moved
    /// to the front as HDF5 "swizzles" an extensible array's unlimited dimension: H5VM_swizzle_coords). The index is
    /// stepped, not recomputed, and a position without a stored chunk allocates nothing, so an index that stores few
    /// chunks of a large shape costs a few nanoseconds a position.
    /// </summary>
    private static void FromArray(ulong[] dims, ulong[] chunk, ulong[] down, int first, Func<ulong, (ulong Address, long Size, uint Mask)> entry,
        List<(ulong[] Offset, ulong Address, long Size, uint Mask)> chunks, string name)
    {
        ulong[] counts = Counts(dims, chunk);
        if (Array.Exists(counts, c => c == 0))
        {
            return;
        }

        int rank = counts.Length;
        var stride = new ulong[rank];
        ulong span = 0;
        for (int i = 0; i < rank; i++)
        {
            stride[i] = down[first < 0 || i > first ? i : i == first ? 0 : i + 1];
            span = Multiply(counts[i], stride[i], name) is var extent && extent <= ulong.MaxValue - span
                ? span + extent
                : throw Hdf5Errors.Corruption($"The dataset '{name}' has more chunks than a 64-bit index counts: the file is corrupt.");
        }

        var position = new ulong[rank];
        ulong index = 0;
        while (true)
        {
            (ulong at, long stored, uint mask) = entry(index);
            if (at != Hdf5Source.Undefined)
            {
                chunks.Add((Offset(position, chunk), at, stored, mask));
            }

            int d = rank - 1;
            for (; d >= 0; d--)
            {
                index += stride[d];
                if (++position[d] < counts[d])
                {
                    break;
                }

                index -= counts[d] * stride[d];
                position[d] = 0;
            }

            if (d < 0)
            {
                return;
            }
        }
    }

    /// <summary>The dimensions in HDF5's swizzled order: <paramref name="first"/> moved to the front.</summary>
    private static ulong[] Swizzle(ulong[] values, int first) => [values[first], .. values[..first], .. values[(first + 1)..]];

    private static ulong[] Counts(ulong[] dims, ulong[] chunk) => dims.Select((d, i) => d / chunk[i] + (d % chunk[i] != 0 ? 1UL : 0)).ToArray();

    private static ulong[] Offset(ulong[] position, ulong[] chunk) => [.. position.Select((p, i) => p * chunk[i]), 0];

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
                Hdf5Filter.Lzf => Hdf5Lzf.Decompress(data, chunkBytes, name),
                int id => throw Hdf5Errors.NotSupported(
                    $"The dataset '{name}' is stored with HDF5 filter {id} ({FilterName(id)}); PSRnn reads deflate (gzip), LZF, shuffle and Fletcher-32. " +
                    "Save it with gzip, LZF or uncompressed."),
            };
        }

        if (data.Length != chunkBytes)
        {
            throw Hdf5Errors.Corruption($"A chunk of '{name}' holds {data.Length} bytes where the chunk has {chunkBytes}: the file is corrupt.");
        }

        return data;
    }

    private static string FilterName(int id) => id switch
    {
        4 => "szip",
        5 => "N-bit",
        6 => "scale-offset",
        307 => "bzip2",
        32001 => "Blosc",
        32004 => "LZ4",
        32008 => "bitshuffle",
        32015 => "Zstandard",
        _ => "not one of HDF5's or h5py's own",
    };

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
        catch (Exception e) when (IO.Compression.IsCorruptData(e))
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
