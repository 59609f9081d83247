using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PSRnn.Engine.Data;

namespace PSRnn.Engine.IO;

/// <summary>
/// Opens the files PSRnn reads — and only regular files. A FIFO, a character or block device, a socket or a directory,
/// directly or as the final target of symbolic links, is refused with the stable ErrorId <c>FileNotRegular</c>
/// (<see cref="DataFormatException"/>, kind <see cref="DataErrorKind.InvalidType"/>), before it is opened: open() of a
/// FIFO blocks until a writer comes, /dev/zero or /dev/urandom never end, and opening some devices has effects.
/// </summary>
/// <remarks>
/// The type is checked with stat before the file is opened, the file is then opened with O_NONBLOCK (Linux, macOS,
/// FreeBSD) so that a FIFO put in its place meanwhile cannot block, and the open handle is checked again with fstat, so
/// what is read is what was checked. On Windows, device names (NUL, CON, COM1, … in any folder) and the \\.\ namespace
/// are refused by name and an open handle that is not a disk file by GetFileType. A regular file's length is known, so
/// every reader is bounded by the bytes the file really has.
/// </remarks>
public static class InputFile
{
    /// <summary>The ErrorId of a path that is not a regular file (read or written).</summary>
    public const string NotRegularErrorId = "FileNotRegular";

    /// <summary>Opens a regular file for reading.</summary>
    /// <param name="path">The file; symbolic links are followed to their final target, which must be a regular file.</param>
    /// <param name="bufferSize">The FileStream's buffer (0 or 1: none).</param>
    /// <exception cref="DataFormatException"><c>FileNotRegular</c>: the path names a FIFO, device, socket or directory.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static FileStream OpenRead(string path, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        FileNodeKind kind = FileNodes.Of(full, followLinks: true, out _);
        if (kind is not (FileNodeKind.Regular or FileNodeKind.Missing))
        {
            throw NotRegular(path, full, kind);
        }

        // A missing file goes on to open(), which reports it (or a permission problem) the way .NET always does.
        FileStream stream;
        if (!OperatingSystem.IsWindows() && FileNodes.TryOpenNonBlocking(full, out SafeFileHandle? handle, out int errno))
        {
            if (handle is null)
            {
                throw OpenFailed(path, full, errno);
            }

            stream = Checked(handle, path, full, bufferSize);
        }
        else
        {
            var opened = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
            stream = Checked(opened.SafeFileHandle, path, full, bufferSize, opened);
        }

        return stream;
    }

    /// <summary>Reads a whole regular file, exactly the bytes it has when opened (never more).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="DataFormatException"><c>FileNotRegular</c>, or <c>FileTooLarge</c> past 2 GiB.</exception>
    public static byte[] ReadAllBytes(string path)
    {
        using FileStream stream = OpenRead(path, bufferSize: 1);
        long length = stream.Length;
        if (length > Array.MaxLength)
        {
            throw new DataFormatException("FileTooLarge", DataErrorKind.LimitsExceeded, path, string.Create(CultureInfo.InvariantCulture,
                $"it is {MemoryBudget.Describe(length)}, more than PSRnn reads into memory at once ({Array.MaxLength:N0} bytes)."));
        }

        byte[] data = new byte[length];
        int got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        return got == data.Length ? data : data[..got]; // a file cut short meanwhile: its parser reports it truncated
    }

    /// <summary>The refusal of a path that is not a regular file, naming what it is.</summary>
    internal static string NotRegularReason(string full, FileNodeKind kind)
    {
        string what = FileNodes.Describe(kind);
        if (kind != FileNodeKind.LinkLoop && FileNodes.Of(full, followLinks: false, out _) == FileNodeKind.SymbolicLink)
        {
            string? target = FinalTarget(full);
            what = target is null ? "a symbolic link whose target cannot be resolved"
                : kind == FileNodeKind.Missing ? $"a symbolic link to '{target}', which does not exist"
                : $"a symbolic link to '{target}', which is {what}";
        }

        return $"it is {what}, not a regular file";
    }

    /// <summary>The final target of a chain of symbolic links, or null when it cannot be resolved (a loop).</summary>
    internal static string? FinalTarget(string full)
    {
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static FileStream Checked(SafeFileHandle handle, string path, string full, int bufferSize, FileStream? opened = null)
    {
        FileNodeKind kind = FileNodes.Of(handle);
        if (kind != FileNodeKind.Regular)
        {
            if (opened is not null)
            {
                opened.Dispose();
            }
            else
            {
                handle.Dispose();
            }

            throw NotRegular(path, full, kind);
        }

        return opened ?? new FileStream(handle, FileAccess.Read, bufferSize);
    }

    private static DataFormatException NotRegular(string path, string full, FileNodeKind kind) =>
        new(NotRegularErrorId, DataErrorKind.InvalidType, path,
            $"{NotRegularReason(full, kind)}. PSRnn reads only regular files: a pipe can block forever and a device can have " +
            "no end. Copy the data into a file and read that.");

    private static Exception OpenFailed(string path, string full, int errno)
    {
        bool linux = OperatingSystem.IsLinux();
        if (errno == (linux ? 40 : 62))
        {
            return NotRegular(path, full, FileNodeKind.LinkLoop); // ELOOP
        }

        string message = Marshal.GetPInvokeErrorMessage(errno);
        return errno switch
        {
            2 or 20 => new FileNotFoundException($"Could not find file '{full}'.", full), // ENOENT, ENOTDIR
            1 or 13 => new UnauthorizedAccessException($"Access to the path '{full}' is denied ({message})."), // EPERM, EACCES
            _ => new IOException($"Cannot open '{full}': {message}."),
        };
    }
}
