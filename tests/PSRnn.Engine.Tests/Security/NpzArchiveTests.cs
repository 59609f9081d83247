using System.IO.Compression;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, items 7 and 12: a .npz is read only as its directory describes it, once: no two records may share an entry
/// (NpzOverlappingEntries: the 262 KB archive whose 16 records all point at one 256 MiB entry), the local headers must
/// agree with the central directory, zip64 records with the end record (NpzInconsistentEntry, NpzCorruptArchive), names
/// must be unique (NpzDuplicateEntry) but are compared as NumPy compares them (X.npy and x.npy are two arrays), and the
/// declared decompressed bytes of the whole archive are budgeted before anything is inflated (NpzTooLarge: at most
/// 256 times the archive, at least 256 MiB; NpyExceedsMemory past what the process may use).
/// </summary>
public sealed class NpzArchiveTests
{
    // 256 MiB of float32 zeros as one deflated .npy (about 260 KB), and 128 MiB; made once, they take a second.
    private static readonly Lazy<NpzCraft.Content> Bomb = new(() => NpzCraft.DeflatedZeros(64L << 20));
    private static readonly Lazy<NpzCraft.Content> Half = new(() => NpzCraft.DeflatedZeros(32L << 20));

    private static readonly Tensor Small = new(new float[] { 1, 2, 3 }, 3);
    private static readonly NpzCraft.Content SmallStored = NpzCraft.Stored(NpzCraft.Npy(Small));

    [Theory]
    [InlineData(16, false)]
    [InlineData(16, true)]
    [InlineData(100, false)]
    public void ManyRecordsOfOneEntryAreRefusedBeforeInflatingIt(int records, bool sameName)
    {
        using var craft = new NpzCraft();
        long at = craft.Local("x0.npy", Bomb.Value);
        for (int i = 0; i < records; i++)
        {
            craft.Central(sameName ? "x0.npy" : $"x{i}.npy", Bomb.Value, at);
        }

        byte[] file = craft.Finish();
        Assert.InRange(file.Length, 200_000, FileHostileCost.MaxFileBytes);
        DataFormatException e = FileHostileCost.AssertRefused("NpzOverlappingEntries", () => Read(file));
        Assert.Equal(DataErrorKind.SecurityError, e.Kind);
        Assert.Contains("both start at byte 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEntryInsideAnotherEntrysDataIsRefused()
    {
        // A stored entry whose bytes are a whole second entry (local header and data), listed in the directory too.
        using var inner = new NpzCraft();
        inner.Local("b.npy", SmallStored);
        NpzCraft.Content outer = NpzCraft.Stored(inner.Finish()[..(30 + "b.npy".Length + SmallStored.Bytes.Length)]);
        using var craft = new NpzCraft();
        long a = craft.Local("a.npy", outer);
        craft.Central("a.npy", outer, a);
        craft.Central("b.npy", SmallStored, a + 30 + "a.npy".Length);
        DataFormatException e = FileHostileCost.AssertRefused("NpzOverlappingEntries", () => Read(craft.Finish()));
        Assert.Contains("'a.npy' and 'b.npy' overlap", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneEntryBeyondTheBudgetIsRefusedBeforeInflatingIt()
    {
        // 256 MiB from 260 KB: a thousand to one, more than the 256:1 (or 256 MiB) budget.
        using var craft = new NpzCraft();
        craft.Central("x.npy", Bomb.Value, craft.Local("x.npy", Bomb.Value));
        byte[] file = craft.Finish();
        DataFormatException e = FileHostileCost.AssertRefused("NpzTooLarge", () => Read(file));
        Assert.Equal(DataErrorKind.LimitsExceeded, e.Kind);
        Assert.Contains("256:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBudgetIsForTheWholeArchive()
    {
        // Two 128 MiB entries, each within the budget alone, 256 MiB and a header over it together.
        using var craft = new NpzCraft();
        craft.Central("a.npy", Half.Value, craft.Local("a.npy", Half.Value));
        craft.Central("b.npy", Half.Value, craft.Local("b.npy", Half.Value));
        byte[] file = craft.Finish();
        Assert.True(file.Length <= FileHostileCost.MaxFileBytes);
        FileHostileCost.AssertRefused("NpzTooLarge", () => Read(file));
    }

    [Fact]
    public void AnArchiveWithinTheBudgetLoadsCorrectly()
    {
        NpzCraft.Content zeros = NpzCraft.DeflatedZeros(16L << 20); // 64 MiB from 65 KB
        using var craft = new NpzCraft();
        craft.Central("z.npy", zeros, craft.Local("z.npy", zeros));
        byte[] file = craft.Finish();
        IReadOnlyList<Tensor>? tensors = null;
        FileHostileCost.Measure(() => tensors = Read(file));
        Tensor z = Assert.Single(tensors!);
        Assert.Equal([16 << 20], z.Shape);
        Assert.True(z.AsSpan<float>().IndexOfAnyExcept(0f) < 0);
    }

    [Fact]
    public void ArraysThatDoNotFitTogetherInMemoryAreRefusedBeforeReading()
    {
        var big = new Tensor(new float[150_000], 150_000);
        byte[] file = NpzCraft.Archive(false, ("a.npy", big), ("b.npy", big));
        using (MemoryBudget.Limit(1 << 20))
        {
            DataFormatException e = Assert.Throws<DataFormatException>(() => Read(file));
            Assert.Equal("NpyExceedsMemory", e.ErrorId);
            Assert.Contains("2 arrays", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(2, Read(file).Count);
    }

    public static TheoryData<string> Disagreements() => ["name", "method", "crc", "compressed", "uncompressed", "flags", "zip64 size"];

    [Theory]
    [MemberData(nameof(Disagreements))]
    public void ALocalHeaderThatDisagreesWithTheDirectoryIsRefused(string field)
    {
        NpzCraft.Content content = NpzCraft.Deflated(NpzCraft.Npy(Small));
        using var craft = new NpzCraft();
        long at = field switch
        {
            "name" => craft.Local("evil.npy", content),
            "method" => craft.Local("x.npy", content, method: 0),
            "crc" => craft.Local("x.npy", content, crc: content.Crc ^ 1),
            "compressed" => craft.Local("x.npy", content, compressed: content.Bytes.Length - 1),
            "uncompressed" => craft.Local("x.npy", content, uncompressed: content.Uncompressed + 1000),
            "flags" => craft.Local("x.npy", content, flags: 1 << 3),
            _ => craft.Local("x.npy", content, zip64: true, uncompressed: content.Uncompressed + 1),
        };
        craft.Central("x.npy", content, at);
        DataFormatException e = FileHostileCost.AssertRefused("NpzInconsistentEntry", () => Read(craft.Finish()));
        Assert.Contains("described two ways", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zip64RecordsAreReadAndMustAgree()
    {
        NpzCraft.Content content = NpzCraft.Deflated(NpzCraft.Npy(Small));

        // zip64 everywhere: end record and locator, the central record's sizes and offset, the local header (as NumPy).
        using var craft = new NpzCraft();
        long at = craft.Local("x.npy", content, zip64: true);
        craft.Central("x.npy", content, at, zip64: true);
        Tensor back = Assert.Single(Read(craft.Finish(zip64: true)));
        Assert.Equal(Small.AsSpan<float>().ToArray(), back.AsSpan<float>().ToArray());

        // The zip64 end record counting other entries than the end record does.
        using var counts = new NpzCraft();
        counts.Central("x.npy", content, counts.Local("x.npy", content));
        byte[] file = counts.Finish(zip64: true, zip64Entries: 2);
        Assert.Contains("central directory", FileHostileCost.AssertRefused("NpzCorruptArchive", () => Read(file)).Message, StringComparison.Ordinal);

        // A central record at the zip64 markers without the zip64 field.
        using var markers = new NpzCraft();
        markers.Central("x.npy", content, markers.Local("x.npy", content), compressed: uint.MaxValue, uncompressed: uint.MaxValue);
        Assert.Contains("zip64", FileHostileCost.AssertRefused("NpzInconsistentEntry", () => Read(markers.Finish())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADataDescriptorEntryLoads()
    {
        // Flag 3: the local header leaves CRC and sizes zero, a descriptor after the data gives them (a streamed zip).
        NpzCraft.Content content = NpzCraft.Deflated(NpzCraft.Npy(Small));
        using var craft = new NpzCraft();
        long at = craft.Local("x.npy", content, flags: 1 << 3, crc: 0, compressed: 0, uncompressed: 0);
        byte[] descriptor = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(descriptor, 0x08074b50);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(4), content.Crc);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(8), (uint)content.Bytes.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(12), (uint)content.Uncompressed);
        craft.Raw(descriptor);
        craft.Central("x.npy", content, at, flags: 1 << 3);
        Assert.Equal(Small.AsSpan<float>().ToArray(), Assert.Single(Read(craft.Finish())).AsSpan<float>().ToArray());

        // And what .NET's own ZipArchive writes to a stream that cannot seek (descriptors too).
        var buffer = new MemoryStream();
        using (var pipe = new WriteOnlyStream(buffer))
        {
            NpzFormat.Write(pipe, [new Tensor(new float[] { 4, 5 }, 2) { Name = "y" }, Small], compress: true);
        }

        Assert.Equal(["y", "arr_0"], Read(buffer.ToArray()).Select(t => t.Name));
    }

    [Fact]
    public void TwoEntriesWithOneNameAreRefused()
    {
        var other = new Tensor(new float[] { 9 }, 1);
        byte[] file = NpzCraft.Archive(false, ("x.npy", Small), ("x.npy", other));
        DataFormatException e = FileHostileCost.AssertRefused("NpzDuplicateEntry", () => Read(file));
        Assert.Contains("'x.npy'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamesDifferingInCaseAreTwoArraysAsInNumpy()
    {
        var upper = new Tensor(new float[] { 9 }, 1);
        IReadOnlyList<Tensor> tensors = Read(NpzCraft.Archive(true, ("X.npy", upper), ("x.npy", Small)));
        Assert.Equal(["X", "x"], tensors.Select(t => t.Name));
        Assert.Equal([9f], tensors[0].AsSpan<float>().ToArray());
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "data into the directory", "NpzCorruptEntry" },
        { "offset past the entries", "NpzCorruptEntry" },
        { "not a local header", "NpzCorruptEntry" },
        { "encrypted", "NpzCorruptEntry" },
        { "bzip2", "NpzCorruptEntry" },
        { "stored sizes differ", "NpzCorruptEntry" },
        { "ratio beyond deflate", "NpzCorruptEntry" },
        { "more entries than the directory holds", "NpzCorruptArchive" },
        { "bytes before the archive", "NpzCorruptArchive" },
        { "multi-disk", "NpzCorruptArchive" },
        { "no end record", "NpzCorruptArchive" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void AMalformedDirectoryIsRefused(string how, string errorId)
    {
        NpzCraft.Content deflated = NpzCraft.Deflated(NpzCraft.Npy(Small));
        using var craft = new NpzCraft();
        // The local header says what the central record says, so that the flaw itself is what is found.
        long at = how switch
        {
            "stored sizes differ" => craft.Local("x.npy", SmallStored),
            "data into the directory" => craft.Local("x.npy", deflated, compressed: deflated.Bytes.Length + 10),
            "ratio beyond deflate" => craft.Local("x.npy", deflated, uncompressed: 100_000_000),
            _ => craft.Local("x.npy", deflated),
        };
        switch (how)
        {
            case "data into the directory":
                craft.Central("x.npy", deflated, at, compressed: deflated.Bytes.Length + 10);
                break;
            case "offset past the entries":
                craft.Central("x.npy", deflated, at + 10_000);
                break;
            case "not a local header":
                craft.Central("x.npy", deflated, at + 1);
                break;
            case "encrypted":
                craft.Central("x.npy", deflated, at, flags: 1);
                break;
            case "bzip2":
                craft.Central("x.npy", deflated, at, method: 12);
                break;
            case "stored sizes differ":
                craft.Central("x.npy", SmallStored, at, uncompressed: SmallStored.Uncompressed + 1);
                break;
            case "ratio beyond deflate":
                craft.Central("x.npy", deflated, at, uncompressed: 100_000_000); // within the budget, beyond deflate's 1032:1
                break;
            default:
                craft.Central("x.npy", deflated, at);
                break;
        }

        byte[] file = craft.Finish();
        switch (how)
        {
            case "more entries than the directory holds":
                file[^12] = 200; // the total-entries field
                file[^14] = 200;
                break;
            case "bytes before the archive":
                file = [.. new byte[100], .. file];
                break;
            case "multi-disk":
                file[^18] = 1; // the disk holding the central directory
                break;
            case "no end record":
                file = file[..^22];
                break;
            default:
                break;
        }

        FileHostileCost.AssertRefused(errorId, () => Read(file));
    }

    [Fact]
    public void ErrorsFromAFileNameTheFile()
    {
        using var craft = new NpzCraft();
        long at = craft.Local("x.npy", SmallStored);
        craft.Central("x.npy", SmallStored, at);
        craft.Central("y.npy", SmallStored, at);
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-npz-{Guid.NewGuid():N}.npz");
        File.WriteAllBytes(path, craft.Finish());
        try
        {
            DataFormatException e = FileHostileCost.AssertRefused("NpzOverlappingEntries", () => NumpyFile.Load(path));
            Assert.Equal(path, e.FileName);
            Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadsAnArchiveThatStartsInsideItsStream()
    {
        byte[] archive = NpzCraft.Archive(true, ("x.npy", Small));
        var stream = new MemoryStream([.. new byte[77], .. archive]) { Position = 77 };
        Assert.Equal("x", Assert.Single(NpzFormat.Read(stream, null)).Name);
    }

    private static IReadOnlyList<Tensor> Read(byte[] file) => NpzFormat.Read(new MemoryStream(file, writable: false), "test.npz");

    // A stream that only writes forward, as a pipe does: ZipArchive then writes data descriptors.
    private sealed class WriteOnlyStream(Stream inner) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            _written += count;
        }
    }
}
