using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PSRnn.Engine.IO;

/// <summary>
/// Writes a file so that readers only ever see the old file or the complete new one: the content goes to a
/// temporary file in the same folder (so the rename stays on one volume), is flushed to disk, then renamed
/// over the target. A crash, an exception, Ctrl+C or a killed process mid-write leaves the target untouched.
/// </summary>
/// <remarks>
/// The temporary file is hidden and named <c>.&lt;file&gt;.&lt;process id&gt;.&lt;guid&gt;.tmp</c>. A process killed while
/// writing leaves it behind; the next write of the same target removes such leftovers of processes that no longer run.
/// A full disk, a read-only folder and other I/O failures are a <see cref="FileWriteException"/> with a stable ErrorId.
/// The hidden name is kept within 255 bytes (the file-name limit of Linux, macOS and Windows alike): a long target name is
/// shortened in it and a hash of the whole name added, so every legal name can be written.
/// <para>
/// Only a regular file is replaced. A target that is a FIFO, a device, a socket or a directory is refused before anything
/// is written (<c>FileNotRegular</c>): renaming over it would replace the node itself (root writing /dev/null would
/// replace the system's /dev/null). A symbolic link is written through, as numpy.save and h5py do: its final target is
/// replaced atomically and the link is kept; a link whose target does not exist, or is not a regular file, or a loop of
/// links, is refused (<c>FileNotRegular</c>), never replaced by a regular file.
/// </para>
/// </remarks>
public static class AtomicFile
{
    // Tests inject faults (a full disk) into the temporary file's stream; per thread, so nothing else sees it.
    [ThreadStatic]
    private static Func<Stream, Stream>? t_wrapStream;

    // NAME_MAX on Linux and macOS (bytes) and Windows' limit (UTF-16 units, never more than the UTF-8 bytes).
    private const int MaxNameBytes = 255;

    // ".<name>.<pid: up to 10 digits>.<guid: 32>.tmp" leaves this many bytes for the name.
    private const int MaxTempNameBytes = MaxNameBytes - (1 + 1 + 10 + 1 + 32 + 4);

    /// <summary>Writes <paramref name="path"/> atomically with what <paramref name="write"/> puts in the stream.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="write">Writes the whole content; it may throw, and then nothing is changed.</param>
    /// <param name="overwrite">Whether an existing target is replaced; if false and it exists, <see cref="IOException"/>.</param>
    /// <exception cref="FileWriteException">The disk is full, the folder is read-only, or another I/O error; nothing changed.</exception>
    public static void Write(string path, Action<Stream> write, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = ResolveTarget(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        string name = TempStem(Path.GetFileName(full));
        RemoveLeftovers(folder, name);
        string temp = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture,
            $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream stream = t_wrapStream?.Invoke(file) ?? file;
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not FileWriteException && !IsExists(e, full, overwrite))
        {
            throw Classify(e, full, folder);
        }
        finally
        {
            // After a successful move the temp name no longer exists; otherwise this cleans up the partial file.
            TryDelete(temp);
        }
    }

    /// <summary>
    /// The file a write of <paramref name="path"/> replaces: the full path itself when it is a regular file or does not
    /// exist, a symbolic link's final target when that is a regular file.
    /// </summary>
    /// <exception cref="FileWriteException"><c>FileNotRegular</c>: the path (or the link's final target) is a FIFO, a
    /// device, a socket or a directory, or the link dangles or loops. Nothing was written.</exception>
    public static string ResolveTarget(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        FileNodeKind kind = FileNodes.Of(full, followLinks: false, out _);
        if (kind is FileNodeKind.Missing or FileNodeKind.Regular)
        {
            return full;
        }

        if (kind == FileNodeKind.SymbolicLink)
        {
            string? target = InputFile.FinalTarget(full);
            FileNodeKind final = target is null ? FileNodeKind.LinkLoop : FileNodes.Of(target, followLinks: false, out _);
            if (final == FileNodeKind.Regular)
            {
                return target!;
            }

            kind = final;
        }

        string advice = kind switch
        {
            FileNodeKind.Missing => "Remove the link or create its target first; PSRnn does not create files through a dangling link.",
            FileNodeKind.LinkLoop => "Remove or repair the links.",
            _ => "Only a regular file is replaced; choose a file name.",
        };
        throw new FileWriteException(InputFile.NotRegularErrorId,
            $"Cannot write '{full}': {InputFile.NotRegularReason(full, kind)}. Nothing was written. {advice}");
    }

    /// <summary>Wraps the temporary file's stream on this thread until disposed (tests only: fault injection).</summary>
    internal static IDisposable WrapStream(Func<Stream, Stream> wrap)
    {
        Func<Stream, Stream>? previous = t_wrapStream;
        t_wrapStream = wrap;
        return new Scope(() => t_wrapStream = previous);
    }

    /// <summary>Whether <paramref name="e"/> says the disk (or the user's quota) is full.</summary>
    internal static bool IsDiskFull(Exception e) => e is IOException && e.HResult switch
    {
        28 or 122 or 69 => !OperatingSystem.IsWindows(), // ENOSPC; EDQUOT on Linux (122) and macOS (69)
        unchecked((int)0x80070070) or unchecked((int)0x80070027) => true, // ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL
        _ => false,
    };

    // Without overwrite, an existing target stays the plain IOException File.Move gives: callers report it as "exists".
    private static bool IsExists(Exception e, string full, bool overwrite) =>
        !overwrite && e is IOException && e.GetType() == typeof(IOException) && File.Exists(full);

    private static FileWriteException Classify(Exception e, string full, string folder)
    {
        const string intact = "Nothing was changed: no partial file was left and any previous file is intact.";
        if (IsDiskFull(e))
        {
            return new FileWriteException("DiskFull",
                $"Cannot write '{full}': the disk (or your quota) is full. {intact} Free some space and write it again.", e);
        }

        // EROFS (a read-only volume) on Linux and macOS; ERROR_WRITE_PROTECT on Windows.
        bool readOnly = e is UnauthorizedAccessException
            || (e.HResult == 30 && !OperatingSystem.IsWindows()) || e.HResult == unchecked((int)0x80070013);
        if (readOnly)
        {
            return new FileWriteException("WriteAccessDenied",
                $"Cannot write '{full}': the folder '{folder}' (or the file) is read-only or you may not write there ({e.Message}). " +
                $"{intact} Choose a folder you can write to.", e);
        }

        return new FileWriteException("WriteFailed", $"Cannot write '{full}': {e.Message} {intact}", e);
    }

    // A temp file of this target whose writer is gone (killed mid-write): remove it. One of a live process is left alone,
    // since that process may still be writing; a process id reused since is at worst a leftover kept a little longer.
    private static void RemoveLeftovers(string folder, string name)
    {
        string[] leftovers;
        try
        {
            leftovers = Directory.GetFiles(folder, $".{name}.*.tmp");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string leftover in leftovers)
        {
            // The pattern's wildcards could match another name's leftovers when the name itself holds '*' or '?'.
            string file = Path.GetFileName(leftover);
            if (!file.StartsWith("." + name + ".", StringComparison.Ordinal) || file.Length < name.Length + 6)
            {
                continue;
            }

            string middle = file[(name.Length + 2)..^4]; // "<pid>.<guid>"
            int dot = middle.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && int.TryParse(middle.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId && !IsRunning(pid))
            {
                TryDelete(leftover);
            }
        }
    }

    // The target's name as it appears in the temporary name: whole when it fits, else its start and a hash of all of it.
    internal static string TempStem(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxTempNameBytes)
        {
            return name;
        }

        // FNV-1a over the UTF-8 bytes: stable across processes (string.GetHashCode is not), so leftovers are found again.
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 16777619;
        }

        int keep = 0;
        int bytes = 0;
        while (keep < name.Length)
        {
            int step = char.IsSurrogatePair(name, keep) ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(name.AsSpan(keep, step));
            if (bytes + size > MaxTempNameBytes - 9)
            {
                break;
            }

            bytes += size;
            keep += step;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{name[..keep]}~{hash:x8}");
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp file that cannot be deleted (its folder turned read-only) stays hidden; the next write retries.
        }
    }

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
