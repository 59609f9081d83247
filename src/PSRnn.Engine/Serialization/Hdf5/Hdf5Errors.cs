using PSRnn.Engine.Data;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>The stable error identifiers of the HDF5 reader, and factories for its exceptions.</summary>
internal static class Hdf5Errors
{
    /// <summary>The structure is malformed, truncated, inconsistent or cyclic (a soft-link loop, a dangling soft link).</summary>
    public const string Corrupt = "KerasCorrupt";

    /// <summary>An external link (or a user-defined link): following it would open another file.</summary>
    public const string ExternalLink = "KerasUnsafeExternalLink";

    /// <summary>A dataset whose data lives in other files (HDF5 external storage, the External Data Files message).</summary>
    public const string ExternalStorage = "KerasUnsafeExternalStorage";

    /// <summary>A virtual dataset: its data is mapped from other datasets, in other files.</summary>
    public const string VirtualDataset = "KerasUnsafeVirtualDataset";

    /// <summary>A chunked dataset whose chunk is larger than the dataset in some dimension.</summary>
    public const string Chunk = "KerasUnsafeChunk";

    /// <summary>A well-formed HDF5 feature PSRnn does not read (dense link storage, other filters, old layouts, …).</summary>
    public const string Unsupported = "KerasUnsupportedHdf5";

    public static Hdf5Exception Corruption(string message) => new(Corrupt, DataErrorKind.InvalidData, message);

    public static Hdf5Exception Unsafe(string id, string message) => new(id, DataErrorKind.SecurityError, message);

    public static Hdf5Exception NotSupported(string message) => new(Unsupported, DataErrorKind.InvalidType, message);
}
