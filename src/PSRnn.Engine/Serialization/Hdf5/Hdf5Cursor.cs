using System.Buffers.Binary;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// Reads little-endian fields from one decoded block; every read is checked against the block, so a count or size
/// from the file can never read past it (it is a <see cref="Hdf5Errors.Corrupt"/> error instead).
/// </summary>
internal ref struct Hdf5Cursor
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;

    public Hdf5Cursor(ReadOnlySpan<byte> data, int offsetSize, int lengthSize, string what)
    {
        _data = data;
        OffsetSize = offsetSize;
        LengthSize = lengthSize;
        _what = what;
        Position = 0;
    }

    public int Position { get; set; }

    public readonly int Remaining => _data.Length - Position;

    public readonly int OffsetSize { get; }

    public readonly int LengthSize { get; }

    public ReadOnlySpan<byte> Bytes(long count)
    {
        if (count < 0 || count > Remaining)
        {
            throw Hdf5Errors.Corruption($"The {_what} ends before its fields do (it needs {count} more bytes at {Position}, has {Remaining}).");
        }

        ReadOnlySpan<byte> span = _data.Slice(Position, (int)count);
        Position += (int)count;
        return span;
    }

    public void Skip(long count) => Bytes(count);

    public byte U8() => Bytes(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

    /// <summary>An unsigned integer of 1 to 8 bytes (HDF5's variable-size fields).</summary>
    public ulong Sized(int size)
    {
        ReadOnlySpan<byte> b = Bytes(size);
        ulong v = 0;
        for (int i = size - 1; i >= 0; i--)
        {
            v = (v << 8) | b[i];
        }

        return v;
    }

    /// <summary>A file address; <see cref="Hdf5Source.Undefined"/> for HDF5's undefined address (all bits set).</summary>
    public ulong Address()
    {
        ulong v = Sized(OffsetSize);
        return OffsetSize < 8 && v == (1UL << (8 * OffsetSize)) - 1 ? Hdf5Source.Undefined : v;
    }

    public ulong Length() => Sized(LengthSize);

    public readonly Hdf5Exception Fail(string message) => Hdf5Errors.Corruption($"The {_what} {message}");
}
