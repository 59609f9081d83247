using System.Buffers.Binary;
using System.Text;
using PSRnn.Engine.Data;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>
/// A minimal Protocol Buffers wire-format reader over one message's bytes: tags, varints, fixed32/fixed64 and
/// length-delimited fields, and skipping of fields it is not asked about — the counterpart of <see cref="ProtoWriter"/>.
/// </summary>
/// <remarks>
/// Every read is bounds-checked against the message's end, so a truncated or corrupt file is a
/// <see cref="DataFormatException"/> with ErrorId <see cref="CorruptErrorId"/>, never an out-of-range read. Wire types 3
/// and 4 (proto2 groups, which onnx.proto never uses) are refused.
/// </remarks>
internal sealed class ProtoReader
{
    /// <summary>The ErrorId of bytes that are not valid protobuf.</summary>
    public const string CorruptErrorId = "OnnxCorrupt";

    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    private readonly byte[] _data;
    private readonly int _end;
    private readonly string? _fileName;
    private int _position;

    /// <summary>Reads the message in <paramref name="data"/>[<paramref name="start"/>, <paramref name="end"/>).</summary>
    public ProtoReader(byte[] data, int start, int end, string? fileName)
    {
        _data = data;
        _position = start;
        _end = end;
        _fileName = fileName;
    }

    /// <summary>The wire type of the field last read by <see cref="TryReadTag"/>.</summary>
    public int WireType { get; private set; }

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool TryReadTag(out int field)
    {
        if (_position >= _end)
        {
            field = 0;
            return false;
        }

        ulong tag = ReadVarint();
        field = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue || WireType is 3 or 4 or 6 or 7)
        {
            throw Corrupt($"a field tag {tag} that is not valid protobuf");
        }

        return true;
    }

    /// <summary>Reads a varint field's value (int32, int64, enum, bool).</summary>
    public long ReadInt64()
    {
        Expect(WireVarint);
        return unchecked((long)ReadVarint());
    }

    /// <summary>Reads a fixed32 float field.</summary>
    public float ReadFloat()
    {
        Expect(WireFixed32);
        return BinaryPrimitives.ReadSingleLittleEndian(Take(4));
    }

    /// <summary>Reads a length-delimited field as UTF-8 text.</summary>
    public string ReadString()
    {
        (int start, int length) = ReadLengthDelimited();
        try
        {
            return new UTF8Encoding(false, true).GetString(_data, start, length);
        }
        catch (DecoderFallbackException e)
        {
            throw Corrupt("a string that is not UTF-8", e);
        }
    }

    /// <summary>Reads a length-delimited field and returns a reader over its content (a nested message).</summary>
    public ProtoReader ReadMessage()
    {
        (int start, int length) = ReadLengthDelimited();
        return new ProtoReader(_data, start, start + length, _fileName);
    }

    /// <summary>Reads a length-delimited field's bytes as (offset, length) into the buffer.</summary>
    public (int Start, int Length) ReadLengthDelimited()
    {
        Expect(WireLengthDelimited);
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position))
        {
            throw Truncated($"a field of {length} bytes where {_end - _position} remain");
        }

        int start = _position;
        _position += (int)length;
        return (start, (int)length);
    }

    /// <summary>The bytes of a field read by <see cref="ReadLengthDelimited"/>.</summary>
    public ReadOnlySpan<byte> Bytes(int start, int length) => _data.AsSpan(start, length);

    /// <summary>Reads a repeated int64 field, packed (one length-delimited run) or not (one value), into <paramref name="into"/>.</summary>
    public void ReadInt64s(List<long> into)
    {
        if (WireType != WireLengthDelimited)
        {
            into.Add(ReadInt64());
            return;
        }

        (int start, int length) = ReadLengthDelimited();
        var packed = new ProtoReader(_data, start, start + length, _fileName);
        while (packed._position < packed._end)
        {
            into.Add(unchecked((long)packed.ReadVarint()));
        }
    }

    /// <summary>Reads a repeated float field, packed or not, into <paramref name="into"/>.</summary>
    public void ReadFloats(List<float> into)
    {
        if (WireType != WireLengthDelimited)
        {
            into.Add(ReadFloat());
            return;
        }

        (int start, int length) = ReadLengthDelimited();
        if (length % 4 != 0)
        {
            throw Corrupt($"a packed float field of {length} bytes, not a multiple of 4");
        }

        for (int i = 0; i < length; i += 4)
        {
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(_data.AsSpan(start + i, 4)));
        }
    }

    /// <summary>Reads a repeated double field, packed or not, into <paramref name="into"/>.</summary>
    public void ReadDoubles(List<double> into)
    {
        if (WireType != WireLengthDelimited)
        {
            Expect(WireFixed64);
            into.Add(BinaryPrimitives.ReadDoubleLittleEndian(Take(8)));
            return;
        }

        (int start, int length) = ReadLengthDelimited();
        if (length % 8 != 0)
        {
            throw Corrupt($"a packed double field of {length} bytes, not a multiple of 8");
        }

        for (int i = 0; i < length; i += 8)
        {
            into.Add(BinaryPrimitives.ReadDoubleLittleEndian(_data.AsSpan(start + i, 8)));
        }
    }

    /// <summary>Skips the current field's value.</summary>
    public void Skip()
    {
        switch (WireType)
        {
            case WireVarint:
                ReadVarint();
                break;
            case WireFixed64:
                Take(8);
                break;
            case WireFixed32:
                Take(4);
                break;
            default:
                ReadLengthDelimited();
                break;
        }
    }

    private void Expect(int wireType)
    {
        if (WireType != wireType)
        {
            throw Corrupt($"wire type {WireType} where the ONNX schema has {wireType}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_end - _position < count)
        {
            throw Truncated($"{count} bytes wanted where {_end - _position} remain");
        }

        int start = _position;
        _position += count;
        return _data.AsSpan(start, count);
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _end)
            {
                throw Truncated("a number cut off");
            }

            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Corrupt("a number longer than ten bytes");
    }

    private DataFormatException Truncated(string what) =>
        new(CorruptErrorId, DataErrorKind.InvalidData, _fileName,
            $"The ONNX file is truncated or corrupt: {what}. Export the model again.");

    private DataFormatException Corrupt(string what, Exception? inner = null) =>
        new(CorruptErrorId, DataErrorKind.InvalidData, _fileName,
            $"The file is not a valid ONNX model (protobuf): it has {what}. Export the model again.", inner);
}
