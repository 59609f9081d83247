using System.Globalization;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// The copies behind <see cref="Tensor.Slice"/>, <see cref="Tensor.Take"/> and <see cref="Tensor.Concatenate"/>: every
/// result is C-ordered, so each is a loop over the outer positions with one <see cref="Array.Copy(Array, int, Array, int, int)"/>
/// of the longest contiguous run (whole trailing axes), never an element at a time where a block will do. A slice that is
/// a single run is no copy at all but a view (<see cref="Tensor.Window"/>). Sources are read in place, views included.
/// </summary>
internal static class TensorCopy
{
    /// <summary>NumPy's basic indexing: <paramref name="ranges"/> over the leading axes, the rest whole.</summary>
    public static Tensor Slice(Tensor source, IReadOnlyList<TensorRange> ranges)
    {
        int[] shape = source.Shape;
        int rank = shape.Length;
        TensorRange[] full = Expand(ranges, rank);
        var first = new int[rank];
        var step = new int[rank];
        var count = new int[rank];
        var outShape = new List<int>(rank);
        for (int d = 0; d < rank; d++)
        {
            (first[d], step[d], count[d]) = full[d].Resolve(shape[d], d);
            if (!full[d].IsSingle)
            {
                outShape.Add(count[d]);
            }
        }

        var strides = Strides(shape);
        long total = 1;
        foreach (int c in count)
        {
            total *= c;
        }

        if (total == 0)
        {
            return new Tensor(Array.CreateInstance(source.DType.ElementType(), 0), [.. outShape]) { Name = source.Name };
        }

        // The run: the trailing axes taken whole, times the last partial axis when its step is 1.
        int inner = rank;
        int run = 1;
        while (inner > 0 && step[inner - 1] == 1 && first[inner - 1] == 0 && count[inner - 1] == shape[inner - 1] && !full[inner - 1].IsSingle)
        {
            inner--;
            run *= shape[inner];
        }

        if (inner > 0 && step[inner - 1] == 1)
        {
            inner--;
            run *= count[inner];
        }

        // One run (every outer axis at a single position): the result is that block of the source, shared as NumPy's view.
        long runs = 1;
        for (int d = 0; d < inner; d++)
        {
            runs *= count[d];
        }

        if (runs == 1)
        {
            return source.Window(RunStart(first, strides, inner), [.. outShape]);
        }

        Array result = Array.CreateInstance(source.DType.ElementType(), total);
        (Array from, int origin) = source.InPlace();
        CopyRuns(from, origin, result, first, step, count, strides, inner, run);
        return new Tensor(result, [.. outShape]) { Name = source.Name };
    }

    /// <summary>The positions <paramref name="indices"/> (negative from the end, repeats allowed) along <paramref name="axis"/>.</summary>
    public static Tensor Take(Tensor source, ReadOnlySpan<int> indices, int axis)
    {
        int[] shape = source.Shape;
        int a = Axis(axis, shape.Length);
        int size = shape[a];
        long outer = Product(shape, 0, a), inner = Product(shape, a + 1, shape.Length);
        var resolved = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k] < 0 ? indices[k] + size : indices[k];
            if ((uint)i >= (uint)size)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), string.Create(CultureInfo.InvariantCulture,
                    $"Index {indices[k]} (position {k} of the list) is out of range for axis {a} with size {size}."));
            }

            resolved[k] = i;
        }

        shape[a] = indices.Length;
        long total = Tensor.ElementCount(shape);
        Array result = Array.CreateInstance(source.DType.ElementType(), total);
        int block = checked((int)inner);
        (Array from, int origin) = source.InPlace();
        for (long o = 0; o < outer; o++)
        {
            for (int k = 0; k < resolved.Length; k++)
            {
                Array.Copy(from, origin + (((o * size) + resolved[k]) * inner), result, ((o * resolved.Length) + k) * inner, block);
            }
        }

        return new Tensor(result, shape) { Name = source.Name };
    }

    /// <summary>NumPy's concatenate: the same dtype, the same shape but along <paramref name="axis"/>.</summary>
    public static Tensor Concatenate(IReadOnlyList<Tensor> tensors, int axis)
    {
        if (tensors.Count == 0)
        {
            throw new ArgumentException("Concatenation needs at least one tensor.", nameof(tensors));
        }

        Tensor head = tensors[0];
        if (head.Rank == 0)
        {
            throw new ArgumentException("A 0-d tensor (a scalar) cannot be concatenated; reshape it to (1) first.", nameof(tensors));
        }

        int[] shape = head.Shape;
        int a = Axis(axis, shape.Length);
        long along = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            Tensor t = tensors[i];
            if (t.DType != head.DType)
            {
                throw new ArrayTypeMismatchException(string.Create(CultureInfo.InvariantCulture,
                    $"Tensor {i} is {t.DType.NumpyName()} and tensor 0 {head.DType.NumpyName()}; convert them to one dtype first (ConvertTo-RnnTensor -DType)."));
            }

            bool fits = t.Rank == shape.Length;
            for (int d = 0; fits && d < shape.Length; d++)
            {
                fits = d == a || t.Dim(d) == shape[d];
            }

            if (!fits)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Tensor {i} has shape {t.ShapeText} and tensor 0 {head.ShapeText}: all dimensions but axis {a} must match."), nameof(tensors));
            }

            along += t.Dim(a);
        }

        shape[a] = checked((int)along);
        long outer = Product(shape, 0, a), inner = Product(shape, a + 1, shape.Length);
        Array result = Array.CreateInstance(head.DType.ElementType(), Tensor.ElementCount(shape));
        long offset = 0;
        for (long o = 0; o < outer; o++)
        {
            foreach (Tensor t in tensors)
            {
                int block = checked((int)(t.Dim(a) * inner));
                (Array from, int origin) = t.InPlace();
                Array.Copy(from, origin + (o * block), result, offset, block);
                offset += block;
            }
        }

        return new Tensor(result, shape) { Name = head.Name };
    }

    /// <summary>An axis, negative from the end, checked against the rank.</summary>
    public static int Axis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), string.Create(CultureInfo.InvariantCulture,
                $"Axis {axis} is out of range for a tensor of rank {rank}."));
        }

        return a;
    }

    // The ranges for every axis: '...' (at most one) becomes the whole axes the others leave, and axes not given are whole.
    private static TensorRange[] Expand(IReadOnlyList<TensorRange> ranges, int rank)
    {
        int ellipses = ranges.Count(r => r.IsEllipsis);
        if (ellipses > 1)
        {
            throw new ArgumentException("An index can hold one '...', not several.", nameof(ranges));
        }

        int given = ranges.Count - ellipses;
        if (given > rank)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{given} indices for a tensor of rank {rank}."), nameof(ranges));
        }

        var full = new TensorRange[rank];
        int d = 0;
        foreach (TensorRange r in ranges)
        {
            if (r.IsEllipsis)
            {
                for (int k = 0; k < rank - given; k++)
                {
                    full[d++] = TensorRange.All;
                }
            }
            else
            {
                full[d++] = r;
            }
        }

        while (d < rank)
        {
            full[d++] = TensorRange.All;
        }

        return full;
    }

    // Walks the positions of axes [0, inner) as an odometer, copying one run of `run` elements at each.
    // `origin` is where the source tensor's element 0 sits in its backing array.
    private static void CopyRuns(Array source, int origin, Array result, int[] first, int[] step, int[] count, long[] strides, int inner, int run)
    {
        var at = new int[inner];
        long offset = 0;
        long src = origin + RunStart(first, strides, inner);

        while (true)
        {
            Array.Copy(source, src, result, offset, run);
            offset += run;
            int d = inner - 1;
            for (; d >= 0; d--)
            {
                src += step[d] * strides[d];
                if (++at[d] < count[d])
                {
                    break;
                }

                src -= (long)count[d] * step[d] * strides[d];
                at[d] = 0;
            }

            if (d < 0)
            {
                return;
            }
        }
    }

    // The flat position of the first run's first element: the first position of every outer axis and of the run's axis.
    private static long RunStart(int[] first, long[] strides, int inner)
    {
        long src = 0;
        for (int d = 0; d < inner; d++)
        {
            src += first[d] * strides[d];
        }

        if (inner < first.Length)
        {
            src += first[inner] * strides[inner];
        }

        return src;
    }

    private static long[] Strides(int[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= Math.Max(shape[d], 1);
        }

        return strides;
    }

    private static long Product(int[] shape, int from, int to)
    {
        long p = 1;
        for (int d = from; d < to; d++)
        {
            p *= shape[d];
        }

        return p;
    }
}
