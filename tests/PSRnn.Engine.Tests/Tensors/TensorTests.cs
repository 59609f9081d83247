using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Tensors;

public sealed class TensorTests
{
    [Fact]
    public void IndexesInCOrder()
    {
        var t = new Tensor(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        Assert.Equal(6f, t[1, 2]);
        Assert.Equal(4f, t[1, 0]);
        Assert.Equal(3f, t[0, -1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[2, 0]);
    }

    [Fact]
    public void ToArrayKeepsShapeAndValues()
    {
        var t = new Tensor(new long[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        var a = Assert.IsType<long[,]>(t.ToArray());
        Assert.Equal(5L, a[2, 0]);
        Assert.Equal(2L, a[0, 1]);
    }

    [Fact]
    public void FromArrayFlattensRowMajor()
    {
        var t = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(new[] { 2, 3 }, t.Shape);
        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal(new double[] { 1, 2, 3, 4, 5, 6 }, t.AsSpan<double>().ToArray());
    }

    [Fact]
    public void ReshapeInfersOneDimension()
    {
        var t = new Tensor(new int[12], 12).Reshape(3, -1);
        Assert.Equal(new[] { 3, 4 }, t.Shape);
        Assert.Throws<ArgumentException>(() => t.Reshape(5, -1));
        Assert.Throws<ArgumentException>(() => t.Reshape(-1, -1));
    }

    [Theory]
    [InlineData(new[] { -1, 1, 22050 }, 100, "100 is not a multiple of 22050, the product of the other dimensions")]
    [InlineData(new[] { 4, 2 }, 6, "that shape holds 8 elements")]
    [InlineData(new[] { -1, -1 }, 6, "only one dimension can be -1 (inferred)")]
    [InlineData(new[] { -2, 3 }, 6, "dimension -2 is negative (only -1 stands for a dimension to infer)")]
    [InlineData(new[] { 0, -1 }, 6, "the other dimensions hold no elements, so -1 cannot be inferred")]
    [InlineData(new[] { 65536, 65536, 65536 }, 6, "that shape holds more elements than a tensor can")]
    public void ReshapeSaysWhyAShapeDoesNotFit(int[] shape, int count, string problem)
    {
        // The reason alone, for a caller's own message; Reshape says it once, and without .NET's "(Parameter 'shape')".
        Assert.False(Tensor.TryResolveShape(shape, count, out _, out string? reason));
        Assert.Equal(problem, reason);
        var e = Assert.Throws<ArgumentException>(() => new Tensor(new float[count], count).Reshape(shape));
        Assert.Equal($"Cannot reshape {count} elements into {Tensor.FormatShape(shape)}: {problem}.", ExceptionText.Plain(e));
    }

    [Fact]
    public void AZeroDimensionEmptiesAnyShape()
    {
        Assert.True(Tensor.TryResolveShape([65536, 65536, 65536, 0], 0, out int[]? shape, out _));
        Assert.Equal([65536, 65536, 65536, 0], shape);
    }

    [Fact]
    public void SetValueRefusesLossyIntegers()
    {
        var t = Tensor.Zeros(DType.UInt8, 2);
        t[0] = 255;
        Assert.Equal((byte)255, t[0]);
        Assert.Throws<InvalidCastException>(() => t[1] = 256);
        Assert.Throws<InvalidCastException>(() => t[1] = 1.5);
    }

    [Fact]
    public void ToSingleCountsInexactElements()
    {
        var t = new Tensor(new long[] { 1, 16_777_217, -(1L << 40), long.MaxValue }, 4);
        float[] f = t.ToSingleArray(out long inexact);
        Assert.Equal(2, inexact); // 2^24+1 rounds; long.MaxValue rounds to 2^63
        Assert.Equal(1f, f[0]);
        Assert.Equal(-(float)(1L << 40), f[2]);

        var d = new Tensor(new[] { 0.5, 0.1, double.NaN, 1e300 }, 4);
        d.ToSingleArray(out inexact);
        Assert.Equal(2, inexact); // 0.1 rounds; 1e300 overflows to infinity
    }

    [Fact]
    public void UnsignedDataIsNeverReadAsSigned()
    {
        // The CLR lets uint[] pass as int[]: conversions and spans must use the real element type.
        var t = new Tensor(new uint[] { 4_000_000_000, 1 }, 2);
        Assert.Equal(4e9f, t.ToSingleArray(out long inexact)[0]);
        Assert.Equal(0, inexact);
        var bytes = new Tensor(new byte[] { 200 }, 1);
        Assert.Throws<InvalidOperationException>(() => bytes.AsSpan<sbyte>());
        Assert.Equal(200, bytes.AsSpan<byte>()[0]);
        Assert.Equal(200f, bytes.ToSingleArray(out _)[0]);
    }

    [Fact]
    public void ShapeTextFollowsNumpy()
    {
        Assert.Equal("()", new Tensor(new[] { 1.0 }).ShapeText);
        Assert.Equal("(5,)", new Tensor(new int[5], 5).ShapeText);
        Assert.Equal("(2, 0, 3)", Tensor.Zeros(DType.Float32, 2, 0, 3).ShapeText);
    }

    [Fact]
    public void PreviewLooksLikeNumpy()
    {
        Assert.Equal("[[1.  2.5]\n [3.  4. ]]",
            new Tensor(new[] { 1f, 2.5f, 3f, 4f }, 2, 2).Preview);
        Assert.Equal("[ True False]", new Tensor(new[] { true, false }, 2).Preview);
        Assert.Equal("[ 1 -2 30]", new Tensor(new[] { 1, -2, 30 }, 3).Preview);
        Assert.Equal("7", new Tensor(new[] { 7 }).Preview);
        Assert.Equal("[]", Tensor.Zeros(DType.Float32, 0).Preview);
        string big = new Tensor(Enumerable.Range(0, 2000).ToArray(), 2000).Preview;
        Assert.Equal("[   0    1    2 ... 1997 1998 1999]", big);
    }
}
