using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Builds zip archives byte by byte, so that the tests can make what no zip library writes: several central records for
/// one entry, local headers that disagree with the central directory, zip64 records, data descriptors.
/// </summary>
internal sealed class NpzCraft : IDisposable
{
    private readonly MemoryStream _body = new();
    private readonly MemoryStream _directory = new();
    private int _records;

    /// <summary>An entry's content, stored or deflated, with what the headers say of it.</summary>
    public sealed record Content(byte[] Bytes, ushort Method, uint Crc, long Uncompressed);

    public void Dispose()
    {
        _body.Dispose();
        _directory.Dispose();
    }

    /// <summary>Where the next local header goes.</summary>
    public long Position => _body.Length;

    /// <summary>The .npy bytes numpy.save writes for <paramref name="tensor"/>.</summary>
    public static byte[] Npy(Tensor tensor)
    {
        var buffer = new MemoryStream();
        NpyFormat.Write(buffer, tensor);
        return buffer.ToArray();
    }

    public static Content Stored(byte[] bytes) => new(bytes, 0, Crc(new MemoryStream(bytes)), bytes.Length);

    public static Content Deflated(byte[] bytes) => Deflate(new MemoryStream(bytes));

    /// <summary>A deflated .npy of <paramref name="elements"/> float32 zeros, made without holding them in memory.</summary>
    public static Content DeflatedZeros(long elements)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elements, int.MaxValue);

        byte[] header = NpyFormat.BuildHeader(DType.Float32, [(int)elements]);
        return Deflate(new ZeroStream(header, elements * 4));
    }

    /// <summary>Appends a local header and the content; returns the header's offset.</summary>
    public long Local(string name, Content content, ushort flags = 0, byte[]? extra = null, uint? crc = null, long? compressed = null,
        long? uncompressed = null, ushort? method = null, bool zip64 = false)
    {
        long offset = _body.Length;
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        if (zip64)
        {
            // As Python's zipfile writes with force_zip64: both sizes in the extra field, the 32-bit fields at the marker.
            extra = Zip64Extra((ulong)(uncompressed ?? content.Uncompressed), (ulong)(compressed ?? content.Bytes.Length));
        }

        extra ??= [];
        var h = new byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 45);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(8), method ?? content.Method);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(14), crc ?? content.Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(18), zip64 ? uint.MaxValue : (uint)(compressed ?? content.Bytes.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(22), zip64 ? uint.MaxValue : (uint)(uncompressed ?? content.Uncompressed));
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(26), (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(28), (ushort)extra.Length);
        _body.Write(h);
        _body.Write(nameBytes);
        _body.Write(extra);
        _body.Write(content.Bytes);
        return offset;
    }

    /// <summary>Appends raw bytes to the entries' area (a data descriptor, a gap).</summary>
    public void Raw(byte[] bytes) => _body.Write(bytes);

    /// <summary>Adds a central record for an entry at <paramref name="offset"/>.</summary>
    public void Central(string name, Content content, long offset, ushort flags = 0, ushort? method = null, uint? crc = null,
        long? compressed = null, long? uncompressed = null, bool zip64 = false, byte[]? extra = null)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        ulong comp = (ulong)(compressed ?? content.Bytes.Length);
        ulong uncomp = (ulong)(uncompressed ?? content.Uncompressed);
        if (zip64)
        {
            var z = new MemoryStream();
            z.Write(Zip64Extra(uncomp, comp));
            Span<byte> o = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(o, (ulong)offset);
            z.Write(o);
            byte[] e = z.ToArray();
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(2), 24);
            extra = e;
        }

        extra ??= [];
        var r = new byte[46];
        BinaryPrimitives.WriteUInt32LittleEndian(r, 0x02014b50);
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(4), 45);
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(6), 45);
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(10), method ?? content.Method);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(16), crc ?? content.Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(20), zip64 ? uint.MaxValue : (uint)comp);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(24), zip64 ? uint.MaxValue : (uint)uncomp);
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(28), (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(r.AsSpan(30), (ushort)extra.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(42), zip64 ? uint.MaxValue : (uint)offset);
        _directory.Write(r);
        _directory.Write(nameBytes);
        _directory.Write(extra);
        _records++;
    }

    /// <summary>The archive: entries, central directory, (zip64 end record and locator,) end record.</summary>
    /// <param name="zip64">Write zip64's end record and locator, and the 32-bit end record at its markers.</param>
    /// <param name="zip64Entries">The entry count zip64's end record gives (to make the two disagree).</param>
    public byte[] Finish(bool zip64 = false, ulong? zip64Entries = null)
    {
        var file = new MemoryStream();
        _body.Position = 0;
        _body.CopyTo(file);
        long directoryOffset = file.Length;
        _directory.Position = 0;
        _directory.CopyTo(file);
        long directorySize = file.Length - directoryOffset;
        if (zip64)
        {
            long recordOffset = file.Length;
            var z = new byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(z, 0x06064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(z.AsSpan(4), 44);
            BinaryPrimitives.WriteUInt16LittleEndian(z.AsSpan(12), 45);
            BinaryPrimitives.WriteUInt16LittleEndian(z.AsSpan(14), 45);
            BinaryPrimitives.WriteUInt64LittleEndian(z.AsSpan(24), zip64Entries ?? (ulong)_records);
            BinaryPrimitives.WriteUInt64LittleEndian(z.AsSpan(32), zip64Entries ?? (ulong)_records);
            BinaryPrimitives.WriteUInt64LittleEndian(z.AsSpan(40), (ulong)directorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(z.AsSpan(48), (ulong)directoryOffset);
            file.Write(z);
            var locator = new byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)recordOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
            file.Write(locator);
        }

        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), zip64 ? ushort.MaxValue : (ushort)_records);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), zip64 ? ushort.MaxValue : (ushort)_records);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), zip64 ? uint.MaxValue : (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), zip64 ? uint.MaxValue : (uint)directoryOffset);
        file.Write(end);
        return file.ToArray();
    }

    /// <summary>One stored or deflated .npy entry per tensor, each with one central record: a plain, valid archive.</summary>
    public static byte[] Archive(bool deflate, params (string Name, Tensor Tensor)[] entries)
    {
        using var craft = new NpzCraft();
        foreach ((string name, Tensor tensor) in entries)
        {
            Content content = deflate ? Deflated(Npy(tensor)) : Stored(Npy(tensor));
            craft.Central(name, content, craft.Local(name, content));
        }

        return craft.Finish();
    }

    private static byte[] Zip64Extra(ulong uncompressed, ulong compressed)
    {
        var e = new byte[20];
        BinaryPrimitives.WriteUInt16LittleEndian(e, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(2), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(4), uncompressed);
        BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(12), compressed);
        return e;
    }

    private static uint Crc(Stream content)
    {
        using var crc = new Crc32ReadStream(content);
        crc.CopyTo(Stream.Null);
        return crc.Crc32;
    }

    private static Content Deflate(Stream content)
    {
        var compressed = new MemoryStream();
        using var crc = new Crc32ReadStream(content);
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            crc.CopyTo(deflate, 1 << 20);
        }

        return new Content(compressed.ToArray(), 8, crc.Crc32, crc.BytesRead);
    }

    // A header followed by zeros, read in chunks: a 256 MiB .npy that never exists in memory.
    private sealed class ZeroStream(byte[] header, long zeros) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => header.Length + zeros;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            long left = Length - _position;
            int n = (int)Math.Min(count, left);
            Array.Clear(buffer, offset, n);
            if (_position < header.Length)
            {
                Array.Copy(header, _position, buffer, offset, Math.Min(n, header.Length - _position));
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
