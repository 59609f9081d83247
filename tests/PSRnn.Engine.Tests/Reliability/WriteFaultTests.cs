using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Reliability;

/// <summary>
/// Every file PSRnn writes goes through <see cref="AtomicFile"/>: a full disk or a read-only folder is a
/// <see cref="FileWriteException"/> with a stable ErrorId, the previous file stays byte for byte, and no partial or temporary
/// file is left. (A killed writer is tested with real child processes in the Pester suite, Reliability.Tests.ps1.)
/// </summary>
public sealed class WriteFaultTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("psrnn-faults-").FullName;

    public void Dispose()
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static Sequential Model(ulong seed, int units) => ToyTask.Lstm(seed, 5, 3, units);

    private static Sequential Trained(ulong seed, int units)
    {
        Sequential model = Model(seed, units);
        (Tensor x, Tensor y) = ToyTask.Data(8, 5, 3, seed);
        ToyTask.Fit(model, x, y, new FitOptions { Epochs = 1, BatchSize = 4 });
        return model;
    }

    // The three writers the issue names: a model file, a .npy/.npz, a training checkpoint.
    public static TheoryData<string> Writers() => ["model", "npy", "npz", "checkpoint"];

    private static void Write(string writer, string path, int variant)
    {
        switch (writer)
        {
            case "model":
                ModelFile.Save(path, Model(1, 16 * variant), includeOptimizerState: false, overwrite: true);
                break;
            case "npy":
                NumpyFile.Save(path, [new Tensor(Enumerable.Repeat((float)variant, 40_000 * variant).ToArray(), 200, 200 * variant)], false, true);
                break;
            case "npz":
                NumpyFile.Save(path, [new Tensor(Enumerable.Repeat(variant, 30_000 * variant).ToArray(), 30_000 * variant) { Name = "x" }], true, true);
                break;
            default:
                ModelFile.SaveCheckpoint(path, Trained(2, 16 * variant), new FitState { EpochsDone = variant, Shuffle = new Rng(3).GetState() });
                break;
        }
    }

    private static string Extension(string writer) => writer switch { "npy" => ".npy", "npz" => ".npz", _ => ".safetensors" };

    [Theory]
    [MemberData(nameof(Writers))]
    public void AFullDiskIsDiskFullAndLeavesThePreviousFile(string writer)
    {
        string path = Path.Combine(_folder, "target" + Extension(writer));
        Write(writer, path, 1);
        byte[] before = File.ReadAllBytes(path);

        // The disk fills at several points of the new file: in its header, in its data, just before its end.
        foreach (long capacity in new long[] { 0, 7, 100, before.Length / 2, before.Length - 1 })
        {
            using (AtomicFile.WrapStream(file => new DiskFullStream(file, capacity)))
            {
                FileWriteException e = Assert.Throws<FileWriteException>(() => Write(writer, path, 2));
                Assert.Equal("DiskFull", e.ErrorId);
                Assert.Contains("full", e.Message, StringComparison.Ordinal);
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
                Assert.IsAssignableFrom<IOException>(e.InnerException);
            }

            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(_folder));
        }

        Write(writer, path, 2);
        Assert.NotEqual(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void TheRealOperatingSystemErrorOfAFullDiskIsRecognized()
    {
        IOException e = DiskFullStream.DiskFull();
        Assert.True(AtomicFile.IsDiskFull(e), $"HResult {e.HResult}: {e.Message}");
        Assert.False(AtomicFile.IsDiskFull(new IOException("other", 5)));
        Assert.False(AtomicFile.IsDiskFull(new UnauthorizedAccessException()));
    }

    [Theory]
    [MemberData(nameof(Writers))]
    public void AReadOnlyFolderIsWriteAccessDeniedAndLeavesThePreviousFile(string writer)
    {
        string path = Path.Combine(_folder, "target" + Extension(writer));
        Write(writer, path, 1);
        byte[] before = File.ReadAllBytes(path);
        string target = path;
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.ReadOnly); // a folder's read-only flag does not stop Windows writes
        }
        else
        {
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            if (CanCreateIn(_folder))
            {
                // Running as root, permissions do not stop writes; sysfs refuses new files to everyone.
                Assert.True(Directory.Exists("/sys"), "running privileged on a system without /sys: no read-only folder to test with");
                target = "/sys/psrnn-target" + Extension(writer);
            }
        }

        FileWriteException e = Assert.Throws<FileWriteException>(() => Write(writer, target, 2));
        Assert.Equal("WriteAccessDenied", e.ErrorId);
        Assert.Contains("read-only", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target) && target != path);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
    }

    [Fact]
    public void ALeftoverOfAKilledWriterIsRemovedByTheNextWrite()
    {
        string path = Path.Combine(_folder, "m.npy");
        NumpyFile.Save(path, [new Tensor(new float[] { 1 }, 1)], false, false);

        // Hidden temp files as a writer killed mid-write leaves them: one of a process that is gone, one of a process
        // that still runs (it may be writing), one of this process (another thread may be writing), one of another target.
        int gone = DeadProcessId();
        string dead = Path.Combine(_folder, $".m.npy.{gone}.0123456789abcdef0123456789abcdef.tmp");
        string live = Path.Combine(_folder, $".m.npy.1.0123456789abcdef0123456789abcdef.tmp");
        string own = Path.Combine(_folder, $".m.npy.{Environment.ProcessId}.0123456789abcdef0123456789abcdef.tmp");
        string other = Path.Combine(_folder, $".n.npy.{gone}.0123456789abcdef0123456789abcdef.tmp");
        foreach (string f in new[] { dead, live, own, other })
        {
            File.WriteAllBytes(f, [0x93, (byte)'N']);
        }

        NumpyFile.Save(path, [new Tensor(new float[] { 2 }, 1)], false, true);
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live) && File.Exists(own) && File.Exists(other));
        Assert.Equal(2f, ((float[])NumpyFile.Load(path)[0].Data)[0]);
    }

    [Fact]
    public void AnExistingFileWithoutOverwriteStaysAPlainIOException()
    {
        string path = Path.Combine(_folder, "x.npy");
        NumpyFile.Save(path, [new Tensor(new float[] { 1 }, 1)], false, false);
        IOException e = Assert.Throws<IOException>(() => NumpyFile.Save(path, [new Tensor(new float[] { 2 }, 1)], false, false));
        Assert.IsNotType<FileWriteException>(e);
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    private static bool CanCreateIn(string folder)
    {
        string probe = Path.Combine(folder, ".probe");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int DeadProcessId()
    {
        // A child that has exited: its id names no running process (until the system reuses it, which takes a while).
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        return child.Id;
    }
}
