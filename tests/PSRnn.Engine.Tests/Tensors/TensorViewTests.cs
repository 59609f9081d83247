using System.Runtime.InteropServices;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Tensors;

/// <summary>
/// Views: <see cref="Tensor.Rows"/>, one-block <see cref="Tensor.Slice"/> and <see cref="Tensor.Reshape"/> share the source's
/// backing array (asserted by identity and offset); <see cref="Tensor.Data"/> of a window gives the view an array of its
/// own; everything that reads a tensor reads a view as it reads its copy.
/// </summary>
public sealed class TensorViewTests
{
    public static TheoryData<DType, int> DTypesAndRanks
    {
        get
        {
            var data = new TheoryData<DType, int>();
            foreach (DType dtype in Enum.GetValues<DType>())
            {
                for (int rank = 1; rank <= 4; rank++)
                {
                    data.Add(dtype, rank);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(DTypesAndRanks))]
    public void RowsShareTheSourceArray(DType dtype, int rank)
    {
        Tensor x = Filled(dtype, Shape(rank));
        int row = x.Length / x.Dim(0);
        Tensor view = x.Rows(1, 3);

        Assert.Same(x.BackingArray, view.BackingArray);
        Assert.Same(x.Data, view.BackingArray); // the source owns its array whole, so its Data is that array
        Assert.Equal(row, view.Offset);
        Assert.True(view.IsWindow);
        Assert.Equal(dtype, view.DType);
        Assert.Equal([3, .. x.Shape[1..]], view.Shape);
        Assert.Equal(3 * row, view.Length);
        for (int i = 0; i < view.Length; i++)
        {
            Assert.Equal(x.FlatValue(row + i), view.FlatValue(i));
        }

        // Writes go both ways while the memory is shared.
        object a = Value(dtype, 7), b = Value(dtype, 5);
        view.SetValue(a, Index(rank, 0));
        Assert.Equal(a, x.FlatValue(row));
        x.BackingArray.SetValue(b, row + 1);
        Assert.Equal(b, view.FlatValue(1));
    }

    [Theory]
    [MemberData(nameof(DTypesAndRanks))]
    public void DataOfAViewIsItsOwnArrayFromThenOn(DType dtype, int rank)
    {
        Tensor x = Filled(dtype, Shape(rank));
        int row = x.Length / x.Dim(0);
        Tensor view = x.Rows(2, 2);
        Tensor copy = x.Take([2, 3]);

        Array data = view.Data;
        Assert.Equal(view.Length, data.Length);
        Assert.Equal(copy.Data, data);
        Assert.Same(data, view.Data); // once
        Assert.Same(data, view.BackingArray);
        Assert.Equal(0, view.Offset);
        Assert.False(view.IsWindow);

        // Detached: neither side's writes reach the other, and every reader of the view sees its Data.
        object before = x.FlatValue(2 * row);
        data.SetValue(Value(dtype, 1), 0);
        Assert.Equal(before, x.FlatValue(2 * row));
        Assert.Equal(Value(dtype, 1), view.FlatValue(0));
        Assert.Equal(Value(dtype, 1), view.ToArray().Cast<object>().First());
        x.SetValue(Value(dtype, 3), Index(rank, 2));
        Assert.Equal(Value(dtype, 1), view.FlatValue(0));
    }

    [Fact]
    public void ViewsOfViewsAndReshapesStayOnTheFirstArray()
    {
        Tensor x = Filled(DType.Float32, [8, 3, 2]);
        Tensor inner = x.Rows(2, 5).Rows(1, 3);
        Assert.Same(x.BackingArray, inner.BackingArray);
        Assert.Equal(3 * 6, inner.Offset);

        Tensor flat = inner.Reshape(-1);
        Assert.Same(x.BackingArray, flat.BackingArray);
        Assert.Equal(18, flat.Offset);
        Assert.Equal([18], flat.Shape);
        Assert.True(flat.IsWindow);

        Tensor back = flat.Reshape(3, 6).Rows(1, 1).Reshape(2, 3);
        Assert.Same(x.BackingArray, back.BackingArray);
        Assert.Equal(24, back.Offset);
        Assert.Equal(x.Slice(TensorRange.At(4)).AsSpan<float>().ToArray(), back.AsSpan<float>().ToArray());

        // A view of a view read through Data detaches only itself.
        _ = back.Data;
        Assert.Same(x.BackingArray, inner.BackingArray);
        Assert.True(inner.IsWindow);
    }

    [Fact]
    public void RowsAtTheEdges()
    {
        Tensor x = Filled(DType.Int64, [4, 3]);
        Tensor none = x.Rows(4, 0);
        Assert.Equal([0, 3], none.Shape);
        Assert.Equal(0, none.Length);
        Assert.Empty(none.Data);
        Assert.Equal("[]", none.Preview);

        Tensor all = x.Rows(0, 4);
        Assert.Same(x.Data, all.BackingArray);
        Assert.False(all.IsWindow); // the whole array: its Data is the source's array, so writes through it are shared
        Assert.Same(x.Data, all.Data);

        Assert.Throws<ArgumentOutOfRangeException>(() => x.Rows(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Rows(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Rows(5, 0));
        Assert.Throws<InvalidOperationException>(() => new Tensor(new float[1]).Rows(0, 1));
    }

    [Theory]
    [InlineData(new[] { "2" }, true, 24)]
    [InlineData(new[] { "-1" }, true, 60)]
    [InlineData(new[] { "2:5" }, true, 24)]
    [InlineData(new[] { "2:5:1", ":" }, true, 24)]
    [InlineData(new[] { "2:5", ":", ":" }, true, 24)]
    [InlineData(new[] { "1", "1:3" }, true, 15)]
    [InlineData(new[] { "1", "2", "0:2" }, true, 18)]
    [InlineData(new[] { "3:4", "2" }, true, 42)]
    [InlineData(new[] { "2:3:2" }, true, 24)]
    [InlineData(new[] { "...", "1" }, false, 0)]
    [InlineData(new[] { "::2" }, false, 0)]
    [InlineData(new[] { "4:1:-1" }, false, 0)]
    [InlineData(new[] { ":", "1:3" }, false, 0)]
    [InlineData(new[] { "2:5", "0:2" }, false, 0)]
    [InlineData(new[] { "1", ":", "0" }, false, 0)]
    public void OneBlockSlicesAreViewsAndTheRestCopies(string[] index, bool shared, int offset)
    {
        Tensor x = Filled(DType.Float64, [6, 4, 3]);
        TensorRange[] ranges = [.. index.Select(TensorRange.Parse)];
        Tensor slice = x.Slice(ranges);
        Assert.Equal(shared, ReferenceEquals(x.BackingArray, slice.BackingArray));
        if (shared)
        {
            Assert.Equal(offset, slice.Offset);
        }

        // Whatever the kind, the values are the element-by-element copy's.
        Tensor detached = Filled(DType.Float64, [6, 4, 3]).Slice(ranges);
        _ = detached.Data;
        Assert.Equal(detached.Shape, slice.Shape);
        Assert.Equal(detached.AsSpan<double>().ToArray(), slice.AsSpan<double>().ToArray());
    }

    [Theory]
    [MemberData(nameof(DTypesAndRanks))]
    public void EveryReaderSeesAViewAsItsCopy(DType dtype, int rank)
    {
        Tensor x = Filled(dtype, Shape(rank));
        Tensor view = x.Rows(1, 3);
        Tensor copy = view.Clone();
        Assert.False(copy.IsWindow);
        Assert.NotSame(x.BackingArray, copy.BackingArray);

        Assert.Equal(copy.ToString(), view.ToString());
        Assert.Equal(copy.ToArray(), view.ToArray());
        Assert.Equal(copy.ToSingleArray(out long copyInexact), view.ToSingleArray(out long viewInexact));
        Assert.Equal(copyInexact, viewInexact);
        Assert.Equal(Npy(copy), Npy(view));
        Assert.Equal(copy.Take([2, 0]).Data, view.Take([2, 0]).Data);
        Assert.Equal(Tensor.Concatenate([copy, copy]).Data, Tensor.Concatenate([view, x.Rows(1, 3)]).Data);
        DType other = dtype == DType.Float64 ? DType.Float32 : DType.Float64;
        Assert.Equal(copy.AsType(other, out _).Data, view.AsType(other, out _).Data);
        Assert.Equal(copy.AsType(dtype, out _).Data, view.AsType(dtype, out _).Data);
        Assert.Equal(copy.GetValue(Index(rank, 2)), view.GetValue(Index(rank, 2)));

        // None of that gave the view an array of its own.
        Assert.True(view.IsWindow);
        Assert.Same(x.BackingArray, view.BackingArray);
    }

    [Fact]
    public void Float32ViewsAreReadInPlace()
    {
        Tensor x = Filled(DType.Float32, [10, 4, 2]);
        Tensor view = x.Rows(3, 5);
        Assert.True(MemoryMarshal.TryGetArray(view.SinglesToRead(out long inexact), out ArraySegment<float> segment));
        Assert.Equal(0, inexact);
        Assert.Same(x.BackingArray, segment.Array);
        Assert.Equal(24, segment.Offset);
        Assert.Equal(40, segment.Count);

        Assert.True(MemoryMarshal.TryGetArray<float>(view.AsMemory<float>(), out segment));
        Assert.Same(x.BackingArray, segment.Array);
        Assert.Throws<InvalidOperationException>(() => view.AsSpan<double>());
    }

    [Fact]
    public void SplitRowsOfAViewAreItsRows()
    {
        Tensor x = Filled(DType.Int32, [6, 2]);
        Tensor view = x.Rows(2, 3);
        Tensor picked = DatasetSplitter.Take(view, [2, 0]);
        Assert.Equal(new[] { 8, 9, 4, 5 }, (int[])picked.Data);
    }

    private static int[] Shape(int rank) => rank switch
    {
        1 => [6],
        2 => [6, 3],
        3 => [6, 2, 3],
        _ => [6, 2, 1, 3],
    };

    private static int[] Index(int rank, int first)
    {
        var index = new int[rank];
        index[0] = first;
        return index;
    }

    // Distinct small values of the dtype (bool alternates); 0..99 are exact in every dtype, float16 included.
    private static object Value(DType dtype, int i) => ScalarConversion.ToDType(dtype == DType.Bool ? i % 3 == 0 : i % 100, dtype);

    private static Tensor Filled(DType dtype, int[] shape)
    {
        var t = Tensor.Zeros(dtype, shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.BackingArray.SetValue(Value(dtype, i), i);
        }

        return t;
    }

    private static byte[] Npy(Tensor t)
    {
        using var stream = new MemoryStream();
        NpyFormat.Write(stream, t);
        return stream.ToArray();
    }
}
