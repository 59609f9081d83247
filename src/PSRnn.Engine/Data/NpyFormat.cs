using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using PSRnn.Engine.IO;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>
/// Reads and writes NumPy's <c>.npy</c> format (versions 1.0, 2.0 and 3.0) faithfully: every numeric dtype,
/// either byte order, C or Fortran order, 0-d and empty arrays. Object arrays (pickles) are refused, never loaded.
/// </summary>
/// <remarks>
/// The writer produces exactly what <c>numpy.save</c> writes for the same array: version 1.0 (2.0 only when the
/// header exceeds 65535 bytes), a little-endian C-order <c>descr</c>, and the header padded with spaces and a
/// final newline so that the data starts at a multiple of 64 bytes.
/// </remarks>
public static class NpyFormat
{
    /// <summary>NumPy's default <c>max_header_size</c>: longer headers are refused as unsafe to parse.</summary>
    public const int MaxHeaderSize = 10000;

    private const int ArrayAlign = 64;

    // NumPy leaves room to grow the first axis in place: len(str(8 * 2**64 - 1)) digits.
    private const int GrowthAxisMaxDigits = 21;

    // Bulk reads and writes move this many bytes at a time (a multiple of every item size).
    private const int ChunkBytes = 1 << 20;

    // Up to this many data bytes, a stream of unknown length is read straight into the array.
    private const int UnknownLengthDirect = 1 << 16;

    // Not a u8 string literal: "\x93" would be UTF-8 encoded as two bytes.
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads one array from a .npy stream, which must hold nothing after the array's data.</summary>
    /// <param name="stream">The stream, positioned at the start of the .npy content.</param>
    /// <param name="fileName">The file name used in error messages; may be null.</param>
    /// <returns>The array, always in C order and this machine's byte order.</returns>
    /// <exception cref="DataFormatException">The content is not a valid .npy, or holds something PSRnn does not read.</exception>
    public static Tensor Read(Stream stream, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Read(stream, fileName, declaredLength: null);
    }

    /// <summary>Reads one array; <paramref name="declaredLength"/> is the content's total length when the container knows it.</summary>
    internal static Tensor Read(Stream stream, string? fileName, long? declaredLength)
    {
        NpyHeader header = ReadHeader(stream, fileName, out int headerBytes);
        DType dtype = header.DType;
        int itemSize = dtype.ItemSize();
        long count = Tensor.ElementCount(header.Shape); // already checked by NpyHeader.Parse
        long dataBytes = count * itemSize;

        // Refused before anything is allocated: a Fortran-order array needs a second copy to become C order.
        long memory = header.FortranOrder && header.Shape.Length > 1 ? 2 * dataBytes : dataBytes;
        if (!MemoryBudget.Fits(memory))
        {
            throw new DataFormatException("NpyExceedsMemory", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                $"its shape {Tensor.FormatShape(header.Shape)} of {header.DType.NumpyName()} {MemoryBudget.Shortfall(memory)}. " +
                $"Load it on a machine with more memory, or split it into smaller files in Python."));
        }

        // What the container says is left, so the shape is checked against it before anything is allocated.
        long? available = declaredLength is long total ? total - headerBytes
            : stream.CanSeek ? stream.Length - stream.Position
            : null;
        if (available is long left)
        {
            if (dataBytes > left)
            {
                throw TruncatedData(fileName, header, dataBytes, left);
            }

            if (dataBytes < left)
            {
                throw LengthMismatch(fileName, header, dataBytes, left);
            }
        }

        Array data = available is null && dataBytes > UnknownLengthDirect
            ? ReadUnknownLength(stream, fileName, header, count, dataBytes)
            : ReadKnownLength(stream, fileName, header, count, dataBytes);

        if (available is null && stream.ReadByte() >= 0)
        {
            throw LengthMismatch(fileName, header, dataBytes, null);
        }

        Postprocess(data, header);
        return new Tensor(data, header.Shape);
    }

    /// <summary>Writes a tensor as numpy.save would: version 1.0, little-endian, C order, 64-byte aligned data.</summary>
    /// <param name="stream">The stream to write to.</param>
    /// <param name="tensor">The array; its <see cref="Tensor.Name"/> is not stored (a .npy holds no name).</param>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        stream.Write(BuildHeader(tensor.DType, tensor.Shape));

        int itemSize = tensor.DType.ItemSize();
        long total = (long)tensor.Length * itemSize;
        (Array array, int origin) = tensor.InPlace(); // a view is written from its window, not copied first
        byte[]? swapBuffer = BitConverter.IsLittleEndian || itemSize == 1 ? null : new byte[(int)Math.Min(total, ChunkBytes)];
        for (long offset = 0; offset < total; offset += ChunkBytes)
        {
            int n = (int)Math.Min(ChunkBytes, total - offset);
            Span<byte> chunk = RawBytes(array, ((long)origin * itemSize) + offset, n);
            if (swapBuffer is null)
            {
                stream.Write(chunk);
            }
            else
            {
                // NumPy files are little-endian; a big-endian machine swaps a copy, never the tensor itself.
                chunk.CopyTo(swapBuffer);
                SwapBytes(swapBuffer.AsSpan(0, n), itemSize);
                stream.Write(swapBuffer, 0, n);
            }
        }
    }

    /// <summary>The preamble and header numpy.save writes for a C-order little-endian array of this dtype and shape.</summary>
    internal static byte[] BuildHeader(DType dtype, IReadOnlyList<int> shape)
    {
        var text = new StringBuilder();
        text.Append("{'descr': '").Append(NpyHeader.Descr(dtype)).Append("', 'fortran_order': False, 'shape': ")
            .Append(Tensor.FormatShape(shape)).Append(", }");
        if (shape.Count > 0)
        {
            text.Append(' ', GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length);
        }

        // Version 1.0 has a 2-byte length; 2.0 a 4-byte one. Padding is 1..64 spaces (64 when already aligned), as NumPy does.
        int lengthBytes = 2;
        int pad = ArrayAlign - ((Magic.Length + 2 + lengthBytes + text.Length + 1) % ArrayAlign);
        if (text.Length + pad + 1 > ushort.MaxValue)
        {
            lengthBytes = 4;
            pad = ArrayAlign - ((Magic.Length + 2 + lengthBytes + text.Length + 1) % ArrayAlign);
        }

        text.Append(' ', pad).Append('\n');
        int headerLength = text.Length;
        byte[] result = new byte[Magic.Length + 2 + lengthBytes + headerLength];
        Magic.CopyTo(result);
        result[6] = (byte)(lengthBytes == 2 ? 1 : 2);
        result[7] = 0;
        if (lengthBytes == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)headerLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)headerLength);
        }

        Encoding.ASCII.GetBytes(text.ToString(), result.AsSpan(8 + lengthBytes));
        return result;
    }

    private static NpyHeader ReadHeader(Stream stream, string? fileName, out int headerBytes)
    {
        Span<byte> preamble = stackalloc byte[12];
        int got = ReadFully(stream, preamble[..8]);
        if (got == 0)
        {
            throw NotNumpy(fileName, "it is empty");
        }

        int magicPart = Math.Min(got, Magic.Length);
        if (!preamble[..magicPart].SequenceEqual(Magic[..magicPart]))
        {
            throw NotNumpy(fileName, "it does not start with NumPy's magic bytes \\x93NUMPY");
        }

        if (got < 8)
        {
            throw TruncatedHeader(fileName, "the file ends inside the magic bytes and version");
        }

        byte major = preamble[6], minor = preamble[7];
        if (minor != 0 || major is < 1 or > 3)
        {
            throw new DataFormatException("NpyUnsupportedVersion", DataErrorKind.InvalidType, fileName,
                string.Create(CultureInfo.InvariantCulture,
                    $"it is .npy format version {major}.{minor}; PSRnn reads versions 1.0, 2.0 and 3.0. Save it again with numpy.save."));
        }

        int lengthBytes = major == 1 ? 2 : 4;
        if (ReadFully(stream, preamble.Slice(8, lengthBytes)) < lengthBytes)
        {
            throw TruncatedHeader(fileName, "the file ends inside the header length");
        }

        uint length = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);

        // Version 3.0 is UTF-8: up to 4 bytes a character. The exact character count is checked after decoding.
        long maxBytes = major == 3 ? 4L * MaxHeaderSize : MaxHeaderSize;
        if (length > maxBytes)
        {
            throw HeaderTooLong(fileName, length);
        }

        byte[] raw = new byte[length];
        if (ReadFully(stream, raw) < raw.Length)
        {
            throw TruncatedHeader(fileName, string.Create(CultureInfo.InvariantCulture,
                $"the file ends inside the {length}-byte header"));
        }

        string text;
        if (major == 3)
        {
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw);
            }
            catch (DecoderFallbackException e)
            {
                throw new DataFormatException("NpyMalformedHeader", DataErrorKind.InvalidData, fileName,
                    "its version 3.0 header is not valid UTF-8. Write the file again with numpy.save.", e);
            }

            if (text.Length > MaxHeaderSize)
            {
                throw HeaderTooLong(fileName, text.Length);
            }
        }
        else
        {
            text = Encoding.Latin1.GetString(raw);
        }

        headerBytes = 8 + lengthBytes + raw.Length;
        return NpyHeader.Parse(text, fileName);
    }

    private static Array ReadKnownLength(Stream stream, string? fileName, NpyHeader header, long count, long dataBytes)
    {
        Array data = Array.CreateInstance(header.DType.ElementType(), count);
        for (long offset = 0; offset < dataBytes; offset += ChunkBytes)
        {
            int n = (int)Math.Min(ChunkBytes, dataBytes - offset);
            int got = ReadFully(stream, RawBytes(data, offset, n));
            if (got < n)
            {
                throw TruncatedData(fileName, header, dataBytes, offset + got);
            }
        }

        return data;
    }

    // A stream of unknown length (a pipe, say) only earns the array once its bytes have actually arrived:
    // a tiny stream that declares a huge shape costs at most one chunk.
    private static Array ReadUnknownLength(Stream stream, string? fileName, NpyHeader header, long count, long dataBytes)
    {
        var chunks = new List<byte[]>();
        for (long offset = 0; offset < dataBytes; offset += chunks[^1].Length)
        {
            // Chunks start small and double, so the bytes held never exceed twice what actually arrived.
            int size = Math.Min(ChunkBytes, 1 << Math.Min(16 + chunks.Count, 20));
            byte[] chunk = new byte[(int)Math.Min(size, dataBytes - offset)];
            int got = ReadFully(stream, chunk);
            if (got < chunk.Length)
            {
                throw TruncatedData(fileName, header, dataBytes, offset + got);
            }

            chunks.Add(chunk);
        }

        Array data = Array.CreateInstance(header.DType.ElementType(), count);
        long position = 0;
        foreach (byte[] chunk in chunks)
        {
            chunk.CopyTo(RawBytes(data, position, chunk.Length));
            position += chunk.Length;
        }

        return data;
    }

    private static void Postprocess(Array data, NpyHeader header)
    {
        int itemSize = header.DType.ItemSize();
        long total = (long)data.Length * itemSize;
        if (itemSize > 1 && header.BigEndian == BitConverter.IsLittleEndian)
        {
            for (long offset = 0; offset < total; offset += ChunkBytes)
            {
                SwapBytes(RawBytes(data, offset, (int)Math.Min(ChunkBytes, total - offset)), itemSize);
            }
        }

        if (header.DType == DType.Bool)
        {
            // .NET expects bools to be 0 or 1; NumPy treats any non-zero byte as True.
            for (long offset = 0; offset < total; offset += ChunkBytes)
            {
                Span<byte> bytes = RawBytes(data, offset, (int)Math.Min(ChunkBytes, total - offset));
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = bytes[i] == 0 ? (byte)0 : (byte)1;
                }
            }
        }

        if (header.FortranOrder && header.Shape.Length > 1 && data.Length > 0)
        {
            Array c = Array.CreateInstance(data.GetType().GetElementType()!, data.Length);
            switch (itemSize)
            {
                case 1: FortranToC<byte>(data, c, header.Shape); break;
                case 2: FortranToC<ushort>(data, c, header.Shape); break;
                case 4: FortranToC<uint>(data, c, header.Shape); break;
                default: FortranToC<ulong>(data, c, header.Shape); break;
            }

            c.CopyTo(data, 0);
        }
    }

    // Walks the destination in C order; the source offset in Fortran order moves by the last axis's F-stride.
    private static void FortranToC<T>(Array source, Array destination, int[] shape)
        where T : unmanaged
    {
        Span<T> src = Elements<T>(source);
        Span<T> dst = Elements<T>(destination);
        int rank = shape.Length;
        var fStrides = new long[rank];
        long stride = 1;
        for (int d = 0; d < rank; d++)
        {
            fStrides[d] = stride;
            stride *= shape[d];
        }

        var index = new int[rank];
        int inner = shape[rank - 1];
        long innerStride = fStrides[rank - 1];
        int outer = dst.Length / inner;
        int o = 0;
        for (int block = 0; block < outer; block++)
        {
            long s = 0;
            for (int d = 0; d < rank - 1; d++)
            {
                s += index[d] * fStrides[d];
            }

            for (int i = 0; i < inner; i++, s += innerStride)
            {
                dst[o++] = src[(int)s];
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }
    }

    private static Span<T> Elements<T>(Array array)
        where T : unmanaged =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(array)), array.Length);

    // A window on an array's raw bytes; arrays can exceed 2 GB, so spans are taken piecewise.
    private static Span<byte> RawBytes(Array array, long offset, int length) =>
        MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), (nint)offset), length);

    private static void SwapBytes(Span<byte> bytes, int itemSize)
    {
        switch (itemSize)
        {
            case 2:
                foreach (ref ushort x in MemoryMarshal.Cast<byte, ushort>(bytes))
                {
                    x = BinaryPrimitives.ReverseEndianness(x);
                }

                break;
            case 4:
                foreach (ref uint x in MemoryMarshal.Cast<byte, uint>(bytes))
                {
                    x = BinaryPrimitives.ReverseEndianness(x);
                }

                break;
            case 8:
                foreach (ref ulong x in MemoryMarshal.Cast<byte, ulong>(bytes))
                {
                    x = BinaryPrimitives.ReverseEndianness(x);
                }

                break;
            default:
                break;
        }
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static DataFormatException NotNumpy(string? fileName, string why) =>
        new("NpyNotNumpyFile", DataErrorKind.InvalidData, fileName,
            $"it is not a NumPy .npy file: {why}. Give a file written by numpy.save (or a .npz archive).");

    private static DataFormatException TruncatedHeader(string? fileName, string where) =>
        new("NpyTruncatedHeader", DataErrorKind.InvalidData, fileName,
            $"the .npy file is cut short: {where}. The file was not completely written or copied; write it again.");

    private static DataFormatException HeaderTooLong(string? fileName, long length) =>
        new("NpyHeaderTooLong", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
            $"its header is {length} long, more than the {MaxHeaderSize} NumPy and PSRnn accept as safe to parse. " +
            $"Save the array again with numpy.save; real headers are a few hundred bytes."));

    private static DataFormatException TruncatedData(string? fileName, NpyHeader header, long needed, long present) =>
        new("NpyTruncatedData", DataErrorKind.InvalidData, fileName, string.Create(CultureInfo.InvariantCulture,
            $"its shape {Tensor.FormatShape(header.Shape)} of {header.DType.NumpyName()} needs {needed} bytes of data " +
            $"but the file holds only {present}. The file was cut short; write or copy it again."));

    private static DataFormatException LengthMismatch(string? fileName, NpyHeader header, long needed, long? present) =>
        new("NpyDataLengthMismatch", DataErrorKind.InvalidData, fileName, string.Create(CultureInfo.InvariantCulture,
            $"its shape {Tensor.FormatShape(header.Shape)} of {header.DType.NumpyName()} accounts for {needed} bytes of data " +
            $"but {(present is long p ? p.ToString(CultureInfo.InvariantCulture) : "more")} follow the header. " +
            $"The header and the data do not match; write the file again with numpy.save."));
}
