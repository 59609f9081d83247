namespace PSRnn.Engine.IO;

/// <summary>What the runtime's zlib streams throw for bad compressed data.</summary>
internal static class Compression
{
    /// <summary>
    /// Whether <paramref name="e"/> says the compressed data is bad: <see cref="InvalidDataException"/>, or the runtime's
    /// own <c>ZLibException</c> (an internal <see cref="IOException"/>), which zlib's unexpected error codes raise on
    /// corrupt streams (found by fuzzing: a deflated HDF5 chunk). A genuine read failure of the file stays an
    /// <see cref="IOException"/> of another type.
    /// </summary>
    public static bool IsCorruptData(Exception e) =>
        e is InvalidDataException || (e is IOException && e.GetType().FullName == "System.IO.Compression.ZLibException");
}
