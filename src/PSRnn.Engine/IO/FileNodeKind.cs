namespace PSRnn.Engine.IO;

/// <summary>What a path names in the file system, as stat tells it.</summary>
internal enum FileNodeKind
{
    /// <summary>Nothing: the path does not exist (or a link's target does not).</summary>
    Missing,

    /// <summary>A regular file: the only kind PSRnn reads or replaces.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A FIFO (named pipe): opening it blocks until a writer comes, reading it never ends without one.</summary>
    Fifo,

    /// <summary>A character device (/dev/null, /dev/zero, a terminal; NUL or CON on Windows).</summary>
    CharacterDevice,

    /// <summary>A block device (a disk or partition).</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,

    /// <summary>A symbolic link (only when links are not followed).</summary>
    SymbolicLink,

    /// <summary>A chain of symbolic links that never ends (ELOOP).</summary>
    LinkLoop,

    /// <summary>Anything else the system reports.</summary>
    Other,
}
