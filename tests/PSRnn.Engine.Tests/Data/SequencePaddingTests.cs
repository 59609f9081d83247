using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

public sealed class SequencePaddingTests
{
    private static Tensor Values(params float[] values) => new(values, values.Length);

    private static readonly Tensor[] Ragged = [Values(1, 2, 3, 4), Values(5, 6), Values(7)];

    // keras.utils.pad_sequences([[1,2,3,4],[5,6],[7]], maxlen=…, padding=…, truncating=…, value=-1, dtype='float32')
    [Theory]
    [InlineData(null, SequenceSide.Pre, SequenceSide.Pre, new float[] { 1, 2, 3, 4, -1, -1, 5, 6, -1, -1, -1, 7 })]
    [InlineData(null, SequenceSide.Post, SequenceSide.Pre, new float[] { 1, 2, 3, 4, 5, 6, -1, -1, 7, -1, -1, -1 })]
    [InlineData(3, SequenceSide.Pre, SequenceSide.Pre, new float[] { 2, 3, 4, -1, 5, 6, -1, -1, 7 })]
    [InlineData(3, SequenceSide.Pre, SequenceSide.Post, new float[] { 1, 2, 3, -1, 5, 6, -1, -1, 7 })]
    [InlineData(3, SequenceSide.Post, SequenceSide.Post, new float[] { 1, 2, 3, 5, 6, -1, 7, -1, -1 })]
    [InlineData(1, SequenceSide.Post, SequenceSide.Pre, new float[] { 4, 6, 7 })]
    public void PadsAndTruncatesAsKeras(int? maxLength, SequenceSide padding, SequenceSide truncating, float[] expected)
    {
        PaddedSequences p = SequencePadding.Pad(Ragged, maxLength, padding, truncating, -1f);
        Assert.Equal(new[] { 3, expected.Length / 3, 1 }, p.X.Shape);
        Assert.Equal(DType.Float32, p.X.DType);
        Assert.Equal(expected, p.X.AsSpan<float>().ToArray());
        Assert.Equal(Ragged.Select(s => Math.Min(s.Length, p.Length)), p.Lengths);
    }

    [Fact]
    public void PadsRowsAndEmptySamples()
    {
        var rows = new Tensor(new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        var empty = new Tensor(Array.Empty<float>(), 0, 2);
        PaddedSequences p = SequencePadding.Pad([empty, rows, new Tensor(new int[] { 7, 8 }, 1, 2)], 2, SequenceSide.Post, SequenceSide.Pre);
        Assert.Equal(new[] { 3, 2, 2 }, p.X.Shape);
        Assert.Equal(new float[] { 0, 0, 0, 0, 3, 4, 5, 6, 7, 8, 0, 0 }, p.X.AsSpan<float>().ToArray());
        Assert.Equal(new[] { 0, 2, 1 }, p.Lengths);
    }

    [Fact]
    public void SplitsABatchIntoItsRows()
    {
        var batch = new Tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3, 1);
        IReadOnlyList<object?> rows = SequencePadding.SplitBatch(batch);
        Assert.Equal(2, rows.Count);
        Assert.Equal(new[] { 3, 1 }, ((Tensor)rows[1]!).Shape);
        Assert.Equal(batch.AsSpan<float>().ToArray(), SequencePadding.Pad(rows).X.AsSpan<float>().ToArray());
    }

    [Fact]
    public void ReadsNestedLists()
    {
        PaddedSequences p = SequencePadding.Pad([new List<object?> { new object[] { 1, 2.5 }, new object[] { 3L, true } }, Array.Empty<object>()]);
        Assert.Equal(new[] { 2, 2, 2 }, p.X.Shape);
        Assert.Equal(new float[] { 1, 2.5f, 3, 1, 0, 0, 0, 0 }, p.X.AsSpan<float>().ToArray());
    }

    [Fact]
    public void CountsRoundedWholeNumbers()
    {
        PaddedSequences p = SequencePadding.Pad([new object[] { 16777217L, 16777216L, 0.1 }, new long[] { 16777219 }, new double[] { 33554435.0 }]);
        Assert.Equal(3, p.RoundedValues);
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void RefusesBadInputWithStableIds(object?[] samples, int? maxLength, string errorId, string message)
    {
        DataFormatException e = Assert.Throws<DataFormatException>(() => SequencePadding.Pad(samples, maxLength));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<object?[], int?, string, string> BadInputs() => new()
    {
        { [], null, SequencePadding.EmptyErrorId, "no sequences" },
        { [new float[] { 1 }, new float[,] { { 1, 2 } }], null, SequencePadding.FeatureMismatchErrorId, "Sample 1 has 2 features per step, but sample 0 has 1" },
        { [new object[] { new object[] { 1, 2 }, new object[] { 3 } }], null, SequencePadding.FeatureMismatchErrorId, "Sample 0, step 1" },
        { [new float[] { 1 }, 5], null, SequencePadding.SampleShapeErrorId, "Sample 1 is a single number (5)" },
        { [new float[2, 2, 2]], null, SequencePadding.SampleShapeErrorId, "Sample 0 has shape (2, 2, 2)" },
        { [new object[] { 1, "x" }], null, SequencePadding.NotNumericErrorId, "Sample 0, step 1 is the text 'x'" },
        { [new object?[] { null }], null, SequencePadding.NotNumericErrorId, "Sample 0, step 0 is null" },
        { [new float[] { 1 }], 0, SequencePadding.MaxLengthErrorId, "maximum length is 0" },
        { [new float[] { 1 }, new float[] { 2 }], int.MaxValue, SequencePadding.TooLargeErrorId, "more than one array can hold" },
    };
}
