namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>One object header message: its type, flags and body (a slice of the header block it was read from).</summary>
internal readonly record struct Hdf5Message(ushort Type, byte Flags, ReadOnlyMemory<byte> Data)
{
    public const ushort Nil = 0x0000;
    public const ushort Dataspace = 0x0001;
    public const ushort LinkInfo = 0x0002;
    public const ushort Datatype = 0x0003;
    public const ushort OldFillValue = 0x0004;
    public const ushort FillValue = 0x0005;
    public const ushort Link = 0x0006;
    public const ushort ExternalFiles = 0x0007;
    public const ushort Layout = 0x0008;
    public const ushort FilterPipeline = 0x000B;
    public const ushort Attribute = 0x000C;
    public const ushort Continuation = 0x0010;
    public const ushort SymbolTable = 0x0011;
    public const ushort AttributeInfo = 0x0015;

    /// <summary>The message is stored elsewhere (a shared message): its body is a reference, not the message.</summary>
    public bool IsShared => (Flags & 0x02) != 0;
}
