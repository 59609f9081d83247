using PSRnn.Engine.Data;

namespace PSRnn.Engine.Tests.Data;

public sealed class NumpyRandomStateTests
{
    public static TheoryData<int> RawCases => SplitFixtures.Indices("raw_uint32");

    public static TheoryData<int> IntervalCases => SplitFixtures.Indices("interval");

    public static TheoryData<int> PermutationCases => SplitFixtures.Indices("permutation");

    public static TheoryData<int> ChoiceCases => SplitFixtures.Indices("choice");

    [Fact]
    public void MatchesTheReferenceMt19937()
    {
        // Matsumoto and Nishimura's mt19937ar with init_genrand(5489): 10000th output 4123659995.
        var rng = new NumpyRandomState(5489);
        Assert.Equal(3499211612u, rng.NextUInt32());
        for (int i = 2; i < 10000; i++)
        {
            rng.NextUInt32();
        }

        Assert.Equal(4123659995u, rng.NextUInt32());
    }

    [Theory]
    [MemberData(nameof(RawCases))]
    public void RawOutputsMatchNumpy(int index)
    {
        var c = SplitFixtures.Case("raw_uint32", index);
        var rng = new NumpyRandomState(c.GetProperty("seed").GetUInt32());
        int[] positions = SplitFixtures.Ints(c.GetProperty("positions"));
        uint[] expected = c.GetProperty("values").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        var outputs = new uint[positions.Max() + 1];
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] = rng.NextUInt32();
        }

        Assert.Equal(expected, positions.Select(p => outputs[p]).ToArray());
    }

    [Theory]
    [MemberData(nameof(IntervalCases))]
    public void RandomIntervalMatchesNumpyLegacyBoundedIntegers(int index)
    {
        var c = SplitFixtures.Case("interval", index);
        var rng = new NumpyRandomState(c.GetProperty("seed").GetUInt32());
        ulong max = c.GetProperty("max").GetUInt64();
        ulong[] expected = c.GetProperty("values").EnumerateArray().Select(e => e.GetUInt64()).ToArray();
        ulong[] actual = expected.Select(_ => rng.RandomInterval(max)).ToArray();
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(PermutationCases))]
    public void PermutationMatchesNumpy(int index)
    {
        var c = SplitFixtures.Case("permutation", index);
        var rng = new NumpyRandomState(c.GetProperty("seed").GetUInt32());
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("values")), rng.Permutation(c.GetProperty("n").GetInt32()));
    }

    [Theory]
    [MemberData(nameof(ChoiceCases))]
    public void ChoiceWithoutReplacementMatchesNumpy(int index)
    {
        var c = SplitFixtures.Case("choice", index);
        var rng = new NumpyRandomState(c.GetProperty("seed").GetUInt32());
        int[] actual = rng.ChoiceWithoutReplacement(c.GetProperty("pop").GetInt32(), c.GetProperty("size").GetInt32());
        Assert.Equal(SplitFixtures.Ints(c.GetProperty("values")), actual);
    }

    [Fact]
    public void ShuffleOfARangeEqualsPermutation()
    {
        int[] values = Enumerable.Range(0, 50).ToArray();
        new NumpyRandomState(7).Shuffle(values);
        Assert.Equal(new NumpyRandomState(7).Permutation(50), values);
        Assert.Equal(values, new NumpyRandomState(7).Permutation(Enumerable.Range(0, 50).ToArray()));
    }

    [Fact]
    public void PermutationOfValuesShufflesACopy()
    {
        int[] source = [10, 20, 30, 40, 50];
        int[] shuffled = new NumpyRandomState(3).Permutation(source);
        Assert.Equal([10, 20, 30, 40, 50], source);
        Assert.Equal(source.Order(), shuffled.Order());
        Assert.Equal(new NumpyRandomState(3).Permutation(5).Select(i => source[i]), shuffled);
    }

    [Fact]
    public void IntervalOfZeroDrawsNothing()
    {
        var a = new NumpyRandomState(42);
        var b = new NumpyRandomState(42);
        Assert.Equal(0ul, a.RandomInterval(0));
        Assert.Equal(b.NextUInt32(), a.NextUInt32());
    }

    [Fact]
    public void NextUInt64PutsTheFirstDrawHigh()
    {
        var a = new NumpyRandomState(1);
        var b = new NumpyRandomState(1);
        ulong high = b.NextUInt32();
        ulong low = b.NextUInt32();
        Assert.Equal((high << 32) | low, a.NextUInt64());
    }

    [Fact]
    public void RejectsImpossibleArguments()
    {
        var rng = new NumpyRandomState(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Permutation(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.ChoiceWithoutReplacement(3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.ChoiceWithoutReplacement(3, -1));
    }
}
