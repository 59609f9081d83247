using PSRnn.Engine.Data;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// The HDF5 reader refused a file; <see cref="KerasHdf5File"/> turns it into a <see cref="DataFormatException"/> naming
/// the file. Internal: callers only ever see the DataFormatException.
/// </summary>
internal sealed class Hdf5Exception : Exception
{
    public Hdf5Exception(string errorId, DataErrorKind kind, string message)
        : base(message)
    {
        ErrorId = errorId;
        Kind = kind;
    }

    public Hdf5Exception()
        : this(Hdf5Errors.Corrupt, DataErrorKind.InvalidData, "The HDF5 file is corrupt.")
    {
    }

    public Hdf5Exception(string message)
        : this(Hdf5Errors.Corrupt, DataErrorKind.InvalidData, message)
    {
    }

    public Hdf5Exception(string message, Exception inner)
        : base(message, inner)
    {
        ErrorId = Hdf5Errors.Corrupt;
        Kind = DataErrorKind.InvalidData;
    }

    /// <summary>The stable error identifier (one of <see cref="Hdf5Errors"/>).</summary>
    public string ErrorId { get; }

    /// <summary>The kind of problem.</summary>
    public DataErrorKind Kind { get; }
}
