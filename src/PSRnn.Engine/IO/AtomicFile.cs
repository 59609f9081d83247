namespace PSRnn.Engine.IO;

/// <summary>
/// Writes a file so that readers only ever see the old file or the complete new one: the content goes to a
/// temporary file in the same folder (so the rename stays on one volume), is flushed to disk, then renamed
/// over the target. A crash, an exception or Ctrl+C mid-write leaves the target untouched.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with what <paramref name="write"/> puts in the stream.</summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="write">Writes the whole content; it may throw, and then nothing is changed.</param>
    /// <param name="overwrite">Whether an existing target is replaced; if false and it exists, <see cref="IOException"/>.</param>
    public static void Write(string path, Action<Stream> write, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite);
        }
        finally
        {
            // After a successful move the temp name no longer exists; otherwise this cleans up the partial file.
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
