using System.Runtime.InteropServices;
using System.Text;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12 items 1–2 with a real file-access trace: Linux inotify watches the folder of every file a hostile model
/// file points at (IN_OPEN | IN_ACCESS), and the load must open the model file exactly once and nothing else there.
/// Each trace is checked to be live: the test then opens the target itself and the watch must see it.
/// </summary>
public sealed class Hdf5FileAccessTests
{
    public static TheoryData<string, string, string> Cases() => new()
    {
        // hostile file, the file it points at, the expected error
        { "external-storage-target.h5", "psrnn-external-target.bin", "KerasUnsafeExternalStorage" },
        { "external-link-relative.h5", "psrnn-external-target.h5", "KerasUnsafeExternalLink" },
        { "external-link-self.h5", "external-link-self.h5", "KerasUnsafeExternalLink" },
        { "virtual-dataset.h5", "psrnn-external-target.h5", "KerasUnsafeVirtualDataset" },
        { "softlink-loop-self.h5", "psrnn-external-target.h5", "KerasCorrupt" },
        { "softlink-loop-model-weights.h5", "psrnn-external-target.h5", "KerasCorrupt" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AHostileFileOpensNoOtherFileAndItselfOnce(string name, string target, string errorId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // inotify is Linux's; the error IDs are tested on every system by Hdf5HostileFileTests.
        }

        string dir = Directory.CreateTempSubdirectory("psrnn-trace-").FullName;
        try
        {
            string path = Path.Combine(dir, name);
            File.Copy(Path.Combine(Hdf5HostileFileTests.Dir, name), path);
            PlaceTarget(dir, target);
            foreach (bool into in new[] { false, true })
            {
                using var watch = new InotifyWatch(dir);
                Exception? e = Record.Exception(() => Load(path, into));
                // The trace first: a reader that follows the file elsewhere fails here, whatever it then reports.
                List<(string File, uint Mask)> events = watch.Events();
                Assert.DoesNotContain(events, x => x.File != name);
                Assert.Equal(1, events.Count(x => x.File == name && (x.Mask & InotifyWatch.Open) != 0));
                Assert.Equal(errorId, Assert.IsType<DataFormatException>(e).ErrorId);
            }

            AssertTheWatchIsLive(dir, target);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("external-link-absolute.h5", "psrnn-external-target.h5", "KerasUnsafeExternalLink")]
    [InlineData("external-storage-absolute.h5", "psrnn-external-target.bin", "KerasUnsafeExternalStorage")]
    public void AnAbsoluteReferenceOpensNothingInItsTargetFolder(string name, string target, string errorId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // make_hostile.py wrote these absolute target paths into the fixtures; the test owns the folder while it runs.
        const string folder = "/tmp/psrnn-hostile-abs";
        Directory.CreateDirectory(folder);
        try
        {
            PlaceTarget(folder, target);
            foreach (bool into in new[] { false, true })
            {
                using var watch = new InotifyWatch(folder);
                Exception? e = Record.Exception(() => Load(Path.Combine(Hdf5HostileFileTests.Dir, name), into));
                Assert.Empty(watch.Events());
                Assert.Equal(errorId, Assert.IsType<DataFormatException>(e).ErrorId);
            }

            AssertTheWatchIsLive(folder, target);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Load(string path, bool into)
    {
        if (into)
        {
            var model = new Sequential(SampleShape.Vector(2), seed: 1);
            model.Add(new Dense(4));
            KerasHdf5File.LoadWeightsInto(path, model);
        }
        else
        {
            KerasHdf5File.Load(path);
        }
    }

    private static void PlaceTarget(string dir, string target)
    {
        string path = Path.Combine(dir, target);
        if (File.Exists(path))
        {
            return;
        }

        if (target.EndsWith(".bin", StringComparison.Ordinal))
        {
            File.WriteAllBytes(path, Encoding.ASCII.GetBytes("root:x:0:0:root:/root:/bin/bash\n"));
        }
        else
        {
            File.Copy(Path.Combine(Hdf5HostileFileTests.Dir, "psrnn-external-target.h5"), path);
        }
    }

    private static void AssertTheWatchIsLive(string dir, string target)
    {
        using var watch = new InotifyWatch(dir);
        using (FileStream stream = File.OpenRead(Path.Combine(dir, target)))
        {
            stream.ReadByte();
        }

        Assert.Contains(watch.Events(), x => x.File == target && (x.Mask & InotifyWatch.Open) != 0);
    }

    /// <summary>A non-blocking inotify watch of one folder: the names of the files opened or read in it.</summary>
    private sealed class InotifyWatch : IDisposable
    {
        public const uint Access = 0x00000001;
        public const uint Open = 0x00000020;
        private const int NonBlock = 0x800;
        private const int CloseOnExec = 0x80000;
        private readonly int _fd;

        public InotifyWatch(string dir)
        {
            _fd = NativeMethods.inotify_init1(NonBlock | CloseOnExec);
            Assert.True(_fd >= 0, $"inotify_init1 failed ({Marshal.GetLastPInvokeError()})");
            Assert.True(NativeMethods.inotify_add_watch(_fd, dir, Access | Open) >= 0, $"inotify_add_watch failed ({Marshal.GetLastPInvokeError()})");
        }

        public List<(string File, uint Mask)> Events()
        {
            var events = new List<(string, uint)>();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                nint n = NativeMethods.read(_fd, buffer, buffer.Length);
                if (n <= 0)
                {
                    return events; // EAGAIN: nothing more queued
                }

                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }
                for (int p = 0; p < n;)
                {
                    uint mask = BitConverter.ToUInt32(buffer, p + 4);
                    int length = BitConverter.ToInt32(buffer, p + 12);
                    string file = Encoding.UTF8.GetString(buffer, p + 16, length).TrimEnd('\0');
                    events.Add((file, mask));
                    p += 16 + length;
                }
            }
        }

        public void Dispose() => _ = NativeMethods.close(_fd);
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int inotify_init1(int flags);

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int inotify_add_watch(int fd, string path, uint mask);

        [DllImport("libc", SetLastError = true)]
        public static extern nint read(int fd, byte[] buffer, nint count);

        [DllImport("libc")]
        public static extern int close(int fd);
    }
}
