using System.Diagnostics;
using System.Net.Sockets;

namespace PSRnn.Engine.Tests.Security;

/// <summary>Makes the file-system nodes the special-file tests need, in a temporary folder of the test's own.</summary>
internal static class FileSpecialNodes
{
    /// <summary>Every kind of node the tests put where PSRnn expects a regular file.</summary>
    public static readonly string[] Kinds =
    [
        "fifo", "character device", "link to a character device", "link to /dev/zero", "link to /dev/urandom", "directory",
        "link to a directory", "socket", "link loop", "dangling link", "link to a fifo",
    ];

    /// <summary>
    /// Makes the node <paramref name="kind"/> (one of <see cref="Kinds"/>) at <paramref name="path"/>, in the folder
    /// <paramref name="folder"/>, and says what PSRnn's refusal must call it.
    /// </summary>
    /// <returns>The path to give PSRnn (a character device may be elsewhere), the words of the refusal, and a socket to
    /// dispose after the test (disposing it removes its node).</returns>
    public static (string Path, string Expected, IDisposable? Socket) Make(string kind, string path, string folder)
    {
        string extension = System.IO.Path.GetExtension(path);
        switch (kind)
        {
            case "fifo":
                Fifo(path);
                return (path, "it is a FIFO (named pipe), not a regular file", null);
            case "character device":
                return (CharacterDevice(System.IO.Path.Combine(folder, "null" + extension)), "it is a character device, not a regular file", null);
            case "link to a character device":
                File.CreateSymbolicLink(path, CharacterDevice(System.IO.Path.Combine(folder, "null")));
                return (path, "which is a character device, not a regular file", null);
            case "directory":
                Directory.CreateDirectory(path);
                return (path, "it is a directory, not a regular file", null);
            case "link to a directory":
                File.CreateSymbolicLink(path, folder);
                return (path, $"it is a symbolic link to '{folder}', which is a directory, not a regular file", null);
            case "socket":
                return (path, "it is a socket, not a regular file", Socket(path));
            case "link loop":
                File.CreateSymbolicLink(path, path + ".b");
                File.CreateSymbolicLink(path + ".b", path);
                return (path, "it is a loop of symbolic links, not a regular file", null);
            case "dangling link":
                string nowhere = System.IO.Path.Combine(folder, "nowhere" + extension);
                File.CreateSymbolicLink(path, nowhere);
                return (path, $"it is a symbolic link to '{nowhere}', which does not exist", null);
            case "link to a fifo":
                File.CreateSymbolicLink(path, Fifo(System.IO.Path.Combine(folder, "pipe")));
                return (path, "which is a FIFO (named pipe), not a regular file", null);
            default:
                string target = kind["link to ".Length..];
                File.CreateSymbolicLink(path, target);
                return (path, $"it is a symbolic link to '{target}', which is a character device, not a regular file", null);
        }
    }

    /// <summary>Makes a FIFO (mkfifo).</summary>
    public static string Fifo(string path)
    {
        Run("mkfifo", path);
        return path;
    }

    /// <summary>
    /// Makes a character device equal to /dev/null (mknod c 1 3) when this user may (root); otherwise returns the real
    /// /dev/null, which a user who cannot make device nodes cannot replace either, so no test can harm it.
    /// </summary>
    public static string CharacterDevice(string path)
    {
        try
        {
            Run("mknod", path, "c", "1", "3");
            return path;
        }
        catch (InvalidOperationException)
        {
            Assert.NotEqual(0, GetUid());
            return "/dev/null";
        }
    }

    /// <summary>Makes a Unix domain socket bound at <paramref name="path"/>; dispose it to close (the node stays).</summary>
    public static Socket Socket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static int GetUid()
    {
        using var id = Process.Start(new ProcessStartInfo("id", "-u") { RedirectStandardOutput = true })!;
        string text = id.StandardOutput.ReadToEnd();
        id.WaitForExit();
        return int.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {error}");
        }
    }
}
