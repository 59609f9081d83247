using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Data;

public sealed class DatasetSplitterTests
{
    public static TheoryData<int> SplitCases => SplitFixtures.Indices("split");

    public static TheoryData<int> ErrorCases => SplitFixtures.Indices("split_errors");

    public static TheoryData<int> StratifyTensorCases => SplitFixtures.Indices("split_stratify_tensor");

    public static TheoryData<int> ModeCases => SplitFixtures.Indices("approximate_mode");

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void SplitMatchesScikitLearnIndexForIndex(int index)
    {
        var c = SplitFixtures.Case("split", index);
        SplitIndices split = SplitLike(c);
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("train")), split.Train);
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("test")), split.Test);
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void RefusesWhatScikitLearnRefuses(int index)
    {
        var c = SplitFixtures.Case("split_errors", index);
        var error = Assert.Throws<DataFormatException>(() => SplitLike(c));
        Assert.Equal(c.GetProperty("error_id").GetString(), error.ErrorId);
        Assert.Equal(DataErrorKind.InvalidData, error.Kind);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [MemberData(nameof(ModeCases))]
    public void ApproximateModeMatchesScikitLearn(int index)
    {
        var c = SplitFixtures.Case("approximate_mode", index);
        var rng = new NumpyRandomState(c.GetProperty("seed").GetUInt32());
        int[] result = DatasetSplitter.ApproximateMode(
            SplitFixtures.Ints(c.GetProperty("class_counts")), c.GetProperty("n_draws").GetInt32(), rng);
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("result")), result);
    }

    [Theory]
    [MemberData(nameof(StratifyTensorCases))]
    public void StratifyingByTargetsMatchesScikitLearn(int index)
    {
        var c = SplitFixtures.Case("split_stratify_tensor", index);
        Assert.True(DTypeInfo.TryParse(c.GetProperty("dtype").GetString()!, out DType dtype));
        double[] values = c.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Tensor y = SplitFixtures.MakeTensor(dtype, values, SplitFixtures.Ints(c.GetProperty("shape")));

        int[] labels = DatasetSplitter.StratifyLabels(y);
        var split = DatasetSplitter.Split(y.Dim(0), c.GetProperty("test_size").GetDouble(), null,
            c.GetProperty("seed").GetInt64(), true, labels);

        Assert.Equal(SplitFixtures.Ints(c.GetProperty("train")), split.Train);
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("test")), split.Test);
    }

    [Fact]
    public void StratifyLabelsOrderTwoDimensionalClassesAsText()
    {
        // sklearn sorts (N, 1) labels as strings: "-1" < "10" < "100" < "9".
        var y = new Tensor(new long[] { 9, 10, 100, -1, 9 }, 5, 1);
        Assert.Equal([3, 1, 2, 0, 3], DatasetSplitter.StratifyLabels(y));
        Assert.Equal([1, 2, 3, 0, 1], DatasetSplitter.StratifyLabels(y.Reshape(5)));
    }

    [Fact]
    public void StratifyLabelsRefuseWhatCannotBeOrderedLikeScikitLearn()
    {
        Assert.Equal(DatasetSplitter.StratifyUnsupportedLabelsErrorId, Assert.Throws<DataFormatException>(
            () => DatasetSplitter.StratifyLabels(Tensor.Zeros(DType.Int32, 2, 2, 2))).ErrorId);
        Assert.Equal(DatasetSplitter.StratifyUnsupportedLabelsErrorId, Assert.Throws<DataFormatException>(
            () => DatasetSplitter.StratifyLabels(new Tensor(new[] { 0f, float.NaN }, 2))).ErrorId);
        var fraction = Assert.Throws<DataFormatException>(
            () => DatasetSplitter.StratifyLabels(new Tensor(new[] { 0.0, 0.5 }, 1, 2)));
        Assert.Equal(DatasetSplitter.StratifyUnsupportedLabelsErrorId, fraction.ErrorId);
        Assert.Contains("[0, 1]", fraction.Message, StringComparison.Ordinal);
        Assert.Equal(DatasetSplitter.ScalarInputErrorId, Assert.Throws<DataFormatException>(
            () => DatasetSplitter.StratifyLabels(new Tensor(new[] { 1 }))).ErrorId);
    }

    [Fact]
    public void SameSeedGivesTheSameSplit()
    {
        int[] labels = Enumerable.Range(0, 200).Select(i => i % 7).ToArray();
        var a = DatasetSplitter.Split(200, 0.2, null, 42, true, labels);
        var b = DatasetSplitter.Split(200, 0.2, null, 42, true, labels);
        var other = DatasetSplitter.Split(200, 0.2, null, 43, true, labels);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Test, other.Test);
    }

    [Fact]
    public void WithoutASeedTheSplitIsStillAPartition()
    {
        var split = DatasetSplitter.Split(101, 0.3, null, null, true, null);
        Assert.Equal(31, split.Test.Length);
        Assert.Equal(70, split.Train.Length);
        Assert.Equal(Enumerable.Range(0, 101), split.Train.Concat(split.Test).Order());
    }

    [Fact]
    public void TestCountOverridesTheFraction()
    {
        var split = DatasetSplitter.Split(10, 0.9, 3, 0, false, null);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], split.Train);
        Assert.Equal([7, 8, 9], split.Test);
    }

    [Fact]
    public void StratifiedSplitKeepsProportions()
    {
        int[] labels = Enumerable.Range(0, 1000).Select(i => i % 10 < 7 ? 0 : 1).ToArray();
        var split = DatasetSplitter.Split(1000, 0.2, null, 5, true, labels);
        Assert.Equal(140, split.Test.Count(i => labels[i] == 0));
        Assert.Equal(60, split.Test.Count(i => labels[i] == 1));
        Assert.Equal(Enumerable.Range(0, 1000), split.Train.Concat(split.Test).Order());
    }

    [Fact]
    public void TensorOverloadChecksRowCounts()
    {
        var x = Tensor.Zeros(DType.Float32, 10, 4, 3);
        var y = Tensor.Zeros(DType.Int64, 10);
        var split = DatasetSplitter.Split(x, y, 0.2, null, 42, true, null);
        Assert.Equal(DatasetSplitter.Split(10, 0.2, null, 42, true, null), split, SplitComparer.Instance);

        var mismatch = Assert.Throws<DataFormatException>(
            () => DatasetSplitter.Split(x, Tensor.Zeros(DType.Int64, 9, 1), 0.2, null, 42, true, null));
        Assert.Equal(DatasetSplitter.LengthMismatchErrorId, mismatch.ErrorId);
        Assert.Contains("(10, 4, 3)", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("(9, 1)", mismatch.Message, StringComparison.Ordinal);

        var scalar = Assert.Throws<DataFormatException>(
            () => DatasetSplitter.Split(new Tensor(new float[] { 1 }), null, 0.2, null, 42, true, null));
        Assert.Equal(DatasetSplitter.ScalarInputErrorId, scalar.ErrorId);
    }

    [Fact]
    public void ErrorIdsAreStable()
    {
        Assert.Equal("SplitEmptySide", DatasetSplitter.EmptySideErrorId);
        Assert.Equal("SplitInvalidTestFraction", DatasetSplitter.InvalidTestFractionErrorId);
        Assert.Equal("SplitInvalidSeed", DatasetSplitter.InvalidSeedErrorId);
        Assert.Equal("SplitLengthMismatch", DatasetSplitter.LengthMismatchErrorId);
        Assert.Equal("SplitStratifyTooFewMembers", DatasetSplitter.StratifyTooFewMembersErrorId);
        Assert.Equal("SplitStratifyTooManyClasses", DatasetSplitter.StratifyTooManyClassesErrorId);
        Assert.Equal("SplitStratifyWithoutShuffle", DatasetSplitter.StratifyWithoutShuffleErrorId);
        Assert.Equal("SplitScalarInput", DatasetSplitter.ScalarInputErrorId);
        Assert.Equal("SplitStratifyUnsupportedLabels", DatasetSplitter.StratifyUnsupportedLabelsErrorId);
    }

    [Fact]
    public void FurtherErrorCases()
    {
        Assert.Equal(DatasetSplitter.InvalidTestFractionErrorId,
            Assert.Throws<DataFormatException>(() => DatasetSplitter.Split(10, double.NaN, null, 0, true, null)).ErrorId);
        Assert.Equal(DatasetSplitter.EmptySideErrorId,
            Assert.Throws<DataFormatException>(() => DatasetSplitter.Split(0, 0.2, null, 0, true, null)).ErrorId);
        Assert.Equal(DatasetSplitter.LengthMismatchErrorId,
            Assert.Throws<DataFormatException>(() => DatasetSplitter.Split(4, 0.5, null, 0, false, [0, 1, 0])).ErrorId);
        // Classes 9 and 0 have one member each; the message names the first in sorted order.
        var few = Assert.Throws<DataFormatException>(() => DatasetSplitter.Split(6, 0.5, null, 0, true, [3, 3, 9, 4, 4, 0]));
        Assert.Equal(DatasetSplitter.StratifyTooFewMembersErrorId, few.ErrorId);
        Assert.Contains("Class 0 ", few.Message, StringComparison.Ordinal);
        Assert.Equal(DatasetSplitter.InvalidSeedErrorId,
            Assert.Throws<DataFormatException>(() => DatasetSplitter.Split(10, 0.2, null, -5, true, null)).ErrorId);
    }

    [Fact]
    public void TakeCopiesRowsOfAOneDimensionalTensor()
    {
        var source = new Tensor(new long[] { 10, 11, 12, 13, 14 }, 5);
        Tensor taken = DatasetSplitter.Take(source, [4, 0, 0, 2]);
        Assert.Equal(DType.Int64, taken.DType);
        Assert.Equal([4], taken.Shape);
        Assert.Equal(new long[] { 14, 10, 10, 12 }, taken.AsSpan<long>().ToArray());
    }

    [Fact]
    public void TakeCopiesRowsOfAThreeDimensionalTensor()
    {
        float[] data = Enumerable.Range(0, 4 * 3 * 2).Select(i => (float)i).ToArray();
        var source = new Tensor(data, 4, 3, 2);
        Tensor taken = DatasetSplitter.Take(source, [3, 1]);
        Assert.Equal([2, 3, 2], taken.Shape);
        Assert.Equal(data[18..24].Concat(data[6..12]), taken.AsSpan<float>().ToArray());

        // A copy, not a view: changing the result leaves the source alone.
        taken.AsSpan<float>()[0] = -1;
        Assert.Equal(18f, source[3, 0, 0]);
    }

    [Fact]
    public void TakeWorksForEveryDType()
    {
        foreach (DType dtype in Enum.GetValues<DType>())
        {
            var source = Tensor.Zeros(dtype, 3, 2);
            source.SetValue(dtype == DType.Bool ? true : 1, 2, 1);
            Tensor taken = DatasetSplitter.Take(source, [2, 0]);
            Assert.Equal(dtype, taken.DType);
            Assert.Equal([2, 2], taken.Shape);
            Assert.Equal(source[2, 1], taken[0, 1]);
            Assert.Equal(source[0, 1], taken[1, 1]);
        }
    }

    [Fact]
    public void TakeHandlesEmptyAndInvalidIndices()
    {
        var source = new Tensor(new Half[] { (Half)1, (Half)2, (Half)3, (Half)4 }, 2, 2);
        Tensor empty = DatasetSplitter.Take(source, []);
        Assert.Equal([0, 2], empty.Shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplitter.Take(source, [2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplitter.Take(source, [-1]));
        var scalar = Assert.Throws<DataFormatException>(() => DatasetSplitter.Take(new Tensor(new int[] { 1 }), [0]));
        Assert.Equal(DatasetSplitter.ScalarInputErrorId, scalar.ErrorId);
    }

    [Fact]
    public void SplitThenTakeGivesScikitLearnRows()
    {
        var c = SplitFixtures.Case("split", 0);
        int n = c.GetProperty("n").GetInt32();
        var x = new Tensor(Enumerable.Range(0, n * 2).Select(i => (double)i).ToArray(), n, 2);
        SplitIndices split = SplitLike(c);
        Tensor xTest = DatasetSplitter.Take(x, split.Test);
        int[] expected = SplitFixtures.Ints(c.GetProperty("test"));
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(2.0 * expected[k], xTest[k, 0]);
            Assert.Equal((2.0 * expected[k]) + 1, xTest[k, 1]);
        }
    }

    /// <summary>Calls the splitter with the arguments a fixture case gave train_test_split.</summary>
    private static SplitIndices SplitLike(JsonElement c)
    {
        JsonElement testSize = c.GetProperty("test_size");
        bool isCount = testSize.TryGetInt32(out int count) && !testSize.GetRawText().Contains('.', StringComparison.Ordinal);
        JsonElement seed = c.GetProperty("seed");
        return DatasetSplitter.Split(
            c.GetProperty("n").GetInt32(),
            isCount ? 0.25 : testSize.GetDouble(),
            isCount ? count : null,
            seed.ValueKind == JsonValueKind.Null ? null : seed.GetInt64(),
            c.GetProperty("shuffle").GetBoolean(),
            SplitFixtures.IntsOrNull(c.GetProperty("stratify")));
    }

    private sealed class SplitComparer : IEqualityComparer<SplitIndices>
    {
        public static readonly SplitComparer Instance = new();

        public bool Equals(SplitIndices? x, SplitIndices? y) =>
            x is not null && y is not null && x.Train.SequenceEqual(y.Train) && x.Test.SequenceEqual(y.Test);

        public int GetHashCode(SplitIndices obj) => obj.Train.Length;
    }
}
