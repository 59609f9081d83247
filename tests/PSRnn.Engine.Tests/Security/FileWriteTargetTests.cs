using System.Text;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Tests.Reliability;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, items 3 and 13: every writer goes through <see cref="AtomicFile"/>, which replaces only a regular file. A FIFO,
/// a device, a socket or a directory is refused before anything is written (FileNotRegular) and stays what it was; a
/// symbolic link is written through (its final target replaced atomically, the link kept) and a dangling or looping link
/// is refused; any legal file name can be written (the hidden temporary name stays within 255 bytes).
/// </summary>
public sealed class FileWriteTargetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("psrnn-special-write-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly Tensor Small = new(new float[] { 1, 2, 3 }, 3);

    // Every kind of file PSRnn writes: .npy, .npz, a model, an ONNX export, a training checkpoint.
    private static readonly Dictionary<string, (string Extension, Action<string> Write)> Writers = new()
    {
        ["npy"] = (".npy", p => NumpyFile.Save(p, [Small], compress: false, overwrite: true)),
        ["npz"] = (".npz", p => NumpyFile.Save(p, [Small], compress: true, overwrite: true)),
        ["model"] = (".safetensors", p => ModelFile.Save(p, ToyTask.Lstm(1, 4, 2, 3), includeOptimizerState: false, overwrite: true)),
        ["onnx"] = (".onnx", p => OnnxExporter.Export(ToyTask.Lstm(1, 4, 2, 3), p, overwrite: true)),
        ["checkpoint"] = (".safetensors", p => ModelFile.SaveCheckpoint(p, Trained(), new FitState { EpochsDone = 1, Shuffle = new Rng(3).GetState() })),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string writer in Writers.Keys)
        {
            foreach (string node in FileSpecialNodes.Kinds)
            {
                data.Add(writer, node);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RefusesToReplaceWhatIsNotARegularFile(string writer, string node)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        (string extension, Action<string> write) = Writers[writer];
        (string path, string expected, IDisposable? socket) = FileSpecialNodes.Make(node, Path.Combine(_folder, "target" + extension), _folder);
        using (socket)
        {
            string[] before = Snapshot();
            string kindBefore = Describe(path);
            FileWriteException e = Assert.Throws<FileWriteException>(() => write(path));
            Assert.Equal(InputFile.NotRegularErrorId, e.ErrorId);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
            Assert.Contains("Nothing was written", e.Message, StringComparison.Ordinal);

            // The node is what it was, and nothing else appeared or vanished (no temporary file, no target created).
            Assert.Equal(kindBefore, Describe(path));
            Assert.Equal(before, Snapshot());
        }
    }

    [Theory]
    [InlineData("npy")]
    [InlineData("model")]
    [InlineData("checkpoint")]
    public void WritesThroughASymbolicLinkAndKeepsIt(string writer)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        (string extension, Action<string> write) = Writers[writer];
        Directory.CreateDirectory(Path.Combine(_folder, "real"));
        string real = Path.Combine(_folder, "real", "target" + extension);
        File.WriteAllText(real, "old content");
        string link = Path.Combine(_folder, "link" + extension);
        File.CreateSymbolicLink(link, Path.Combine("real", "target" + extension)); // relative, as ln -s writes it
        string chained = Path.Combine(_folder, "chained" + extension);
        File.CreateSymbolicLink(chained, link);

        write(chained);

        // Both links are still links to the same place; the final target holds the new file, complete.
        Assert.Equal(Path.Combine("real", "target" + extension), new FileInfo(link).LinkTarget);
        Assert.Equal(link, new FileInfo(chained).LinkTarget);
        Assert.NotEqual("old content", File.ReadAllText(real));
        if (writer == "npy")
        {
            Assert.Equal(Small.AsSpan<float>().ToArray(), Assert.Single(NumpyFile.Load(link)).AsSpan<float>().ToArray());
        }
        else
        {
            Assert.NotNull(ModelFile.Load(link));
        }

        // No temporary file is left beside the link or the target.
        Assert.Equal(["chained" + extension, "link" + extension, "real"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["target" + extension], Directory.GetFiles(Path.Combine(_folder, "real")).Select(Path.GetFileName));
    }

    [Fact]
    public void ALinkToAFileNeedsOverwriteAsTheFileDoes()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string real = Path.Combine(_folder, "real.npy");
        File.WriteAllText(real, "old content");
        string link = Path.Combine(_folder, "link.npy");
        File.CreateSymbolicLink(link, real);
        Assert.ThrowsAny<IOException>(() => NumpyFile.Save(link, [Small], compress: false, overwrite: false));
        Assert.Equal("old content", File.ReadAllText(real));
        Assert.Equal(real, new FileInfo(link).LinkTarget);
    }

    [Theory]
    [InlineData(230, "a")]
    [InlineData(255, "b")]
    [InlineData(127, "é")] // two bytes each in UTF-8
    [InlineData(63, "😀")] // four bytes each, a surrogate pair in UTF-16
    public void WritesEveryLegalFileName(int count, string unit)
    {
        string stem = string.Concat(Enumerable.Repeat(unit, count));
        string name = stem[..^4] + ".npy"; // the extension within the length
        Assert.True(Encoding.UTF8.GetByteCount(name) <= 255);
        string path = Path.Combine(_folder, name);

        NumpyFile.Save(path, [Small], compress: false, overwrite: false);
        NumpyFile.Save(path, [Small], compress: false, overwrite: true); // replacing it works too

        Assert.Equal([name], Directory.GetFiles(_folder).Select(Path.GetFileName));
        Assert.Equal(Small.AsSpan<float>().ToArray(), Assert.Single(NumpyFile.Load(path)).AsSpan<float>().ToArray());
        Assert.True(Encoding.UTF8.GetByteCount(Path.GetFileName(TempNameOf(name))) <= 255);
    }

    [Fact]
    public void ALongNamesLeftoverIsRemovedByTheNextWrite()
    {
        string name = new string('x', 240) + ".npy";
        string path = Path.Combine(_folder, name);

        // What a writer killed mid-write leaves: its hidden temporary file, named with a process id that no longer runs.
        string leftover = Path.Combine(_folder, $".{AtomicFile.TempStem(name)}.{int.MaxValue - 1}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(leftover, "partial");
        NumpyFile.Save(path, [Small], compress: false, overwrite: false);

        Assert.False(File.Exists(leftover));
        Assert.Equal([name], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void ShortNamesKeepTheirTemporaryNameReadable()
    {
        Assert.Equal("model.safetensors", AtomicFile.TempStem("model.safetensors"));
        string stem = AtomicFile.TempStem(new string('a', 230) + ".npy");
        Assert.StartsWith(new string('a', 100), stem, StringComparison.Ordinal);
        Assert.Matches("~[0-9a-f]{8}$", stem);
        Assert.NotEqual(stem, AtomicFile.TempStem(new string('a', 230) + ".npz")); // the hash tells them apart
    }

    private static string TempNameOf(string name) =>
        $".{AtomicFile.TempStem(name)}.{int.MaxValue}.{Guid.Empty:N}.tmp";

    private static Sequential Trained()
    {
        Sequential model = ToyTask.Lstm(2, 4, 2, 3);
        (Tensor x, Tensor y) = ToyTask.Data(8, 4, 2, 2);
        ToyTask.Fit(model, x, y, new FitOptions { Epochs = 1, BatchSize = 4 });
        return model;
    }

    // Every entry of the folder with what it is, links not followed.
    private string[] Snapshot() =>
        [.. Directory.GetFileSystemEntries(_folder).Order(StringComparer.Ordinal).Select(e => Path.GetFileName(e) + ":" + Describe(e))];

    private static string Describe(string path) =>
        PSRnn.Engine.IO.FileNodes.Of(path, followLinks: false, out _).ToString();
}
