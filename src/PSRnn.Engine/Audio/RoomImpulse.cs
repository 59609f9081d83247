using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Audio;

/// <summary>
/// A simulated room impulse response: exponentially decaying Gaussian noise, the standard simple model of a diffuse
/// reverberant tail (energy falls 60 dB in RT60): h[n] = g·w[n]·10^(−3n / (RT60·rate)), w ~ N(0, 1), n = 0 … ⌈RT60·rate⌉,
/// g such that Σh² = 1 (the reverberant signal keeps about the dry signal's power).
/// </summary>
public static class RoomImpulse
{
    /// <summary>An impulse response of reverberation time <paramref name="rt60"/> seconds at <paramref name="sampleRate"/>.</summary>
    public static float[] Generate(double rt60, int sampleRate, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rt60);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentNullException.ThrowIfNull(rng);
        int length = (int)Math.Ceiling(rt60 * sampleRate) + 1;
        var h = new double[length];
        double energy = 0;
        for (int n = 0; n < length; n++)
        {
            h[n] = rng.Normal() * Math.Pow(10, -3.0 * n / (rt60 * sampleRate));
            energy += h[n] * h[n];
        }

        double g = 1 / Math.Sqrt(energy);
        return Array.ConvertAll(h, v => (float)(v * g));
    }

    /// <summary>x convolved with h, the first x.Length samples (the tail past the end of the file is dropped).</summary>
    public static float[] Apply(float[] x, float[] h)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(h);
        if (x.Length == 0)
        {
            return [];
        }

        double[] y = NWaves.Operations.Operation.Convolve(Array.ConvertAll(x, v => (double)v), Array.ConvertAll(h, v => (double)v));
        var output = new float[x.Length];
        for (int i = 0; i < output.Length; i++)
        {
            output[i] = (float)y[i];
        }

        return output;
    }
}
