using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PSRnn.Engine.IO;

/// <summary>
/// Tells what a path or an open handle is (regular file, directory, FIFO, device, socket, link) without opening it, since
/// opening is itself the danger: open() of a FIFO blocks until a writer comes, and opening some devices acts.
/// </summary>
/// <remarks>
/// .NET 8 has no public API for the file type (FileSystemInfo knows directories and links only), so on Unix this calls the
/// runtime's own System.Native shim (SystemNative_Stat, _LStat, _FStat: shipped with every .NET runtime, the functions
/// FileSystemInfo itself uses) and reads only the first two fields of its FileStatus (Flags, Mode), which have not changed
/// since .NET Core 1.0; Mode's type bits are POSIX's on every Unix. Opening for reading uses libc's open with O_NONBLOCK
/// so that a FIFO swapped in after the check cannot block either. On Windows, device names (NUL, CON, COM1, …) and the
/// \\.\ device namespace are recognised by name, and an open handle by GetFileType.
/// </remarks>
internal static partial class FileNodes
{
    // FileStatus is about 120 bytes today; room for it to grow, since only Mode is read.
    private const int StatBufferBytes = 512;

    private const int TypeMask = 0xF000;

    private static readonly string[] WindowsDeviceNames =
        ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
         "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
         "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³"];

    /// <summary>What <paramref name="path"/> is; with <paramref name="followLinks"/>, what its final link target is.</summary>
    /// <param name="path">The path.</param>
    /// <param name="followLinks">Follow symbolic links (stat) or report the link itself (lstat).</param>
    /// <param name="errno">The system's error when the path could not be examined (0 otherwise).</param>
    public static FileNodeKind Of(string path, bool followLinks, out int errno)
    {
        errno = 0;
        return OperatingSystem.IsWindows() ? OfWindows(path, followLinks) : OfUnix(path, followLinks, out errno);
    }

    /// <summary>What an open handle is.</summary>
    public static FileNodeKind Of(SafeFileHandle handle)
    {
        if (OperatingSystem.IsWindows())
        {
            // FILE_TYPE_DISK is a file or directory (FileStream refuses directories); CHAR a device, PIPE a pipe or socket.
            return Native.GetFileType(handle) switch
            {
                1 => FileNodeKind.Regular,
                2 => FileNodeKind.CharacterDevice,
                3 => FileNodeKind.Fifo,
                _ => FileNodeKind.Other,
            };
        }

        unsafe
        {
            byte* status = stackalloc byte[StatBufferBytes];
            return Native.FStat(handle, status) == 0 ? FromMode(((int*)status)[1]) : FileNodeKind.Other;
        }
    }

    /// <summary>The kind in words for messages: "a FIFO (named pipe)", "a character device", ….</summary>
    public static string Describe(FileNodeKind kind) => kind switch
    {
        FileNodeKind.Missing => "missing",
        FileNodeKind.Regular => "a regular file",
        FileNodeKind.Directory => "a directory",
        FileNodeKind.Fifo => "a FIFO (named pipe)",
        FileNodeKind.CharacterDevice => "a character device",
        FileNodeKind.BlockDevice => "a block device",
        FileNodeKind.Socket => "a socket",
        FileNodeKind.SymbolicLink => "a symbolic link",
        FileNodeKind.LinkLoop => "a loop of symbolic links",
        _ => "not a regular file",
    };

    /// <summary>
    /// Opens <paramref name="path"/> for reading without blocking on a FIFO (O_NONBLOCK, O_NOCTTY, O_CLOEXEC), on the
    /// systems whose flag values are known (Linux, macOS, FreeBSD).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="handle">The open handle, or null when open failed (see <paramref name="errno"/>).</param>
    /// <param name="errno">The system's error when open failed.</param>
    /// <returns>False when this system is not one of those (the caller then opens normally after its stat check).</returns>
    public static bool TryOpenNonBlocking(string path, out SafeFileHandle? handle, out int errno)
    {
        handle = null;
        errno = 0;
        int flags;
        if (OperatingSystem.IsLinux())
        {
            flags = 0x800 | 0x100 | 0x80000; // O_NONBLOCK | O_NOCTTY | O_CLOEXEC (x64, ARM, ARM64)
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst())
        {
            flags = 0x4 | 0x20000 | 0x1000000;
        }
        else if (OperatingSystem.IsFreeBSD())
        {
            flags = 0x4 | 0x8000 | 0x100000;
        }
        else
        {
            return false;
        }

        int fd = Native.Open(path, flags);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return true;
        }

        handle = new SafeFileHandle(fd, ownsHandle: true);

        // Back to blocking reads: O_NONBLOCK was for open() only; it means nothing for a regular file, but the handle
        // should be what .NET's FileStream expects.
        _ = Native.FcntlSetIsNonBlocking(handle, 0);
        return true;
    }

    /// <summary>
    /// Whether a full Windows path names a device rather than a file: a reserved device name (NUL, CON, COM1, … with
    /// any extension, in any folder) or the \\.\ and \\?\ device namespaces other than a drive or UNC path.
    /// </summary>
    public static bool IsWindowsDevicePath(string fullPath)
    {
        if (fullPath.StartsWith(@"\\.\", StringComparison.Ordinal) || fullPath.StartsWith(@"\\?\", StringComparison.Ordinal))
        {
            string rest = fullPath[4..];
            bool drive = rest.Length >= 3 && char.IsAsciiLetter(rest[0]) && rest[1] == ':' && rest[2] is '\\' or '/';
            bool unc = rest.StartsWith(@"UNC\", StringComparison.OrdinalIgnoreCase);
            if (!drive && !unc)
            {
                return true;
            }
        }

        string name = fullPath[(fullPath.LastIndexOfAny(['\\', '/']) + 1)..]; // Windows' separators, on any system
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        string stem = (dot >= 0 ? name[..dot] : name).TrimEnd(' ');
        return Array.Exists(WindowsDeviceNames, d => string.Equals(d, stem, StringComparison.OrdinalIgnoreCase));
    }

    private static FileNodeKind OfUnix(string path, bool followLinks, out int errno)
    {
        errno = 0;
        int result;
        int mode;
        unsafe
        {
            byte* status = stackalloc byte[StatBufferBytes];
            result = followLinks ? Native.Stat(path, status) : Native.LStat(path, status);
            mode = ((int*)status)[1];
        }

        if (result == 0)
        {
            return FromMode(mode);
        }

        errno = Marshal.GetLastPInvokeError();
        bool loop = errno == (OperatingSystem.IsLinux() ? 40 : 62); // ELOOP
        return loop ? FileNodeKind.LinkLoop : FileNodeKind.Missing;
    }

    private static FileNodeKind OfWindows(string path, bool followLinks)
    {
        string full = Path.GetFullPath(path);
        if (IsWindowsDevicePath(full))
        {
            return full.Contains(@"\pipe\", StringComparison.OrdinalIgnoreCase) ? FileNodeKind.Fifo : FileNodeKind.CharacterDevice;
        }

        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(full);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return FileNodeKind.Missing;
        }

        if ((attributes & FileAttributes.ReparsePoint) != 0)
        {
            FileSystemInfo info = (attributes & FileAttributes.Directory) != 0 ? new DirectoryInfo(full) : new FileInfo(full);
            if (info.LinkTarget is not null)
            {
                if (!followLinks)
                {
                    return FileNodeKind.SymbolicLink;
                }

                FileSystemInfo? target;
                try
                {
                    target = info.ResolveLinkTarget(returnFinalTarget: true);
                }
                catch (IOException)
                {
                    return FileNodeKind.LinkLoop;
                }

                return target is null ? FileNodeKind.Missing : OfWindows(target.FullName, followLinks: false);
            }
        }

        return (attributes & FileAttributes.Directory) != 0 ? FileNodeKind.Directory : FileNodeKind.Regular;
    }

    private static FileNodeKind FromMode(int mode) => (mode & TypeMask) switch
    {
        0x8000 => FileNodeKind.Regular,
        0x4000 => FileNodeKind.Directory,
        0x1000 => FileNodeKind.Fifo,
        0x2000 => FileNodeKind.CharacterDevice,
        0x6000 => FileNodeKind.BlockDevice,
        0xC000 => FileNodeKind.Socket,
        0xA000 => FileNodeKind.SymbolicLink,
        _ => FileNodeKind.Other,
    };

    private static unsafe partial class Native
    {
        [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int Stat(string path, byte* status);

        [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int LStat(string path, byte* status);

        [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
        public static partial int FStat(SafeFileHandle fd, byte* status);

        [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_FcntlSetIsNonBlocking", SetLastError = true)]
        public static partial int FcntlSetIsNonBlocking(SafeFileHandle fd, int isNonBlocking);

        // open(2) is variadic; called with two arguments only, which every ABI passes the same way as a fixed signature.
        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int Open(string path, int flags);

        [LibraryImport("kernel32.dll", EntryPoint = "GetFileType", SetLastError = true)]
        public static partial int GetFileType(SafeFileHandle handle);
    }
}
