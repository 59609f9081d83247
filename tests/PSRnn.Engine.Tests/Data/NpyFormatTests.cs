using System.Globalization;
using System.Text;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

public sealed class NpyFormatTests
{
    public static TheoryData<string> GoodFiles() => new(NpyFixtures.AllGood.Select(e => e.GetProperty("file").GetString()!));

    public static TheoryData<string> NumpySaveFiles() => new(NpyFixtures.AllGood
        .Where(e => e.GetProperty("numpy_save").GetBoolean())
        .Select(e => e.GetProperty("file").GetString()!));

    public static TheoryData<string, string> BadFiles()
    {
        var data = new TheoryData<string, string>();
        foreach ((string file, string error) in NpyFixtures.AllBad.Where(b => !b.File.EndsWith(".npz", StringComparison.Ordinal)))
        {
            data.Add(file, error);
        }

        return data;
    }

    public static TheoryData<DType> AllDTypes() => new(Enum.GetValues<DType>());

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public void ReadsNumpyFileExactly(string file)
    {
        using FileStream stream = File.OpenRead(NpyFixtures.PathOf(file));
        Tensor tensor = NpyFormat.Read(stream, file);
        NpyFixtures.AssertMatches(NpyFixtures.Good(file), tensor, file);
        Assert.Null(tensor.Name);
    }

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public void ReadsNumpyFileFromAStreamOfUnknownLength(string file)
    {
        using var stream = new PipeStream(File.OpenRead(NpyFixtures.PathOf(file)));
        NpyFixtures.AssertMatches(NpyFixtures.Good(file), NpyFormat.Read(stream, file), file);
    }

    [Theory]
    [MemberData(nameof(GoodFiles))]
    public void NumpyFileLoadsNpy(string file)
    {
        Tensor tensor = Assert.Single(NumpyFile.Load(NpyFixtures.PathOf(file)));
        NpyFixtures.AssertMatches(NpyFixtures.Good(file), tensor, file);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void RefusesBadFileWithItsErrorId(string file, string errorId)
    {
        string path = NpyFixtures.PathOf(file);
        var e = Assert.Throws<DataFormatException>(() => NumpyFile.Load(path));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(NpyFixtures.Kinds[errorId], e.Kind);
        Assert.Equal(path, e.FileName);
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);

        // The same verdict from a stream that cannot seek.
        using var pipe = new PipeStream(File.OpenRead(path));
        Assert.Equal(errorId, Assert.Throws<DataFormatException>(() => NpyFormat.Read(pipe, file)).ErrorId);
    }

    [Theory]
    [MemberData(nameof(NumpySaveFiles))]
    public void WriteIsByteIdenticalToNumpySave(string file)
    {
        byte[] numpy = File.ReadAllBytes(NpyFixtures.PathOf(file));
        Tensor tensor = NpyFormat.Read(new MemoryStream(numpy), file);
        var written = new MemoryStream();
        NpyFormat.Write(written, tensor);
        Assert.Equal(numpy, written.ToArray());
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void RoundTripsEveryDTypeAndShape(DType dtype)
    {
        int[][] shapes = [[], [0, 3], [3, 0], [0], [1], [5], [2, 3, 4], [1, 1, 1, 7], [3, 2, 0, 2]];
        foreach (int[] shape in shapes)
        {
            Tensor original = NpyFixtures.Sample(dtype, shape, seed: shape.Length);
            var buffer = new MemoryStream();
            NpyFormat.Write(buffer, original);
            Assert.Equal(0, (buffer.Length - original.Length * dtype.ItemSize()) % 64);

            buffer.Position = 0;
            Tensor back = NpyFormat.Read(buffer, null);
            Assert.Equal(dtype, back.DType);
            Assert.Equal(shape, back.Shape);
            Assert.Equal(NpyFixtures.Bits(original), NpyFixtures.Bits(back));
        }
    }

    [Fact]
    public void RoundTripsLargeFloat32InChunks()
    {
        // More than one 1 MiB chunk, through a seekable and a non-seekable stream.
        Tensor original = NpyFixtures.Sample(DType.Float32, [700, 1000], seed: 7);
        var buffer = new MemoryStream();
        NpyFormat.Write(buffer, original);
        byte[] bytes = buffer.ToArray();
        Assert.Equal(NpyFixtures.RawBytes(original).ToArray(), bytes[128..]);
        Assert.Equal(NpyFixtures.RawBytes(original).ToArray(), NpyFixtures.RawBytes(NpyFormat.Read(new MemoryStream(bytes), null)).ToArray());
        Assert.Equal(NpyFixtures.RawBytes(original).ToArray(),
            NpyFixtures.RawBytes(NpyFormat.Read(new PipeStream(new MemoryStream(bytes)), null)).ToArray());
    }

    [Fact]
    public void HugeShapeInTinyFileFailsBeforeAllocating()
    {
        string file = NpyFixtures.PathOf("bad/shape_huge_tiny_file.npy");
        byte[] bytes = File.ReadAllBytes(file);
        foreach (bool seekable in new[] { true, false })
        {
            Stream stream = seekable ? new MemoryStream(bytes) : new PipeStream(new MemoryStream(bytes));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<DataFormatException>(() => NpyFormat.Read(stream, "tiny.npy"));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal("NpyTruncatedData", e.ErrorId);
            Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes (seekable: {seekable})");
        }
    }

    [Fact]
    public void HugeHeaderLengthFailsBeforeAllocating()
    {
        // Version 2.0 declaring a 4 GB header, with nothing behind it.
        byte[] bytes = [0x93, .. "NUMPY"u8, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(bytes), null));
        Assert.Equal("NpyHeaderTooLong", e.ErrorId);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", "NpyMalformedHeader")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (True, 6), }", "NpyMalformedHeader")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (6,)}", "NpyMalformedHeader")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3.0), }", "NpyMalformedHeader")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 03), }", "NpyMalformedHeader")]
    [InlineData("{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3), }", "NpyMalformedHeader")]
    [InlineData("{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3), }", "NpyMalformedHeader")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((2, 3), }", "NpyMalformedHeader")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }", "NpyUnknownDtype")]
    [InlineData("{'descr': '<f16', 'fortran_order': False, 'shape': (2, 3), }", "NpyUnknownDtype")]
    [InlineData("{'descr': [('Oranges', '<f4')], 'fortran_order': False, 'shape': (2, 3), }", "NpyUnknownDtype")]
    [InlineData("{'descr': '|O8', 'fortran_order': False, 'shape': (2, 3), }", "NpyObjectDtypeRefused")]
    [InlineData("{'descr': 'O', 'fortran_order': False, 'shape': (2, 3), }", "NpyObjectDtypeRefused")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648,), }", "NpyShapeOverflow")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", null)]
    [InlineData("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3,)}", null)]
    [InlineData("{'descr': '>f4', 'fortran_order': True, 'shape': (+2, 3), }", null)]
    public void ParsesHeaderStrictly(string header, string? errorId)
    {
        byte[] bytes = Npy(header, new byte[24]);
        if (errorId is null)
        {
            Assert.Equal([2, 3], NpyFormat.Read(new MemoryStream(bytes), null).Shape);
        }
        else
        {
            var e = Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(bytes), "h.npy"));
            Assert.Equal(errorId, e.ErrorId);
            Assert.Equal(NpyFixtures.Kinds[errorId], e.Kind);
        }
    }

    [Fact]
    public void Version3HeaderIsUtf8()
    {
        // A structured dtype's field name in UTF-8 is the reason version 3.0 exists; PSRnn refuses it as a dtype,
        // but must decode the header to say so.
        byte[] bytes = Npy("{'descr': [('température', '<f4')], 'fortran_order': False, 'shape': (6,), }", new byte[24], version: 3);
        Assert.Equal("NpyUnknownDtype", Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(bytes), null)).ErrorId);

        byte[] invalid = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", new byte[24], version: 3);
        invalid[30] = 0xFF;
        Assert.Equal("NpyMalformedHeader", Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(invalid), null)).ErrorId);
    }

    [Fact]
    public void NormalizesNonZeroBoolBytes()
    {
        byte[] bytes = Npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [0, 1, 7]);
        Assert.Equal([false, true, true], NpyFormat.Read(new MemoryStream(bytes), null).AsSpan<bool>().ToArray());
    }

    [Fact]
    public void WritesVersion2OnlyWhenTheHeaderNeedsIt()
    {
        // 30000 dimensions of 1 make a header past 65535 bytes; NumPy would then also write 2.0.
        int[] shape = Enumerable.Repeat(1, 30000).ToArray();
        var buffer = new MemoryStream();
        NpyFormat.Write(buffer, new Tensor(new float[] { 1.5f }, shape));
        byte[] bytes = buffer.ToArray();
        Assert.Equal(2, bytes[6]);
        Assert.Equal(0, (bytes.Length - 4) % 64);
        Assert.Equal((byte)'\n', bytes[^5]);
        Assert.Equal("NpyHeaderTooLong", Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(bytes), null)).ErrorId);
    }

    [Fact]
    public void WritesNumpysHeaderLayout()
    {
        var buffer = new MemoryStream();
        NpyFormat.Write(buffer, new Tensor(new float[6], 2, 3));
        string header = Encoding.ASCII.GetString(buffer.ToArray(), 10, 118);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + new string(' ', 58) + "\n", header);
    }

    [Fact]
    public void SaveIsAtomic()
    {
        string folder = Directory.CreateTempSubdirectory("psrnn-npy-").FullName;
        try
        {
            string path = Path.Combine(folder, "x.npz");
            var a = new Tensor(new float[] { 1, 2 }, 2) { Name = "a" };
            NumpyFile.Save(path, [a], compress: false, overwrite: false);
            byte[] before = File.ReadAllBytes(path);

            // The writer throws (duplicate names) after AtomicFile opened its temp file: the old file stays.
            var b = new Tensor(new int[] { 3 }, 1) { Name = "a" };
            Assert.Throws<ArgumentException>(() => NumpyFile.Save(path, [a, b], compress: true, overwrite: true));
            Assert.Equal(before, File.ReadAllBytes(path));

            Assert.Throws<IOException>(() => NumpyFile.Save(path, [b], compress: false, overwrite: false));
            Assert.Equal(before, File.ReadAllBytes(path));

            NumpyFile.Save(path, [b], compress: true, overwrite: true);
            Assert.Equal("a", Assert.Single(NumpyFile.Load(path)).Name);
            Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SaveChecksExtensionAndCount()
    {
        string folder = Directory.CreateTempSubdirectory("psrnn-npy-").FullName;
        try
        {
            var t = new Tensor(new double[] { 1 });
            Assert.Throws<ArgumentException>(() => NumpyFile.Save(Path.Combine(folder, "x.npy"), [t, t], false, false));
            Assert.Throws<ArgumentException>(() => NumpyFile.Save(Path.Combine(folder, "x.npy"), [t], true, false));
            Assert.Throws<ArgumentException>(() => NumpyFile.Save(Path.Combine(folder, "x.csv"), [t], false, false));
            NumpyFile.Save(Path.Combine(folder, "x.NPY"), [t], false, false);
            Assert.Equal(1.0, Assert.Single(NumpyFile.Load(Path.Combine(folder, "x.NPY"))).ToScalar());
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Writes PSRnn's output for every fixture array plus expected.json, for
    /// <c>make_fixtures.py --check DIR</c>. The folder is PSRNN_NPY_CHECK_DIR when set (and kept), else a temp folder.
    /// </summary>
    [Fact]
    public void WritesCheckFolderForNumpy()
    {
        string? keep = Environment.GetEnvironmentVariable("PSRNN_NPY_CHECK_DIR");
        string folder = keep ?? Directory.CreateTempSubdirectory("psrnn-npy-check-").FullName;
        Directory.CreateDirectory(folder);
        try
        {
            var good = new List<object>();
            foreach (JsonElement entry in NpyFixtures.AllGood)
            {
                string file = entry.GetProperty("file").GetString()!;
                string name = Path.GetFileName(file);
                Tensor t = Assert.Single(NumpyFile.Load(NpyFixtures.PathOf(file)));
                NumpyFile.Save(Path.Combine(folder, name), [t], compress: false, overwrite: true);
                good.Add(new { file = name, dtype = entry.GetProperty("dtype"), shape = entry.GetProperty("shape"), values = entry.GetProperty("values") });
            }

            var npz = new List<object>();
            foreach (JsonElement entry in NpyFixtures.AllNpz)
            {
                string file = entry.GetProperty("file").GetString()!;
                IReadOnlyList<Tensor> tensors = NumpyFile.Load(NpyFixtures.PathOf(file));
                foreach (bool compress in new[] { false, true })
                {
                    string name = Path.GetFileNameWithoutExtension(file) + (compress ? "_deflated.npz" : "_stored.npz");
                    NumpyFile.Save(Path.Combine(folder, name), tensors, compress, overwrite: true);
                    npz.Add(new { file = name, arrays = entry.GetProperty("arrays") });
                }
            }

            File.WriteAllText(Path.Combine(folder, "expected.json"), JsonSerializer.Serialize(new { good, npz }));
            Assert.Equal(good.Count + npz.Count, Directory.GetFiles(folder, "*.np?").Length);
        }
        finally
        {
            if (keep is null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>A .npy with a hand-written header, padded as NumPy pads it.</summary>
    internal static byte[] Npy(string header, byte[] data, int version = 1)
    {
        int prefix = version == 1 ? 10 : 12;
        byte[] text = (version == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(header);
        int pad = 64 - ((prefix + text.Length + 1) % 64);
        var bytes = new List<byte>();
        bytes.Add(0x93);
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add((byte)version);
        bytes.Add(0);
        int length = text.Length + pad + 1;
        bytes.AddRange(version == 1 ? BitConverter.GetBytes((ushort)length) : BitConverter.GetBytes(length));
        bytes.AddRange(text);
        bytes.AddRange(Enumerable.Repeat((byte)' ', pad));
        bytes.Add((byte)'\n');
        bytes.AddRange(data);
        return [.. bytes];
    }

    [Fact]
    public void ErrorMessagesSayWhatToDo()
    {
        var e = Assert.Throws<DataFormatException>(() => NumpyFile.Load(NpyFixtures.PathOf("bad/object_dtype.npy")));
        Assert.Contains("pickle", e.Message, StringComparison.Ordinal);
        Assert.Contains("astype", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<DataFormatException>(() => NumpyFile.Load(NpyFixtures.PathOf("bad/truncated_data.npy")));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"needs {12 * 4} bytes"), e.Message, StringComparison.Ordinal);
    }
}
