using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, item 6: every reader opens its file through <see cref="InputFile"/>, which refuses what is not a regular file
/// (FileNotRegular, naming what it is) before open() could block on a FIFO or read /dev/zero to 2 GB. Unix only: Windows
/// has no FIFOs or device nodes in a folder (its device names are tested by name).
/// </summary>
public sealed class FileSpecialReadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("psrnn-special-read-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Every reader that takes a path, with the extension a user would give it.
    private static readonly Dictionary<string, (string Extension, Action<string> Read)> Readers = new()
    {
        ["Import-NpyData"] = (".npy", p => NumpyFile.Load(p)),
        ["Import-RnnAudio"] = (".wav", p => WavReader.Read(p)),
        ["Import-RnnAudio -LabelCsv"] = (".csv", p => LabelTable.Read(p)),
        ["format detection"] = (".h5", p => ModelFormats.Detect(p)),
        ["safetensors"] = (".safetensors", p => ModelFile.Load(p)),
        ["onnx"] = (".onnx", p => OnnxImporter.Import(p)),
        ["keras"] = (".h5", p => KerasHdf5File.Load(p)),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string reader in Readers.Keys)
        {
            // A dangling link is a missing file to a reader (FileNotFoundException, below).
            foreach (string node in FileSpecialNodes.Kinds.Where(k => k != "dangling link").Append("fifo with a writer"))
            {
                data.Add(reader, node);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RefusesWhatIsNotARegularFileWithoutBlocking(string reader, string node)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        (string extension, Action<string> read) = Readers[reader];
        Thread? writer = null;
        (string path, string expected, IDisposable? socket) = FileSpecialNodes.Make(node == "fifo with a writer" ? "fifo" : node,
            Path.Combine(_folder, "x" + extension), _folder);
        if (node == "fifo with a writer")
        {
            writer = new Thread(() => WriteInto(path)) { IsBackground = true };
            writer.Start();
        }

        try
        {
            FileHostileCost.WithoutBlocking(
                () =>
                {
                    DataFormatException e = FileHostileCost.AssertRefused(InputFile.NotRegularErrorId, () => read(path));
                    Assert.Equal(DataErrorKind.InvalidType, e.Kind);
                    Assert.Equal(path, e.FileName);
                    Assert.Contains(expected, e.Message, StringComparison.Ordinal);
                },
                unblock: () => Release(path));
        }
        finally
        {
            socket?.Dispose();
            if (writer is not null)
            {
                Release(path); // the writer waits in open() for a reader that PSRnn never was
                Assert.True(writer.Join(FileHostileCost.MaxTime));
            }
        }
    }

    [Fact]
    public void ReadsARegularFileThroughASymbolicLink()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var tensor = new Tensor(new float[] { 1, 2, 3 }, 3);
        string real = Path.Combine(_folder, "real.npy");
        NumpyFile.Save(real, [tensor], compress: false, overwrite: false);
        string link = Path.Combine(_folder, "link.npy");
        File.CreateSymbolicLink(link, "real.npy"); // relative, as ln -s writes it
        Tensor back = Assert.Single(NumpyFile.Load(link));
        Assert.Equal(new float[] { 1, 2, 3 }, back.AsSpan<float>().ToArray());
    }

    [Fact]
    public void AMissingFileIsStillFileNotFound()
    {
        string missing = Path.Combine(_folder, "missing.npy");
        Assert.Throws<FileNotFoundException>(() => NumpyFile.Load(missing));
        if (!OperatingSystem.IsWindows())
        {
            File.CreateSymbolicLink(missing, Path.Combine(_folder, "nowhere.npy"));
            Assert.Throws<FileNotFoundException>(() => NumpyFile.Load(missing));
        }
    }

    [Fact]
    public void AnUnreadableFileIsStillAccessDenied()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            return; // root reads every file
        }

        string path = Path.Combine(_folder, "secret.npy");
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetUnixFileMode(path, UnixFileMode.None);
        Assert.Throws<UnauthorizedAccessException>(() => NumpyFile.Load(path));
    }

    [Theory]
    [InlineData(@"C:\data\NUL", true)]
    [InlineData(@"C:\data\nul.npy", true)]
    [InlineData(@"C:\data\COM1.wav", true)]
    [InlineData(@"C:\data\con .txt", true)]
    [InlineData(@"C:\data\LPT¹", true)]
    [InlineData(@"\\.\PhysicalDrive0", true)]
    [InlineData(@"\\.\pipe\model.onnx", true)]
    [InlineData(@"\\?\GLOBALROOT\Device\Null", true)]
    [InlineData(@"\\?\C:\data\x.npy", false)]
    [InlineData(@"\\?\UNC\server\share\x.npy", false)]
    [InlineData(@"C:\data\console.npy", false)]
    [InlineData(@"C:\data\nullable.npy", false)]
    [InlineData(@"C:\data\COM10", false)]
    public void KnowsWindowsDeviceNames(string path, bool device) =>
        Assert.Equal(device, PSRnn.Engine.IO.FileNodes.IsWindowsDevicePath(path));

    // Opens the FIFO for writing (blocks until someone reads) and writes a valid .npy, as a producer process would.
    private static void WriteInto(string fifo)
    {
        try
        {
            using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            NpyFormat.Write(stream, new Tensor(new float[] { 1 }, 1));
        }
        catch (IOException)
        {
            // The reader went away (EPIPE): expected, since the FIFO is refused.
        }
    }

    // Opens a FIFO's read end without blocking and closes it: a blocked writer's open() returns, its write fails.
    private static void Release(string fifo)
    {
        if (PSRnn.Engine.IO.FileNodes.TryOpenNonBlocking(fifo, out Microsoft.Win32.SafeHandles.SafeFileHandle? handle, out _))
        {
            Thread.Sleep(100);
            handle?.Dispose();
        }
    }
}
