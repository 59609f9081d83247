using System.Buffers.Binary;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Walks a version 1 B-tree (group nodes, type 0, or chunk nodes, type 1): every node read once, each child one level
/// below its parent, every leaf entry handed to the caller with its key.
/// </summary>
internal static class Hdf5BTree1
{
    public delegate void LeafEntry(ReadOnlySpan<byte> key, ulong child);

    public static void Walk(Hdf5Source source, ulong root, int type, int keySize, string what, LeafEntry leaf)
    {
        int o = source.OffsetSize;
        var visited = new HashSet<ulong>();
        var pending = new Stack<(ulong Address, int Level)>();
        pending.Push((root, -1));
        while (pending.Count > 0)
        {
            (ulong address, int expected) = pending.Pop();
            if (!visited.Add(address))
            {
                throw Hdf5Errors.Corruption($"The {what} reaches its node at {address} twice: the file is corrupt.");
            }

            byte[] head = source.Read(address, 8 + 2 * o, what);
            if (!head.AsSpan(0, 4).SequenceEqual("TREE"u8) || head[4] != type)
            {
                throw Hdf5Errors.Corruption($"The {what} has no B-tree node of type {type} at {address}: the file is corrupt.");
            }

            int level = head[5];
            int entries = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(6));
            if (expected >= 0 && level != expected)
            {
                throw Hdf5Errors.Corruption($"The {what} has a node at {address} of level {level} where its parent needs {expected}: the file is corrupt.");
            }

            // Keys and children alternate, key 0 first; the last key closes the node.
            byte[] body = source.Read(address + (ulong)head.Length, (long)(entries + 1) * keySize + (long)entries * o, what);
            Hdf5Cursor c = source.Cursor(body, what);
            for (int i = 0; i < entries; i++)
            {
                ReadOnlySpan<byte> key = c.Bytes(keySize);
                ulong child = c.Address();
                if (level > 0)
                {
                    pending.Push((child, level - 1));
                }
                else
                {
                    leaf(key, child);
                }
            }
        }
    }
}
