using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

/// <summary>
/// Issue 12, item 13: a .npy header is a Python literal that NumPy reads with ast.literal_eval, so PSRnn reads what
/// NumPy reads — string escapes, prefixes and adjacent literals, and empty shapes however large their other dimensions.
/// NumPy's verdict on each header: fixtures/npy/check_header_literals.py.
/// </summary>
public sealed class NpyHeaderLiteralTests
{
    [Theory]
    [InlineData(@"{'descr': '\x3cf4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': '\074f4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': '\u003cf4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': '\U0000003cf4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': u'<f4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': r'<f4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': '<' 'f4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': ""<"" 'f4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'\x64escr': '<f4', 'fortran_order': False, 'shape': (2,), }", null)]
    [InlineData(@"{'descr': '\<f4', 'fortran_order': False, 'shape': (2,), }", "NpyUnknownDtype")] // '\<' stays '\<'
    [InlineData(@"{'descr': b'<f4', 'fortran_order': False, 'shape': (2,), }", "NpyUnknownDtype")] // bytes, not str
    [InlineData(@"{'descr': '\x3', 'fortran_order': False, 'shape': (2,), }", "NpyMalformedHeader")]
    [InlineData(@"{'descr': '\U00110000', 'fortran_order': False, 'shape': (2,), }", "NpyMalformedHeader")]
    [InlineData(@"{'descr': '\UC3333333', 'fortran_order': False, 'shape': (2,), }", "NpyMalformedHeader")] // fuzzing: negative as int
    [InlineData(@"{'descr': '<f4' b'', 'fortran_order': False, 'shape': (2,), }", "NpyMalformedHeader")]
    public void ReadsStringLiteralsAsNumpyDoes(string header, string? errorId)
    {
        byte[] bytes = NpyFormatTests.Npy(header, new byte[8]);
        if (errorId is null)
        {
            Tensor t = NpyFormat.Read(new MemoryStream(bytes), "h.npy");
            Assert.Equal(DType.Float32, t.DType);
            Assert.Equal([2], t.Shape);
        }
        else
        {
            Assert.Equal(errorId, Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(bytes), "h.npy")).ErrorId);
        }
    }

    [Fact]
    public void NamedUnicodeEscapesAreRefusedClearly()
    {
        // NumPy accepts '\N{LESS-THAN SIGN}f4' (Python knows every character's name); .NET has no such table.
        byte[] bytes = NpyFormatTests.Npy(@"{'descr': '\N{LESS-THAN SIGN}f4', 'fortran_order': False, 'shape': (2,), }", new byte[8]);
        DataFormatException e = Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(bytes), "h.npy"));
        Assert.Equal("NpyMalformedHeader", e.ErrorId);
        Assert.Contains("named Unicode escape", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(1048576, 1048576, 0)", new[] { 1048576, 1048576, 0 })]
    [InlineData("(0, 2147483647)", new[] { 0, 2147483647 })]
    [InlineData("(2147483647, 2147483647, 0, 5)", new[] { 2147483647, 2147483647, 0, 5 })]
    public void LoadsEmptyArraysWhateverTheirOtherDimensions(string shape, int[] expected)
    {
        foreach (string order in new[] { "False", "True" })
        {
            byte[] bytes = NpyFormatTests.Npy($"{{'descr': '<f4', 'fortran_order': {order}, 'shape': {shape}, }}", []);
            Tensor t = NpyFormat.Read(new MemoryStream(bytes), "empty.npy");
            Assert.Equal(expected, t.Shape);
            Assert.Equal(0, t.Length);
            Assert.Equal("[]", t.Preview); // as NumPy prints it, without walking a million empty rows
        }
    }

    [Fact]
    public void AnEmptyArrayWithADimensionBeyondInt32IsRefusedTruthfully()
    {
        // NumPy loads (0, 10^18) as an empty array; a PSRnn tensor's dimensions are 32-bit, so it is refused, and the
        // message says that this (not an overflow of its zero elements) is the reason.
        byte[] bytes = NpyFormatTests.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1000000000000000000), }", []);
        DataFormatException e = Assert.Throws<DataFormatException>(() => NpyFormat.Read(new MemoryStream(bytes), "wide.npy"));
        Assert.Equal("NpyShapeOverflow", e.ErrorId);
        Assert.Contains("holds no elements (NumPy loads it as an empty array)", e.Message, StringComparison.Ordinal);
        Assert.Contains("2,147,483,647", e.Message, StringComparison.Ordinal);
    }
}
