using System.Text.Json;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Tensors;

/// <summary>Slice, Take and Concatenate against NumPy's answers (fixtures/data22/make_slices.py).</summary>
public sealed class TensorSliceTests
{
    private static readonly FixtureCases Slices = new("data22", "slices.json", "slices");
    private static readonly FixtureCases Takes = new("data22", "slices.json", "takes");
    private static readonly FixtureCases Concats = new("data22", "slices.json", "concats");

    public static TheoryData<string> SliceNames => Slices.Names;

    public static TheoryData<string> TakeNames => Takes.Names;

    public static TheoryData<string> ConcatNames => Concats.Names;

    [Theory]
    [MemberData(nameof(SliceNames))]
    public void SliceIsNumpyBasicIndexing(string name)
    {
        JsonElement c = Slices[name];
        Tensor x = Arange(Ints(c, "shape"), 0);
        TensorRange[] index = [.. c.GetProperty("index").EnumerateArray().Select(p => TensorRange.Parse(p.GetString()!))];
        Expect(c, x.Slice(index));
    }

    [Theory]
    [MemberData(nameof(SliceNames))]
    public void SliceOfAViewIsNumpyBasicIndexingToo(string name)
    {
        // The same cases on a source that is itself a window (rows 1 … n of a larger array, a junk row either side).
        JsonElement c = Slices[name];
        int[] shape = Ints(c, "shape");
        if (shape.Length == 0)
        {
            return;
        }

        int[] larger = [shape[0] + 2, .. shape[1..]];
        long row = Tensor.ElementCount(shape[1..]);
        Tensor x = Arange(larger, -row).Rows(1, shape[0]);
        TensorRange[] index = [.. c.GetProperty("index").EnumerateArray().Select(p => TensorRange.Parse(p.GetString()!))];
        Expect(c, x.Slice(index));
    }

    [Theory]
    [MemberData(nameof(TakeNames))]
    public void TakeIsNumpyTake(string name)
    {
        JsonElement c = Takes[name];
        Tensor x = Arange(Ints(c, "shape"), 0);
        Expect(c, x.Take(Ints(c, "indices"), c.GetProperty("axis").GetInt32()));
    }

    [Theory]
    [MemberData(nameof(ConcatNames))]
    public void ConcatenateIsNumpyConcatenate(string name)
    {
        JsonElement c = Concats[name];
        var parts = new List<Tensor>();
        long start = 0;
        foreach (JsonElement shape in c.GetProperty("shapes").EnumerateArray())
        {
            int[] s = [.. shape.EnumerateArray().Select(v => v.GetInt32())];
            parts.Add(Arange(s, start));
            start += Tensor.ElementCount(s);
        }

        Expect(c, Tensor.Concatenate(parts, c.GetProperty("axis").GetInt32()));
    }

    [Fact]
    public void SliceKeepsTheDtypeAndItsDataIsItsOwn()
    {
        var x = new Tensor(new Half[] { (Half)1, (Half)2, (Half)3, (Half)4 }, 2, 2);
        Tensor row = x.Slice(TensorRange.At(-1));
        Assert.Equal(DType.Float16, row.DType);
        Assert.Same(x.Data, row.BackingArray); // a view until its Data is read
        Assert.Equal([(Half)3, (Half)4], (Half[])row.Data);
        row.Data.SetValue((Half)9, 0);
        Assert.Equal((Half)3, (Half)x.Data.GetValue(2)!);
    }

    [Theory]
    [InlineData("1:2:3:4")]
    [InlineData("::0")]
    [InlineData("a:")]
    [InlineData("")]
    public void ParseRefusesWhatNumpyRefuses(string text) => Assert.Throws<FormatException>(() => TensorRange.Parse(text));

    [Fact]
    public void BadIndicesAreClearErrors()
    {
        Tensor x = Arange([2, 3], 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Slice(TensorRange.At(2)));
        Assert.Throws<ArgumentException>(() => x.Slice(TensorRange.All, TensorRange.All, TensorRange.All));
        Assert.Throws<ArgumentException>(() => x.Slice(TensorRange.Ellipsis, TensorRange.Ellipsis));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Take([3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Take([0], 2));
        Assert.Throws<ArrayTypeMismatchException>(() => Tensor.Concatenate([x, new Tensor(new float[6], 2, 3)]));
        Assert.Throws<ArgumentException>(() => Tensor.Concatenate([x, Arange([2, 2], 0)], 0));
        Assert.Throws<ArgumentException>(() => Tensor.Concatenate([]));
    }

    private static Tensor Arange(int[] shape, long start)
    {
        long n = Tensor.ElementCount(shape);
        var data = new long[n];
        for (long i = 0; i < n; i++)
        {
            data[i] = start + i;
        }

        return new Tensor(data, shape);
    }

    private static int[] Ints(JsonElement c, string property) => [.. c.GetProperty(property).EnumerateArray().Select(v => v.GetInt32())];

    private static void Expect(JsonElement c, Tensor actual)
    {
        Assert.Equal(Ints(c, "resultShape"), actual.Shape);
        long[] expected = [.. c.GetProperty("result").EnumerateArray().Select(v => v.GetInt64())];
        Assert.Equal(expected, actual.AsSpan<long>().ToArray()); // read in place (a view's window)
        Assert.Equal(expected, (long[])actual.Data);
    }
}
