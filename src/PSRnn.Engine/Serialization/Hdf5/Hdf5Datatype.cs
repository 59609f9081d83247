namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>The parts of an HDF5 datatype message PSRnn reads: its class and size, and for floats the byte order and layout.</summary>
internal sealed record Hdf5Datatype(int Class, int Size, bool BigEndian, bool IsIeeeFloat, int StringPadding, bool IsVariableString)
{
    public const int FixedPoint = 0;
    public const int FloatingPoint = 1;
    public const int String = 3;
    public const int VariableLength = 9;

    public static Hdf5Datatype Parse(Hdf5Source source, ReadOnlySpan<byte> data)
    {
        Hdf5Cursor c = source.Cursor(data, "datatype message");
        byte classAndVersion = c.U8();
        int cls = classAndVersion & 0x0F;
        int version = classAndVersion >> 4;
        if (version is < 1 or > 4)
        {
            throw c.Fail($"has version {version}; HDF5 defines 1 to 4.");
        }

        byte bits0 = c.U8();
        byte bits1 = c.U8();
        byte bits2 = c.U8();
        uint size = c.U32();
        if (size is 0 or > int.MaxValue)
        {
            throw c.Fail($"has an element size of {size} bytes.");
        }

        switch (cls)
        {
            case FloatingPoint:
            {
                bool vax = (bits0 & 0x41) == 0x41;
                bool big = !vax && (bits0 & 0x01) != 0;
                int normalization = (bits0 >> 4) & 0x03;
                int signBit = bits1;
                int offset = c.U16(), precision = c.U16();
                int expLocation = c.U8(), expSize = c.U8(), mantLocation = c.U8(), mantSize = c.U8();
                uint bias = c.U32();
                (int e, int m, uint b) ieee = size switch
                {
                    2 => (5, 10, 15u),
                    4 => (8, 23, 127u),
                    8 => (11, 52, 1023u),
                    _ => (0, 0, 0u),
                };
                bool isIeee = !vax && ieee.e > 0 && offset == 0 && precision == 8 * size && normalization == 2 && signBit == 8 * size - 1 &&
                    expLocation == ieee.m && expSize == ieee.e && mantLocation == 0 && mantSize == ieee.m && bias == ieee.b;
                return new Hdf5Datatype(cls, (int)size, big, isIeee, 0, false);
            }

            case String:
                return new Hdf5Datatype(cls, (int)size, false, false, bits0 & 0x0F, false);
            case VariableLength:
                // Type 1 is a string (type 0 a sequence of the base type); the base type follows but adds nothing here.
                return new Hdf5Datatype(cls, (int)size, false, false, (bits0 >> 4) & 0x0F, (bits0 & 0x0F) == 1);
            default:
                _ = bits2;
                return new Hdf5Datatype(cls, (int)size, (bits0 & 0x01) != 0, false, 0, false);
        }
    }

    public string Describe() => Class switch
    {
        FixedPoint => $"{Size}-byte integers",
        FloatingPoint => IsIeeeFloat ? $"{Size}-byte floats" : $"{Size}-byte floats of a non-IEEE layout",
        String => "fixed-length strings",
        VariableLength => IsVariableString ? "variable-length strings" : "variable-length sequences",
        _ => $"HDF5 class {Class} values",
    };
}
