using System.Globalization;
using System.Numerics;
using PSRnn.Engine.IO;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Data;

/// <summary>What a .npy header says: the element type and byte order, the memory order and the shape.</summary>
internal sealed class NpyHeader
{
    private NpyHeader(DType dtype, bool bigEndian, bool fortranOrder, int[] shape)
    {
        DType = dtype;
        BigEndian = bigEndian;
        FortranOrder = fortranOrder;
        Shape = shape;
    }

    public DType DType { get; }

    /// <summary>True when the data bytes are big-endian (only meaningful for multi-byte types).</summary>
    public bool BigEndian { get; }

    public bool FortranOrder { get; }

    public int[] Shape { get; }

    /// <summary>Parses the header's dict literal and validates it as NumPy's <c>_read_array_header</c> does.</summary>
    public static NpyHeader Parse(string text, string? fileName)
    {
        object literal;
        try
        {
            literal = PythonLiteralParser.Parse(text);
        }
        catch (FormatException e)
        {
            throw Malformed(fileName, $"its header is not a valid Python dictionary literal: {e.Message}.", e);
        }

        if (literal is not PythonDict dict)
        {
            throw Malformed(fileName, "its header is not a dictionary.");
        }

        if (dict.Count != 3 || !dict.TryGetValue("descr", out object? descr)
            || !dict.TryGetValue("fortran_order", out object? fortran) || !dict.TryGetValue("shape", out object? shape))
        {
            throw Malformed(fileName,
                $"its header has the keys [{string.Join(", ", dict.Keys.Select(k => "'" + k + "'"))}] instead of exactly 'descr', 'fortran_order' and 'shape'.");
        }

        if (fortran is not bool fortranOrder)
        {
            throw Malformed(fileName, "its header's 'fortran_order' is not True or False.");
        }

        if (shape is not PythonTuple shapeTuple || shapeTuple.Items.Any(d => d is not BigInteger))
        {
            throw Malformed(fileName, "its header's 'shape' is not a tuple of integers.");
        }

        (DType dtype, bool bigEndian) = ParseDescr(descr, fileName);

        var dims = shapeTuple.Items.Cast<BigInteger>().ToList();
        if (dims.Any(d => d.Sign < 0))
        {
            throw Malformed(fileName, $"its shape {FormatShape(dims)} has a negative dimension.");
        }

        // Check the total size in bytes, not only the element count: both must fit one .NET array.
        BigInteger count = BigInteger.One;
        foreach (BigInteger d in dims)
        {
            count *= d;
        }

        // An empty array holds nothing however large its other dimensions: only a dimension a tensor cannot hold is refused.
        if (count.IsZero && dims.Any(d => d > int.MaxValue))
        {
            BigInteger largest = dims.Max();
            throw new DataFormatException("NpyShapeOverflow", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                $"its shape {FormatShape(dims)} holds no elements (NumPy loads it as an empty array), but its dimension {largest:N0} is " +
                $"larger than a PSRnn tensor's dimensions can be ({int.MaxValue:N0}). Save the empty array with dimensions below that."));
        }

        if (dims.Any(d => d > int.MaxValue) || count > Array.MaxLength || count * dtype.ItemSize() > long.MaxValue)
        {
            BigInteger bytes = count * dtype.ItemSize();
            string memory = bytes <= long.MaxValue ? MemoryBudget.Describe((long)bytes) : bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
            throw new DataFormatException("NpyShapeOverflow", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                $"its shape {FormatShape(dims)} of {dtype.NumpyName()} has {count:N0} elements ({memory} of memory), more than " +
                $"one .NET array can hold ({Array.MaxLength:N0} elements). Split the array into smaller files in Python before loading it."));
        }

        return new NpyHeader(dtype, bigEndian, fortranOrder, dims.Select(d => (int)d).ToArray());
    }

    /// <summary>NumPy's <c>descr</c> string for a dtype as numpy.save writes it: little-endian, '|' for one byte.</summary>
    public static string Descr(DType dtype) => dtype switch
    {
        DType.Bool => "|b1",
        DType.Int8 => "|i1",
        DType.UInt8 => "|u1",
        _ => "<" + Kind(dtype) + dtype.ItemSize().ToString(CultureInfo.InvariantCulture),
    };

    private static char Kind(DType dtype) => dtype switch
    {
        DType.Bool => 'b',
        DType.Int8 or DType.Int16 or DType.Int32 or DType.Int64 => 'i',
        DType.UInt8 or DType.UInt16 or DType.UInt32 or DType.UInt64 => 'u',
        _ => 'f',
    };

    private static (DType DType, bool BigEndian) ParseDescr(object descr, string? fileName)
    {
        if (ContainsObjectType(descr))
        {
            throw new DataFormatException("NpyObjectDtypeRefused", DataErrorKind.SecurityError, fileName,
                $"it holds Python objects (dtype {Describe(descr)}), stored as a pickle. Loading a pickle can run " +
                "arbitrary code, so PSRnn never does. Save the data as a numeric array (e.g. a.astype('float32')) instead.");
        }

        if (descr is string typeString && TryParseTypeString(typeString, out DType dtype, out bool bigEndian))
        {
            return (dtype, bigEndian);
        }

        throw new DataFormatException("NpyUnknownDtype", DataErrorKind.InvalidType, fileName,
            $"its dtype {Describe(descr)} is not one PSRnn reads. Supported are bool, int8-int64, uint8-uint64 and " +
            "float16/32/64 (no complex, string, datetime or structured dtypes); convert the array with astype() in NumPy.");
    }

    private static bool TryParseTypeString(string text, out DType dtype, out bool bigEndian)
    {
        dtype = default;
        bigEndian = false;
        ReadOnlySpan<char> s = text;
        if (s.Length > 0 && s[0] is '<' or '>' or '|' or '=')
        {
            // '=' and no prefix mean this machine's order; '|' means "not applicable" (one-byte types).
            bigEndian = s[0] == '>' || (s[0] == '=' && !BitConverter.IsLittleEndian);
            s = s[1..];
        }
        else
        {
            bigEndian = !BitConverter.IsLittleEndian;
        }

        DType? parsed = s switch
        {
            "?" or "b1" => DType.Bool,
            "i1" => DType.Int8,
            "u1" => DType.UInt8,
            "i2" => DType.Int16,
            "u2" => DType.UInt16,
            "i4" => DType.Int32,
            "u4" => DType.UInt32,
            "i8" => DType.Int64,
            "u8" => DType.UInt64,
            "f2" => DType.Float16,
            "f4" => DType.Float32,
            "f8" => DType.Float64,
            _ => null,
        };
        if (parsed is null)
        {
            return false;
        }

        dtype = parsed.Value;
        return true;
    }

    // An object field anywhere (plain '|O', or a field of a structured dtype) means a pickle follows.
    private static bool ContainsObjectType(object descr) => descr switch
    {
        string s => IsObjectTypeString(s),
        List<object> fields => fields.Any(f => f is PythonTuple t && t.Items.Count >= 2 && ContainsObjectType(t.Items[1])),
        _ => false,
    };

    private static bool IsObjectTypeString(string s)
    {
        ReadOnlySpan<char> rest = s.AsSpan().TrimStart("<>|=");
        return rest.Length > 0 && rest[0] == 'O' && rest[1..].IndexOfAnyExceptInRange('0', '9') < 0;
    }

    private static string Describe(object descr) => descr switch
    {
        string s => "'" + s + "'",
        PythonTuple or List<object> => "(structured)",
        _ => "(" + descr.GetType().Name + ")",
    };

    private static string FormatShape(List<BigInteger> dims) =>
        dims.Count == 1
            ? "(" + dims[0].ToString(CultureInfo.InvariantCulture) + ",)"
            : "(" + string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    private static DataFormatException Malformed(string? fileName, string what, Exception? inner = null) =>
        new("NpyMalformedHeader", DataErrorKind.InvalidData, fileName,
            $"{what} This is not a valid .npy file; write it again with numpy.save.", inner);
}
