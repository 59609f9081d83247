using NWaves.Transforms;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Gaussian noise with power spectrum ∝ 1/f^α (white α = 0, pink 1, brown 2), by shaping white noise's spectrum:
/// X_k ← X_k·k^(−α/2) for k ≥ 1, X_0 ← 0, on the next power of two, then the first n samples.
/// </summary>
public static class ColoredNoise
{
    /// <summary><paramref name="length"/> samples of <paramref name="color"/> noise from <paramref name="rng"/> (any scale: callers set the power).</summary>
    public static float[] Generate(int length, NoiseColor color, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentNullException.ThrowIfNull(rng);
        int size = Math.Max(2, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, 1)));
        var white = new float[color == NoiseColor.White ? length : size];
        for (int i = 0; i < white.Length; i++)
        {
            white[i] = (float)rng.Normal();
        }

        if (color == NoiseColor.White)
        {
            return white;
        }

        double exponent = color == NoiseColor.Pink ? 0.5 : 1.0;
        var fft = new RealFft(size);
        var re = new float[(size / 2) + 1];
        var im = new float[(size / 2) + 1];
        fft.Direct(white, re, im);
        re[0] = im[0] = 0f;
        for (int k = 1; k < re.Length; k++)
        {
            float scale = (float)Math.Pow(k, -exponent);
            re[k] *= scale;
            im[k] *= scale;
        }

        var shaped = new float[size];
        fft.Inverse(re, im, shaped);
        return shaped.AsSpan(0, length).ToArray();
    }
}
