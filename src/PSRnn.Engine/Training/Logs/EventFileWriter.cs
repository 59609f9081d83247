using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PSRnn.Engine.Training.Logs;

/// <summary>
/// A TensorBoard event file: TFRecord frames (uint64 length, masked CRC-32C of the length, the data, masked CRC-32C of
/// the data; little-endian) each holding one <c>tensorflow.Event</c> protobuf — first <c>file_version:
/// "brain.Event:2"</c>, then one scalar summary (<c>Summary.Value{tag, simple_value}</c>) an event, as tf.summary
/// writes one event a scalar. The protobuf is written by hand (fields in number order, proto3 defaults left out, as
/// protobuf's own serializer does). Each <see cref="WriteScalars"/> is one append and a flush to disk: TensorBoard
/// follows the open file while training runs, and a crash keeps every finished epoch (a torn last frame fails its CRC
/// and readers stop there).
/// </summary>
public sealed class EventFileWriter : IDisposable
{
    private static int s_files;
    private readonly FileStream _file;
    private readonly MemoryStream _pending = new();

    /// <summary>Creates <paramref name="path"/> (it must not exist) and writes the file_version event.</summary>
    public EventFileWriter(string path, double wallTime)
    {
        ArgumentNullException.ThrowIfNull(path);
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Path = path;
        var ev = new MemoryStream();
        WallTime(ev, wallTime);
        LengthDelimited(ev, 3, Encoding.UTF8.GetBytes("brain.Event:2"));
        Frame(ev.ToArray());
        Flush();
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>
    /// TensorFlow's event file name for a writer opened at <paramref name="wallTime"/>: <c>events.out.tfevents.&lt;seconds, 10 digits&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;.v2</c>,
    /// n counting the files this process made, so two writers never share one.
    /// </summary>
    public static string FileName(double wallTime) => string.Create(CultureInfo.InvariantCulture,
        $"events.out.tfevents.{(long)wallTime:D10}.{Environment.MachineName}.{Environment.ProcessId}.{Interlocked.Increment(ref s_files) - 1}.v2");

    /// <summary>Appends one event a scalar, all at <paramref name="step"/> and <paramref name="wallTime"/>, then flushes
    /// them to disk in one write.</summary>
    public void WriteScalars(IEnumerable<KeyValuePair<string, double>> scalars, long step, double wallTime)
    {
        ArgumentNullException.ThrowIfNull(scalars);
        Span<byte> f = stackalloc byte[4];
        foreach (var (tag, value) in scalars)
        {
            var summaryValue = new MemoryStream();
            LengthDelimited(summaryValue, 1, Encoding.UTF8.GetBytes(tag));
            summaryValue.WriteByte((2 << 3) | 5); // simple_value: float, fixed32
            BinaryPrimitives.WriteSingleLittleEndian(f, (float)value);
            summaryValue.Write(f);
            var summary = new MemoryStream();
            LengthDelimited(summary, 1, summaryValue.ToArray());
            var ev = new MemoryStream();
            WallTime(ev, wallTime);
            if (step != 0)
            {
                ev.WriteByte((2 << 3) | 0); // step: int64, varint
                Varint(ev, unchecked((ulong)step));
            }

            LengthDelimited(ev, 5, summary.ToArray());
            Frame(ev.ToArray());
        }

        Flush();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _file.Dispose();
        _pending.Dispose();
    }

    private void Flush()
    {
        _file.Write(_pending.GetBuffer().AsSpan(0, (int)_pending.Length));
        _file.Flush(flushToDisk: true);
        _pending.SetLength(0);
    }

    private void Frame(byte[] data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        _pending.Write(header);
        _pending.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        _pending.Write(footer);
    }

    private static void WallTime(Stream ev, double wallTime)
    {
        if (wallTime == 0)
        {
            return; // proto3 leaves a default out
        }

        ev.WriteByte((1 << 3) | 1); // wall_time: double, fixed64
        Span<byte> d = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(d, wallTime);
        ev.Write(d);
    }

    private static void LengthDelimited(Stream to, int field, byte[] bytes)
    {
        to.WriteByte((byte)((field << 3) | 2));
        Varint(to, (ulong)bytes.Length);
        to.Write(bytes);
    }

    private static void Varint(Stream to, ulong value)
    {
        while (value >= 0x80)
        {
            to.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        to.WriteByte((byte)value);
    }
}
