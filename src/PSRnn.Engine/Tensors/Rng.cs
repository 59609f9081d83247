using System.Numerics;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// A small, fast, seedable random generator (xoshiro256**, seeded through SplitMix64) with the same sequence on every
/// platform and .NET version, so a seed fixes initial weights, shuffles and dropout masks bit for bit.
/// <see cref="Fork"/> derives independent streams (one per layer, one per epoch) without sharing state, so
/// nothing random is global and two models can train at once.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>Creates a generator from a seed.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A generator that continues from a state taken by <see cref="GetState"/>.</summary>
    public Rng(RngState state) => SetState(state);

    /// <summary>An independent generator for sub-stream <paramref name="stream"/> of <paramref name="seed"/>.</summary>
    public static Rng Fork(ulong seed, ulong stream)
    {
        ulong x = seed ^ (0x9E3779B97F4A7C15UL * (stream + 1));
        return new Rng(SplitMix(ref x));
    }

    /// <summary>A seed for when the user gave none: differs run to run.</summary>
    public static ulong NewSeed() => (ulong)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) << 31
        ^ (ulong)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);

    /// <summary>The generator's complete state, so it can be saved and continued later (checkpoints).</summary>
    public RngState GetState() => new(_s0, _s1, _s2, _s3, _spareNormal);

    /// <summary>Puts back a state taken by <see cref="GetState"/>: the next draws are those the saved generator would make.</summary>
    /// <exception cref="ArgumentException">All four words are zero (xoshiro's one forbidden state).</exception>
    public void SetState(RngState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new ArgumentException("A generator state of all zeros is invalid (the sequence would be all zeros).", nameof(state));
        }

        (_s0, _s1, _s2, _s3, _spareNormal) = (state.S0, state.S1, state.S2, state.S3, state.SpareNormal);
    }

    /// <summary>64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A double in [low, high).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>A standard normal deviate (Box–Muller, in double).</summary>
    public double Normal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }

        double u1;
        do
        {
            u1 = NextDouble();
        }
        while (u1 <= double.Epsilon);

        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>An integer in [0, <paramref name="bound"/>), unbiased (Lemire's method).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        ulong range = (ulong)bound;
        UInt128 product = (UInt128)NextUInt64() * range;
        ulong low = (ulong)product;
        if (low < range)
        {
            ulong threshold = (0 - range) % range;
            while (low < threshold)
            {
                product = (UInt128)NextUInt64() * range;
                low = (ulong)product;
            }
        }

        return (int)(product >> 64);
    }

    /// <summary>Shuffles in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
