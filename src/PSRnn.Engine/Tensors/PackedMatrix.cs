namespace PSRnn.Engine.Tensors;

/// <summary>
/// A right-hand operand laid out once in <see cref="Gemm"/>'s panel order, for many products with the same B: a
/// recurrent kernel U is multiplied at every time step, so a layer packs it once per batch
/// (<see cref="Gemm.Pack"/>) and every step's product reads contiguous panels instead of U's strided rows — U's rows are
/// 2–8 KB apart, one page each, which the hardware prefetchers do not follow.
/// </summary>
/// <remarks>
/// Layout: for each block of <c>KC</c> rows of op(B), its panels of NR columns (the kernel's width) one after another,
/// each kc×NR, k-major, the last one zero-padded — exactly what the product packs per call, so the results are the
/// same bits. The storage is on the pinned heap (its alignment must not move) and only grows.
/// </remarks>
internal sealed class PackedMatrix
{
    private float[] _storage = [];

    /// <summary>The kernel path the panels were laid out for (the product uses it).</summary>
    internal GemmPath Path { get; private set; }

    /// <summary>Whether B was stored transposed (n×k).</summary>
    internal bool TransB { get; private set; }

    /// <summary>Rows of op(B).</summary>
    internal int K { get; private set; }

    /// <summary>Columns of op(B).</summary>
    internal int N { get; private set; }

    /// <summary>Columns of op(B) rounded up to the kernel's NR: the floats of one packed row of a block.</summary>
    internal int PaddedN { get; private set; }

    /// <summary>Where the first panel starts in <see cref="Storage"/> (a cache-line boundary).</summary>
    internal int Start { get; private set; }

    /// <summary>The pinned storage.</summary>
    internal float[] Storage => _storage;

    /// <summary>Sizes the storage for a k×n operand on <paramref name="path"/> with NR <paramref name="nr"/>.</summary>
    internal unsafe void Prepare(GemmPath path, bool transB, int k, int n, int nr)
    {
        int padded = (n + nr - 1) / nr * nr;
        long needed = ((long)k * padded) + 16;
        if (needed > Array.MaxLength)
        {
            throw new ArgumentException($"A packed {k}×{n} operand needs {needed} floats, more than an array holds.");
        }

        if (_storage.Length < needed)
        {
            _storage = GC.AllocateUninitializedArray<float>((int)needed, pinned: true);
        }

        fixed (float* p = _storage)
        {
            Start = (int)(((((nint)p + 63) & ~(nint)63) - (nint)p) / sizeof(float));
        }

        Path = path;
        TransB = transB;
        K = k;
        N = n;
        PaddedN = padded;
    }
}
