using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>
/// A minimal Protocol Buffers wire-format writer: varints, fixed32 floats, length-delimited strings, bytes and nested
/// messages — what ONNX's ModelProto needs, and nothing more.
/// </summary>
/// <remarks>
/// A nested message is written into its own writer first and then copied in behind its length, so the writer needs no
/// size pass (the copies cost a few passes over the weights, which is nothing beside training them). Repeated scalars are written unpacked, as proto2 (onnx.proto's syntax) declares them; every protobuf
/// parser accepts that form.
/// </remarks>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireFixed32 = 5;
    private const int WireLengthDelimited = 2;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>Writes an int64 (or int32, or enum) field as a varint; negative values take ten bytes, as protobuf's.</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(unchecked((ulong)value));
    }

    /// <summary>Writes a float field (fixed32, little-endian).</summary>
    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    /// <summary>Writes a string field as UTF-8.</summary>
    public void WriteString(int field, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteBytes(field, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Writes a bytes field.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>Writes a nested message field whose content <paramref name="body"/> writes.</summary>
    public void WriteMessage(int field, Action<ProtoWriter> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var nested = new ProtoWriter();
        body(nested);
        WriteBytes(field, nested._buffer.WrittenSpan);
    }

    /// <summary>Copies everything written to <paramref name="destination"/>.</summary>
    public void CopyTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(_buffer.WrittenSpan);
    }

    /// <summary>The bytes written so far, as a new array.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void WriteTag(int field, int wireType) => WriteVarint(((ulong)(uint)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        // Seven bits a byte, least significant first; the high bit says another byte follows.
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }
}
