using System.Globalization;
using NWaves.Utils;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Rational sample-rate conversion by a polyphase FIR filter, the same filter and alignment as SciPy's
/// <c>scipy.signal.resample_poly(x, up, down)</c>: up/down reduced by their gcd (22,050 → 16,000 Hz is 320/441),
/// a Kaiser-windowed (β = 5) sinc low-pass of 2·10·max(up, down) + 1 taps cut off at the lower Nyquist, unit DC
/// gain, zeros beyond the ends, and ceil(n·up/down) output samples.
/// </summary>
/// <remarks>
/// NWaves' <c>Resampler.ResampleUpDown</c> falls back, for ratios like 320/441, to a 101-tap pre-filter and a
/// 15-zero-crossing sinc interpolation computed with a float position; measured against SciPy it is several orders
/// of magnitude further off than this filter (see ResamplerTests), so the filter here is ours. NWaves provides its
/// Bessel I0 and sinc.
/// <para>
/// Cost: with L = max(up, down) of the reduced ratio and n input samples, the filter has 20·L + 1 taps (8 bytes and one
/// Bessel I0 each) and the output's ceil(n·up/down) samples take about 20·max(n, output) multiply-adds. L is bounded by
/// <see cref="MaxRatioTerm"/> (2^16: at most 1,310,721 taps, 10.5 MB, well under a second) — every ratio between
/// standard rates is far below it (44,100 → 16,000 Hz is 160/441) — and the output by one .NET array and
/// <see cref="MemoryBudget"/>; beyond either the conversion is refused (<c>AudioResampleUnsupported</c>,
/// <c>AudioTooLong</c>) before anything is allocated.
/// </para>
/// </remarks>
public static class Resampler
{
    private const double KaiserBeta = 5.0;
    private const int HalfLengthPerRate = 10;

    /// <summary>The largest term of the reduced up/down ratio converted (the filter has 20 times as many taps).</summary>
    public const int MaxRatioTerm = 1 << 16;

    /// <summary>Resamples a signal.</summary>
    /// <param name="samples">The samples at <paramref name="fromRate"/>.</param>
    /// <param name="fromRate">The input rate, in Hz.</param>
    /// <param name="toRate">The output rate, in Hz.</param>
    /// <returns>The samples at <paramref name="toRate"/> (a copy when the rates are equal).</returns>
    /// <exception cref="DataFormatException"><c>AudioResampleUnsupported</c> (the reduced ratio has a term above
    /// <see cref="MaxRatioTerm"/>) or <c>AudioTooLong</c> (the output would not fit one array or this process's memory).</exception>
    public static float[] Resample(ReadOnlySpan<float> samples, int fromRate, int toRate) => Resample(samples, fromRate, toRate, null);

    /// <summary>Resamples a signal; errors name <paramref name="fileName"/>.</summary>
    /// <param name="samples">The samples at <paramref name="fromRate"/>.</param>
    /// <param name="fromRate">The input rate, in Hz.</param>
    /// <param name="toRate">The output rate, in Hz.</param>
    /// <param name="fileName">The file the samples came from, for messages; may be null.</param>
    /// <returns>The samples at <paramref name="toRate"/> (a copy when the rates are equal).</returns>
    /// <exception cref="DataFormatException"><c>AudioResampleUnsupported</c> or <c>AudioTooLong</c>.</exception>
    public static float[] Resample(ReadOnlySpan<float> samples, int fromRate, int toRate, string? fileName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toRate, 1);
        int gcd = MathUtils.Gcd(fromRate, toRate);
        int up = toRate / gcd;
        int down = fromRate / gcd;
        if (up == down)
        {
            return samples.ToArray();
        }

        // Both checks come before the filter or the output is allocated.
        int largest = Math.Max(up, down);
        if (largest > MaxRatioTerm)
        {
            throw new DataFormatException("AudioResampleUnsupported", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                $"resampling {fromRate:N0} Hz to {toRate:N0} Hz is the ratio {up}/{down}, whose filter would have {20L * largest + 1:N0} taps; " +
                $"PSRnn converts ratios whose terms are at most {MaxRatioTerm:N0}. Convert the file to a standard rate first " +
                $"(for example: sox in.wav -r 48000 out.wav), or choose another -SampleRate."));
        }

        long outLength = ((long)samples.Length * up + down - 1) / down;
        long bytes = 4 * (outLength + samples.Length) + 8 * (20L * largest + 1);
        if (outLength > Array.MaxLength || !MemoryBudget.Fits(bytes))
        {
            throw new DataFormatException("AudioTooLong", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                $"{samples.Length:N0} samples at {fromRate:N0} Hz become {outLength:N0} at {toRate:N0} Hz, which " +
                $"{(outLength > Array.MaxLength ? "is more than one .NET array holds" : MemoryBudget.Shortfall(bytes))}. Split the file into shorter ones."));
        }

        int half = HalfLengthPerRate * largest;
        double[] h = LowPass(2 * half + 1, 1.0 / largest, up);
        var output = new float[outLength];
        for (int m = 0; m < output.Length; m++)
        {
            // y[m] = Σ_j x[j] · h[m·down + half − j·up], over the j that keep the index inside the filter.
            long p = (long)m * down + half;
            long first = Math.Max(0, CeilDiv(p - 2 * half, up));
            long last = Math.Min(samples.Length - 1, p / up);
            double sum = 0;
            for (long j = first; j <= last; j++)
            {
                sum += samples[(int)j] * h[p - j * up];
            }

            output[m] = (float)sum;
        }

        return output;
    }

    /// <summary>SciPy's <c>firwin(taps, cutoff, window=('kaiser', 5.0))</c> (cutoff relative to Nyquist), scaled by <paramref name="gain"/>.</summary>
    internal static double[] LowPass(int taps, double cutoff, double gain)
    {
        var h = new double[taps];
        double alpha = 0.5 * (taps - 1);
        double i0Beta = MathUtils.I0(KaiserBeta);
        double sum = 0;
        for (int n = 0; n < taps; n++)
        {
            double m = n - alpha;
            double r = (2.0 * n / (taps - 1)) - 1.0;
            double window = MathUtils.I0(KaiserBeta * Math.Sqrt(Math.Max(0, 1 - (r * r)))) / i0Beta;
            h[n] = cutoff * MathUtils.Sinc(cutoff * m) * window;
            sum += h[n];
        }

        // Unit gain at DC, as firwin's scale=True, then the interpolation gain.
        for (int n = 0; n < taps; n++)
        {
            h[n] = h[n] / sum * gain;
        }

        return h;
    }

    private static long CeilDiv(long a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
