using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

public sealed class OneHotTests
{
    public static TheoryData<int> KerasCases => SplitFixtures.Indices("onehot");

    [Theory]
    [MemberData(nameof(KerasCases))]
    public void MatchesKerasToCategorical(int index)
    {
        var c = SplitFixtures.Case("onehot", index);
        Assert.True(DTypeInfo.TryParse(c.GetProperty("dtype").GetString()!, out DType dtype));
        double[] values = c.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var labels = SplitFixtures.MakeTensor(dtype, values, SplitFixtures.Ints(c.GetProperty("shape")));
        var numClasses = c.GetProperty("num_classes");
        int? k = numClasses.ValueKind == System.Text.Json.JsonValueKind.Null ? null : numClasses.GetInt32();

        Tensor encoded = OneHot.Encode(labels, k);

        Assert.Equal(DType.Float32, encoded.DType);
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("out_shape")), encoded.Shape);
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("out")).Select(v => (float)v), encoded.AsSpan<float>().ToArray());
    }

    [Theory]
    [InlineData(new[] { 3, 1 }, new[] { 3, 4 })]
    [InlineData(new[] { 1 }, new[] { 1, 4 })]
    [InlineData(new[] { 2, 1, 1 }, new[] { 2, 1, 4 })]
    [InlineData(new[] { 1, 3 }, new[] { 1, 3, 4 })]
    [InlineData(new int[0], new[] { 4 })]
    public void SqueezesOneTrailingUnitDimensionAsKeras(int[] inputShape, int[] outputShape)
    {
        var labels = Tensor.Zeros(DType.Int32, inputShape);
        Assert.Equal(outputShape, OneHot.Encode(labels, 4).Shape);
    }

    [Fact]
    public void InfersTheClassCountFromTheLargestLabel()
    {
        var encoded = OneHot.Encode(new Tensor(new byte[] { 2, 0 }, 2));
        Assert.Equal([2, 3], encoded.Shape);
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0 }, encoded.AsSpan<float>().ToArray());
    }

    [Fact]
    public void ReadsBoolsAsZeroAndOne()
    {
        var encoded = OneHot.Encode(new Tensor(new[] { true, false }, 2));
        Assert.Equal(new float[] { 0, 1, 1, 0 }, encoded.AsSpan<float>().ToArray());
    }

    [Fact]
    public void EncodesEmptyLabelsWhenTheClassCountIsGiven()
    {
        Assert.Equal([0, 5], OneHot.Encode(Tensor.Zeros(DType.Int64, 0, 1), 5).Shape);
        var error = Assert.Throws<DataFormatException>(() => OneHot.Encode(Tensor.Zeros(DType.Int64, 0)));
        Assert.Equal(OneHot.EmptyLabelsErrorId, error.ErrorId);
    }

    [Fact]
    public void RefusesFractionsAndNamesTheFirstOne()
    {
        var labels = new Tensor(new[] { 1f, 0f, 2.5f, 0.5f }, 2, 2);
        var error = Assert.Throws<DataFormatException>(() => OneHot.Encode(labels, 3));
        Assert.Equal(OneHot.NonIntegerLabelErrorId, error.ErrorId);
        Assert.Equal(DataErrorKind.InvalidData, error.Kind);
        Assert.Contains("2.5", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 0]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void RefusesNaNAndInfinity(double bad, string text)
    {
        var labels = new Tensor(new[] { 0.0, bad }, 2);
        var error = Assert.Throws<DataFormatException>(() => OneHot.Encode(labels));
        Assert.Equal(OneHot.NonIntegerLabelErrorId, error.ErrorId);
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
        Assert.Contains("[1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesNegativeLabels()
    {
        var error = Assert.Throws<DataFormatException>(() => OneHot.Encode(new Tensor(new sbyte[] { 0, 1, -2, -3 }, 4)));
        Assert.Equal(OneHot.LabelOutOfRangeErrorId, error.ErrorId);
        Assert.Contains("-2", error.Message, StringComparison.Ordinal);
        Assert.Contains("[2]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesLabelsAtOrAboveTheClassCount()
    {
        var labels = new Tensor(new long[] { 0, 1, 2, 3, 4, 5 }, 3, 2, 1);
        var error = Assert.Throws<DataFormatException>(() => OneHot.Encode(labels, 3));
        Assert.Equal(OneHot.LabelOutOfRangeErrorId, error.ErrorId);
        Assert.Contains("label 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 1, 0]", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesLabelsBeyondInt64()
    {
        var error = Assert.Throws<DataFormatException>(() => OneHot.Encode(new Tensor(new[] { ulong.MaxValue }, 1), 2));
        Assert.Equal(OneHot.LabelOutOfRangeErrorId, error.ErrorId);
        Assert.Contains(ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesAnOutputTooLargeToHold()
    {
        var error = Assert.Throws<DataFormatException>(() => OneHot.Encode(new Tensor(new[] { 1e12 }, 1)));
        Assert.Equal(OneHot.OutputTooLargeErrorId, error.ErrorId);
        Assert.Equal(DataErrorKind.LimitsExceeded, error.Kind);
    }

    [Fact]
    public void RefusesAClassCountBelowOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHot.Encode(new Tensor(new[] { 0 }, 1), 0));
    }

    [Fact]
    public void ErrorIdsAreStable()
    {
        Assert.Equal("OneHotNonIntegerLabel", OneHot.NonIntegerLabelErrorId);
        Assert.Equal("OneHotLabelOutOfRange", OneHot.LabelOutOfRangeErrorId);
        Assert.Equal("OneHotEmptyLabels", OneHot.EmptyLabelsErrorId);
        Assert.Equal("OneHotOutputTooLarge", OneHot.OutputTooLargeErrorId);
    }
}
