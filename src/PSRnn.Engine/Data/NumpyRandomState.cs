namespace PSRnn.Engine.Data;

/// <summary>
/// NumPy's legacy <c>np.random.RandomState</c>, bit for bit, for the draws scikit-learn's splitters make:
/// the MT19937 generator seeded from one 32-bit integer, the legacy bounded integer
/// (<c>random_interval</c>), <c>shuffle</c>, <c>permutation</c> and <c>choice(…, replace=False)</c>.
/// </summary>
/// <remarks>
/// An instance is not thread-safe (neither is NumPy's without its lock); use one per thread.
/// </remarks>
public sealed class NumpyRandomState
{
    private const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908b0dfU;
    private const uint UpperMask = 0x80000000U;
    private const uint LowerMask = 0x7fffffffU;

    private readonly uint[] _key = new uint[N];
    private int _pos;

    /// <summary>Seeds the generator as <c>np.random.RandomState(seed)</c> does for an integer seed.</summary>
    /// <param name="seed">The seed; NumPy accepts 0 to 2**32 - 1, which is exactly the range of <see cref="uint"/>.</param>
    public NumpyRandomState(uint seed)
    {
        // mt19937_seed in NumPy is Matsumoto and Nishimura's init_genrand.
        _key[0] = seed;
        for (int i = 1; i < N; i++)
        {
            uint prev = _key[i - 1];
            _key[i] = unchecked((1812433253U * (prev ^ (prev >> 30))) + (uint)i);
        }

        _pos = N;
    }

    /// <summary>The next raw 32-bit output of MT19937 (NumPy's <c>next_uint32</c>).</summary>
    public uint NextUInt32()
    {
        if (_pos >= N)
        {
            Generate();
        }

        uint y = _key[_pos++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        y ^= y >> 18;
        return y;
    }

    /// <summary>
    /// A 64-bit value from two 32-bit outputs, the first one in the high half, as NumPy's
    /// <c>mt19937_next64</c> does.
    /// </summary>
    public ulong NextUInt64()
    {
        // Two statements, not one expression: the order of the draws must be fixed (high first).
        ulong high = NextUInt32();
        ulong low = NextUInt32();
        return (high << 32) | low;
    }

    /// <summary>
    /// A uniform integer in [0, <paramref name="max"/>], by NumPy's legacy <c>random_interval</c>:
    /// the draw is masked to the smallest all-ones mask covering <paramref name="max"/> and rejected
    /// while it exceeds <paramref name="max"/>; 32-bit draws when <paramref name="max"/> fits 32 bits,
    /// 64-bit draws otherwise. <paramref name="max"/> = 0 draws nothing.
    /// </summary>
    public ulong RandomInterval(ulong max)
    {
        if (max == 0)
        {
            return 0;
        }

        ulong mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        mask |= mask >> 32;

        ulong value;
        if (max <= 0xffffffffUL)
        {
            while ((value = NextUInt32() & mask) > max)
            {
            }
        }
        else
        {
            while ((value = NextUInt64() & mask) > max)
            {
            }
        }

        return value;
    }

    /// <summary>
    /// Shuffles in place as legacy <c>RandomState.shuffle</c> does on a one-dimensional array:
    /// for i from n - 1 down to 1, swap element i with element <c>random_interval(i)</c>.
    /// </summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i >= 1; i--)
        {
            int j = (int)RandomInterval((ulong)i);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>
    /// <c>RandomState.permutation(n)</c>: the integers 0 … n - 1, shuffled.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public int[] Permutation(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = i;
        }

        Shuffle(result);
        return result;
    }

    /// <summary>
    /// <c>RandomState.permutation(values)</c> for a one-dimensional array: a shuffled copy.
    /// </summary>
    public int[] Permutation(ReadOnlySpan<int> values)
    {
        int[] result = values.ToArray();
        Shuffle(result);
        return result;
    }

    /// <summary>
    /// Positions drawn as legacy <c>RandomState.choice(populationSize, size, replace=False)</c> draws them:
    /// <c>permutation(populationSize)[:size]</c>. The whole population is shuffled even when fewer are
    /// taken, which is what keeps later draws in step with NumPy.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative or larger than the population.</exception>
    public int[] ChoiceWithoutReplacement(int populationSize, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(populationSize);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, populationSize);
        int[] permutation = Permutation(populationSize);
        return permutation.AsSpan(0, size).ToArray();
    }

    private void Generate()
    {
        int k;
        uint y;
        for (k = 0; k < N - M; k++)
        {
            y = (_key[k] & UpperMask) | (_key[k + 1] & LowerMask);
            _key[k] = _key[k + M] ^ (y >> 1) ^ ((y & 1U) * MatrixA);
        }

        for (; k < N - 1; k++)
        {
            y = (_key[k] & UpperMask) | (_key[k + 1] & LowerMask);
            _key[k] = _key[k + M - N] ^ (y >> 1) ^ ((y & 1U) * MatrixA);
        }

        y = (_key[N - 1] & UpperMask) | (_key[0] & LowerMask);
        _key[N - 1] = _key[M - 1] ^ (y >> 1) ^ ((y & 1U) * MatrixA);
        _pos = 0;
    }
}
