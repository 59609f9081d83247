using System.Buffers.Binary;
using System.Numerics;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>Bob Jenkins's lookup3 hashlittle, HDF5's metadata checksum (H5_checksum_lookup3).</summary>
internal static class Lookup3
{
    public static uint Hash(ReadOnlySpan<byte> key, uint initval = 0)
    {
        uint a, b, c;
        a = b = c = 0xdeadbeef + (uint)key.Length + initval;
        while (key.Length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(key);
            b += BinaryPrimitives.ReadUInt32LittleEndian(key[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(key[8..]);
            a -= c; a ^= BitOperations.RotateLeft(c, 4); c += b;
            b -= a; b ^= BitOperations.RotateLeft(a, 6); a += c;
            c -= b; c ^= BitOperations.RotateLeft(b, 8); b += a;
            a -= c; a ^= BitOperations.RotateLeft(c, 16); c += b;
            b -= a; b ^= BitOperations.RotateLeft(a, 19); a += c;
            c -= b; c ^= BitOperations.RotateLeft(b, 4); b += a;
            key = key[12..];
        }

        if (key.Length == 0)
        {
            return c;
        }

        Span<byte> tail = stackalloc byte[12];
        tail.Clear();
        key.CopyTo(tail);
        a += BinaryPrimitives.ReadUInt32LittleEndian(tail);
        b += BinaryPrimitives.ReadUInt32LittleEndian(tail[4..]);
        c += BinaryPrimitives.ReadUInt32LittleEndian(tail[8..]);
        c ^= b; c -= BitOperations.RotateLeft(b, 14);
        a ^= c; a -= BitOperations.RotateLeft(c, 11);
        b ^= a; b -= BitOperations.RotateLeft(a, 25);
        c ^= b; c -= BitOperations.RotateLeft(b, 16);
        a ^= c; a -= BitOperations.RotateLeft(c, 4);
        b ^= a; b -= BitOperations.RotateLeft(a, 14);
        c ^= b; c -= BitOperations.RotateLeft(b, 24);
        return c;
    }

    /// <summary>Checks the 4-byte checksum that ends <paramref name="block"/> (v2 object headers, B-tree v2 nodes, …).</summary>
    public static void Verify(ReadOnlySpan<byte> block, string what)
    {
        if (block.Length < 4 || Hash(block[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(block[^4..]))
        {
            throw Hdf5Errors.Corruption($"The file's {what} fails its checksum: the file is corrupt.");
        }
    }
}
