namespace PSRnn.Engine.Tests.Reliability;

/// <summary>
/// Passes writes to the real temporary file until <c>capacity</c> bytes, then fails as a full disk does: with the
/// operating system's own error from writing to /dev/full where there is one (ENOSPC), else Windows's ERROR_DISK_FULL.
/// </summary>
internal sealed class DiskFullStream(Stream inner, long capacity) : Stream
{
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public static IOException DiskFull()
    {
        if (File.Exists("/dev/full"))
        {
            try
            {
                using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
                full.Write(new byte[4096]);
                full.Flush();
            }
            catch (IOException e)
            {
                return e;
            }
        }

        return new IOException("There is not enough space on the disk.", unchecked((int)0x80070070));
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        long room = capacity - _written;
        if (buffer.Length > room)
        {
            inner.Write(buffer[..(int)Math.Max(room, 0)]);
            _written = capacity;
            throw DiskFull();
        }

        inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
