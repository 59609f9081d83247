using PSRnn.Engine.Serialization.Onnx;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>The protobuf wire format, byte for byte, as the protobuf encoding guide gives it.</summary>
public sealed class ProtoWriterTests
{
    [Theory]
    [InlineData(1, 0L, new byte[] { 0x08, 0x00 })]
    [InlineData(1, 150L, new byte[] { 0x08, 0x96, 0x01 })]
    [InlineData(2, 300L, new byte[] { 0x10, 0xAC, 0x02 })]
    [InlineData(20, 7L, new byte[] { 0xA0, 0x01, 0x07 })]
    [InlineData(1, -1L, new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    [InlineData(1, long.MinValue, new byte[] { 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })]
    public void WritesVarintFields(int field, long value, byte[] expected)
    {
        var writer = new ProtoWriter();
        writer.WriteInt64(field, value);
        Assert.Equal(expected, writer.ToArray());
    }

    [Fact]
    public void WritesFloatsAsLittleEndianFixed32()
    {
        var writer = new ProtoWriter();
        writer.WriteFloat(2, 1f);
        Assert.Equal(new byte[] { 0x15, 0x00, 0x00, 0x80, 0x3F }, writer.ToArray());
    }

    [Fact]
    public void WritesStringsAsUtf8WithTheirLength()
    {
        var writer = new ProtoWriter();
        writer.WriteString(2, "testing");
        Assert.Equal(new byte[] { 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67 }, writer.ToArray());

        writer = new ProtoWriter();
        writer.WriteString(1, "é");
        Assert.Equal(new byte[] { 0x0A, 0x02, 0xC3, 0xA9 }, writer.ToArray());
    }

    [Fact]
    public void WritesNestedMessagesBehindTheirLength()
    {
        // The guide's example: message Test3 { optional Test1 c = 3; } with c.a = 150 → 1a 03 08 96 01.
        var writer = new ProtoWriter();
        writer.WriteMessage(3, inner => inner.WriteInt64(1, 150));
        Assert.Equal(new byte[] { 0x1A, 0x03, 0x08, 0x96, 0x01 }, writer.ToArray());
    }

    [Fact]
    public void WritesLongLengthsAsMultiByteVarints()
    {
        var writer = new ProtoWriter();
        writer.WriteBytes(9, new byte[200]);
        byte[] bytes = writer.ToArray();
        Assert.Equal(new byte[] { 0x4A, 0xC8, 0x01 }, bytes[..3]);
        Assert.Equal(203, bytes.Length);
    }

    [Fact]
    public void TensorsAreLittleEndianRawData()
    {
        var writer = new ProtoWriter();
        OnnxTensor.Float("w", [2], [1f, -2f]).WriteTo(writer);
        Assert.Equal(new byte[]
        {
            0x08, 0x02,                   // dims: 2
            0x10, 0x01,                   // data_type: FLOAT
            0x42, 0x01, 0x77,             // name: "w"
            0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, // raw_data
        }, writer.ToArray());
        Assert.Throws<ArgumentException>(() => OnnxTensor.Float("w", [3], [1f, 2f]));
    }
}
