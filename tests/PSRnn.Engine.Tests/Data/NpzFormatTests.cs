using System.IO.Compression;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

public sealed class NpzFormatTests
{
    public static TheoryData<string> GoodArchives() => new(NpyFixtures.AllNpz.Select(e => e.GetProperty("file").GetString()!));

    public static TheoryData<string, string> BadArchives()
    {
        var data = new TheoryData<string, string>();
        foreach ((string file, string error) in NpyFixtures.AllBad.Where(b => b.File.EndsWith(".npz", StringComparison.Ordinal)))
        {
            data.Add(file, error);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GoodArchives))]
    public void ReadsNumpyArchiveExactly(string file)
    {
        JsonElement expected = NpyFixtures.Npz(file);
        JsonElement[] arrays = expected.GetProperty("arrays").EnumerateArray().ToArray();
        IReadOnlyList<Tensor> tensors = NumpyFile.Load(NpyFixtures.PathOf(file));
        Assert.Equal(arrays.Select(a => a.GetProperty("name").GetString()), tensors.Select(t => t.Name));
        for (int i = 0; i < arrays.Length; i++)
        {
            NpyFixtures.AssertMatches(arrays[i], tensors[i], $"{file}[{tensors[i].Name}]");
        }

        // And from a stream that cannot seek.
        using var pipe = new PipeStream(File.OpenRead(NpyFixtures.PathOf(file)));
        Assert.Equal(arrays.Length, NpzFormat.Read(pipe, file).Count);
    }

    [Theory]
    [MemberData(nameof(BadArchives))]
    public void RefusesBadArchiveWithItsErrorId(string file, string errorId)
    {
        string path = NpyFixtures.PathOf(file);
        var e = Assert.Throws<DataFormatException>(() => NumpyFile.Load(path));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(NpyFixtures.Kinds[errorId], e.Kind);
        Assert.NotNull(e.FileName);
        Assert.StartsWith(path, e.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryErrorsNameTheEntry()
    {
        string path = NpyFixtures.PathOf("bad/entry_bad_npy.npz");
        var e = Assert.Throws<DataFormatException>(() => NumpyFile.Load(path));
        Assert.Equal(path + "/x.npy", e.FileName);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTripsNamedAndUnnamedArrays(bool compress)
    {
        Tensor[] tensors =
        [
            NpyFixtures.Sample(DType.Float32, [4, 3], 1),
            new Tensor(new long[] { long.MinValue, long.MaxValue }, 2) { Name = "y" },
            NpyFixtures.Sample(DType.Bool, [], 2),
            new Tensor(Array.Empty<Half>(), 0, 5) { Name = "empty" },
            Named(NpyFixtures.Sample(DType.UInt64, [2, 2, 2], 3), "nested/name"),
        ];
        var buffer = new MemoryStream();
        NpzFormat.Write(buffer, tensors, compress);
        buffer.Position = 0;

        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Read, leaveOpen: true))
        {
            Assert.Equal(["arr_0.npy", "y.npy", "arr_1.npy", "empty.npy", "nested/name.npy"], zip.Entries.Select(e => e.FullName));
            Assert.All(zip.Entries, e => Assert.Equal(compress, e.CompressedLength < e.Length));
        }

        buffer.Position = 0;
        IReadOnlyList<Tensor> back = NpzFormat.Read(buffer, null);
        Assert.Equal(["arr_0", "y", "arr_1", "empty", "nested/name"], back.Select(t => t.Name));
        for (int i = 0; i < tensors.Length; i++)
        {
            Assert.Equal(tensors[i].DType, back[i].DType);
            Assert.Equal(tensors[i].Shape, back[i].Shape);
            Assert.Equal(NpyFixtures.Bits(tensors[i]), NpyFixtures.Bits(back[i]));
        }
    }

    [Fact]
    public void EntriesAreByteIdenticalToNumpySave()
    {
        var buffer = new MemoryStream();
        Tensor t = Assert.Single(NumpyFile.Load(NpyFixtures.PathOf("good/float32_le_c_v1.npy")));
        NpzFormat.Write(buffer, [t], compress: true);
        buffer.Position = 0;
        using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
        using var entry = new MemoryStream();
        using (Stream s = zip.Entries[0].Open())
        {
            s.CopyTo(entry);
        }

        Assert.Equal(File.ReadAllBytes(NpyFixtures.PathOf("good/float32_le_c_v1.npy")), entry.ToArray());
    }

    [Fact]
    public void RoundTripsAnEmptyArchive()
    {
        var buffer = new MemoryStream();
        NpzFormat.Write(buffer, [], compress: false);
        buffer.Position = 0;
        Assert.Empty(NpzFormat.Read(buffer, null));
    }

    [Fact]
    public void RejectsDuplicateAndUnsafeNames()
    {
        var a = new Tensor(new float[] { 1 }, 1) { Name = "a" };
        var b = new Tensor(new float[] { 2 }, 1) { Name = "a" };
        Assert.Throws<ArgumentException>(() => NpzFormat.Write(new MemoryStream(), [a, b], false));

        // As numpy.savez: an unnamed array is arr_0, which clashes with an array named arr_0.
        var named = new Tensor(new float[] { 1 }, 1) { Name = "arr_0" };
        var unnamed = new Tensor(new float[] { 2 }, 1);
        Assert.Throws<ArgumentException>(() => NpzFormat.Write(new MemoryStream(), [named, unnamed], false));

        foreach (string name in new[] { "../evil", "/abs", "C:x", "a\\..\\..\\b", "" })
        {
            var t = new Tensor(new float[] { 1 }, 1) { Name = name };
            var stream = new MemoryStream();
            Assert.Throws<ArgumentException>(() => NpzFormat.Write(stream, [t], false));
            Assert.Equal(0, stream.Length);
        }
    }

    private static Tensor Named(Tensor t, string name)
    {
        t.Name = name;
        return t;
    }

    [Theory]
    [InlineData("ok.npy", null)]
    [InlineData("sub/dir/ok.npy", null)]
    [InlineData("..npy", null)]
    [InlineData("../evil.npy", "a '..' segment")]
    [InlineData("a/../../evil.npy", "a '..' segment")]
    [InlineData("/etc/evil.npy", "an absolute path")]
    [InlineData("\\evil.npy", "an absolute path")]
    [InlineData("C:evil.npy", "a drive letter")]
    [InlineData("a\\..\\evil.npy", "a '..' segment behind backslashes")]
    public void FlagsEntryNamesThatEscape(string name, string? reason) =>
        Assert.Equal(reason, NpzFormat.UnsafeNameReason(name));
}
