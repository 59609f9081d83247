using Microsoft.Win32.SafeHandles;

namespace PSRnn.Engine.Serialization.Hdf5;

/// <summary>
/// The bytes of the one HDF5 file being read: every block is read by address (relative to the superblock's base),
/// checked to lie inside the file, and counted against a budget proportional to the file's size, so that structures
/// that overlap or repeat (hostile or corrupt) cost at most a fixed multiple of the file's length before they are refused.
/// </summary>
internal sealed class Hdf5Source
{
    /// <summary>HDF5's undefined address.</summary>
    public const ulong Undefined = ulong.MaxValue;

    /// <summary>Structure bytes decoded may reach this multiple of the file's length (plus <see cref="BudgetSlack"/>).</summary>
    public const int BudgetFactor = 4;

    /// <summary>The fixed part of the budget, for small files whose few structures are each read more than once.</summary>
    public const long BudgetSlack = 1 << 20;

    private readonly SafeFileHandle _handle;
    private long _budget;

    public Hdf5Source(SafeFileHandle handle, long fileLength)
    {
        _handle = handle;
        FileLength = fileLength;
        _budget = BudgetFactor * fileLength + BudgetSlack;
    }

    /// <summary>The file's length in bytes (user block included).</summary>
    public long FileLength { get; }

    /// <summary>The absolute position of the superblock, to which every address is relative (HDF5's base address).</summary>
    public long BaseAddress { get; set; }

    public int OffsetSize { get; set; } = 8;

    public int LengthSize { get; set; } = 8;

    /// <summary>Reads <paramref name="count"/> bytes at the absolute position <paramref name="position"/>, without the budget.</summary>
    public byte[] ReadAbsolute(long position, int count, string what)
    {
        if (position < 0 || count < 0 || position > FileLength - count)
        {
            throw Hdf5Errors.Corruption($"The {what} at byte {position} ({count} bytes) lies beyond the end of the file ({FileLength} bytes): the file is truncated or corrupt.");
        }

        var buffer = new byte[count];
        int done = 0;
        while (done < count)
        {
            int n = RandomAccess.Read(_handle, buffer.AsSpan(done), position + done);
            if (n <= 0)
            {
                throw Hdf5Errors.Corruption($"The file ended while its {what} was read: it is truncated.");
            }

            done += n;
        }

        return buffer;
    }

    /// <summary>The bytes of a structure at a file address, counted against the budget.</summary>
    public byte[] Read(ulong address, long count, string what)
    {
        Charge(count, what);
        return ReadAbsolute(Absolute(address, count, what), (int)count, what);
    }

    /// <summary>The bytes of a dataset's data (bounded by the model's own shapes, not charged to the structure budget).</summary>
    public byte[] ReadData(ulong address, long count, string what) => ReadAbsolute(Absolute(address, count, what), (int)count, what);

    /// <summary>The absolute position of <paramref name="count"/> bytes at <paramref name="address"/>, checked to be in the file.</summary>
    public long Absolute(ulong address, long count, string what)
    {
        if (address == Undefined)
        {
            throw Hdf5Errors.Corruption($"The file's {what} has no address (HDF5's undefined address where one is required).");
        }

        if (count < 0 || count > int.MaxValue || address > (ulong)(FileLength - BaseAddress) || (long)address > FileLength - BaseAddress - count)
        {
            throw Hdf5Errors.Corruption($"The file's {what} at address {address} ({count} bytes) lies beyond the end of the file ({FileLength} bytes): the file is truncated or corrupt.");
        }

        return BaseAddress + (long)address;
    }

    /// <summary>Counts <paramref name="count"/> bytes of decoding work against the budget.</summary>
    public void Charge(long count, string what)
    {
        _budget -= Math.Max(count, 16);
        if (_budget < 0)
        {
            throw Hdf5Errors.Corruption($"The file's structures (at its {what}) overlap or repeat beyond what a file of {FileLength} bytes can hold: it is corrupt.");
        }
    }

    public Hdf5Cursor Cursor(ReadOnlySpan<byte> data, string what) => new(data, OffsetSize, LengthSize, what);
}
