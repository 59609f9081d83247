using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

/// <summary>The NumPy-made fixtures in fixtures/npy and their manifest (see make_fixtures.py).</summary>
internal static class NpyFixtures
{
    public static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "npy");

    private static readonly Lazy<JsonDocument> Manifest = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "manifest.json"))));

    public static JsonElement Good(string file) =>
        Manifest.Value.RootElement.GetProperty("good").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);

    public static JsonElement Npz(string file) =>
        Manifest.Value.RootElement.GetProperty("npz").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);

    public static IEnumerable<JsonElement> AllGood => Manifest.Value.RootElement.GetProperty("good").EnumerateArray();

    public static IEnumerable<JsonElement> AllNpz => Manifest.Value.RootElement.GetProperty("npz").EnumerateArray();

    public static IEnumerable<(string File, string Error)> AllBad =>
        Manifest.Value.RootElement.GetProperty("bad").EnumerateArray()
            .Select(e => (e.GetProperty("file").GetString()!, e.GetProperty("error").GetString()!));

    public static string PathOf(string file) => Path.Combine(Dir, file);

    /// <summary>Asserts dtype, shape and every value's bits against a manifest entry.</summary>
    public static void AssertMatches(JsonElement expected, Tensor actual, string context)
    {
        string dtype = expected.GetProperty("dtype").GetString()!;
        Assert.True(dtype == actual.DType.NumpyName(), $"{context}: dtype {actual.DType.NumpyName()}, expected {dtype}");
        int[] shape = expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.True(shape.SequenceEqual(actual.Shape), $"{context}: shape {actual.ShapeText}, expected {Tensor.FormatShape(shape)}");
        ulong[] want = expected.GetProperty("values").EnumerateArray().Select(v => ExpectedBits(dtype, v)).ToArray();
        ulong[] got = Bits(actual);
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(want[i] == got[i], $"{context}: element {i} has bits {got[i]:x}, expected {want[i]:x}");
        }
    }

    /// <summary>Each element as its raw bits (integers sign-extended), for bit-exact comparison.</summary>
    public static ulong[] Bits(Tensor t) => t.Data switch
    {
        bool[] a => a.Select(v => v ? 1UL : 0UL).ToArray(),
        // The CLR lets byte[] pass as sbyte[] (and so on) in type tests: match on the exact element type.
        Array a when a.GetType() == typeof(sbyte[]) => ((sbyte[])a).Select(v => (ulong)(long)v).ToArray(),
        Array a when a.GetType() == typeof(byte[]) => ((byte[])a).Select(v => (ulong)v).ToArray(),
        Array a when a.GetType() == typeof(short[]) => ((short[])a).Select(v => (ulong)(long)v).ToArray(),
        Array a when a.GetType() == typeof(ushort[]) => ((ushort[])a).Select(v => (ulong)v).ToArray(),
        Array a when a.GetType() == typeof(int[]) => ((int[])a).Select(v => (ulong)(long)v).ToArray(),
        Array a when a.GetType() == typeof(uint[]) => ((uint[])a).Select(v => (ulong)v).ToArray(),
        Array a when a.GetType() == typeof(long[]) => ((long[])a).Select(v => (ulong)v).ToArray(),
        Array a when a.GetType() == typeof(ulong[]) => (ulong[])a,
        Half[] a => a.Select(v => (ulong)BitConverter.HalfToUInt16Bits(v)).ToArray(),
        float[] a => a.Select(v => (ulong)BitConverter.SingleToUInt32Bits(v)).ToArray(),
        double[] a => a.Select(BitConverter.DoubleToUInt64Bits).ToArray(),
        _ => throw new InvalidOperationException("unexpected element type"),
    };

    private static ulong ExpectedBits(string dtype, JsonElement v) => dtype switch
    {
        "bool" => v.GetBoolean() ? 1UL : 0UL,
        "float16" or "float32" or "float64" => ulong.Parse(v.GetString()!.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        "uint8" or "uint16" or "uint32" or "uint64" => v.GetUInt64(),
        _ => (ulong)v.GetInt64(),
    };

    /// <summary>A tensor of this dtype and shape with varied values (extremes included for integers).</summary>
    public static Tensor Sample(DType dtype, int[] shape, int seed)
    {
        var t = Tensor.Zeros(dtype, shape);
        var rng = new Random(seed);
        var raw = new byte[t.Length * dtype.ItemSize()];
        rng.NextBytes(raw);
        raw.CopyTo(RawBytes(t));
        if (dtype == DType.Bool)
        {
            Span<bool> b = t.AsSpan<bool>();
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = (raw[i] & 1) != 0;
            }
        }

        return t;
    }

    public static Span<byte> RawBytes(Tensor t) => t.Data switch
    {
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        byte[] a => a,
        short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        uint[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        Half[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw new InvalidOperationException("unexpected element type"),
    };

    /// <summary>The kind each error id must carry.</summary>
    public static readonly IReadOnlyDictionary<string, DataErrorKind> Kinds =
        new Dictionary<string, DataErrorKind>
        {
            ["NpyNotNumpyFile"] = DataErrorKind.InvalidData,
            ["NpyUnsupportedVersion"] = DataErrorKind.InvalidType,
            ["NpyTruncatedHeader"] = DataErrorKind.InvalidData,
            ["NpyHeaderTooLong"] = DataErrorKind.LimitsExceeded,
            ["NpyMalformedHeader"] = DataErrorKind.InvalidData,
            ["NpyObjectDtypeRefused"] = DataErrorKind.SecurityError,
            ["NpyUnknownDtype"] = DataErrorKind.InvalidType,
            ["NpyShapeOverflow"] = DataErrorKind.LimitsExceeded,
            ["NpyTruncatedData"] = DataErrorKind.InvalidData,
            ["NpyDataLengthMismatch"] = DataErrorKind.InvalidData,
            ["NpzCorruptArchive"] = DataErrorKind.InvalidData,
            ["NpzCorruptEntry"] = DataErrorKind.InvalidData,
            ["NpzUnsafeEntryName"] = DataErrorKind.SecurityError,
            ["NpzEntryNotNpy"] = DataErrorKind.InvalidData,
        };
}

/// <summary>A read-only stream that hides its length and cannot seek, like a pipe.</summary>
internal sealed class PipeStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    // Short reads on purpose: readers must loop.
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7919));

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
