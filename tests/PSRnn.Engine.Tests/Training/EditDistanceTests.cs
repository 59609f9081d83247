using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>Levenshtein distances of label sequences and the error rate over a set.</summary>
public sealed class EditDistanceTests
{
    [Theory]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3 }, 0)]
    [InlineData(new[] { 1, 2, 3 }, new int[0], 3)]
    [InlineData(new int[0], new[] { 4, 4 }, 2)]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 1, 3, 4 }, 1)]
    [InlineData(new[] { 1, 3, 4 }, new[] { 1, 2, 3, 4 }, 1)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 5, 3 }, 1)]
    [InlineData(new[] { 11, 9, 20, 20, 9, 14 }, new[] { 19, 9, 20, 20, 9, 14, 7 }, 2)] // kitten → sitting
    [InlineData(new[] { 1, 2 }, new[] { 2, 1 }, 2)]
    public void Levenshtein(int[] reference, int[] hypothesis, int distance)
    {
        Assert.Equal(distance, EditDistance.Between(reference, hypothesis));
        Assert.Equal(distance, EditDistance.Between(hypothesis, reference));
    }

    [Fact]
    public void ErrorRateIsSummedEditsOverSummedReferenceLengths()
    {
        Assert.Equal(3 / 10.0, EditDistance.ErrorRate(3, 10));
        Assert.Equal(0, EditDistance.ErrorRate(0, 0));
        Assert.Equal(2, EditDistance.ErrorRate(2, 0));
    }
}
