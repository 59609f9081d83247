using System.Globalization;
using NWaves.Filters.Fda;
using NWaves.Transforms;
using NWaves.Windows;
using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Turns audio into feature sequences, (frames, features) float32, by one documented recipe:
/// <list type="number">
/// <item>mono (channels averaged), resampled to the target rate (<see cref="Resampler"/>);</item>
/// <item>optionally trimmed: 25 ms frames every 10 ms, RMS per frame; kept from the first to the last frame within
/// the threshold of the loudest frame (librosa's <c>effects.trim</c> idea);</item>
/// <item>pre-emphasis y[0] = x[0], y[n] = x[n] − 0.97·x[n−1];</item>
/// <item>frames of L = ⌊0.025·sr + 0.5⌋ samples every H = ⌊0.010·sr + 0.5⌋: 1 + ⌊(n − L)/H⌋ frames, or one
/// zero-padded frame when n &lt; L; symmetric Hamming window; FFT of the next power of two ≥ L (512 at 16 kHz);
/// power spectrum |X|²;</item>
/// <item>mel filter bank: HTK mel scale 1127·ln(1 + f/700), M + 2 edges evenly spaced in mel from 0 to sr/2,
/// triangles linear in Hz, unnormalized (librosa's <c>filters.mel(htk=True, norm=None)</c>); with a VTLP warp factor
/// α ≠ 1 (augmented copies only) each edge frequency f moved by Kaldi's VTLN warp: f/α between the cutoffs l =
/// 100 Hz·max(1, α) and h = (sr/2 − 500 Hz)·min(1, α), linear from there to 0 and to sr/2 (NWaves' VtlnWarper);</item>
/// <item>log-mel = ln(max(E, 1e-10)); MFCC = orthonormal DCT-II of the log-mel vector, first C coefficients with c0
/// kept, no liftering;</item>
/// <item>deltas (optional): HTK regression d_t = Σ_{n=1,2} n·(c_{t+n} − c_{t−n}) / 10, edge frames repeated; the
/// delta-deltas the same over the deltas;</item>
/// <item>normalization (optional): per feature column, (x − mean)/std (population std; a column with std &lt; 1e-6
/// is only centered).</item>
/// <item>stacking (optional, k = <see cref="AudioFeatureOptions.StackFrames"/>): step s is frames sk … sk + k − 1 side
/// by side, ⌈frames/k⌉ steps of k·F features, the last one completed with zeros.</item>
/// </list>
/// FFT, window, mel filter bank and DCT are NWaves'; raw features are the prepared samples, one a step.
/// </summary>
public static class AudioFeatures
{
    private const int DeltaWidth = 2;

    /// <summary>Kaldi's VTLN cutoffs (compute-fbank-feats' --vtln-low 100, --vtln-high -500: below the Nyquist frequency).</summary>
    internal const double VtlnLowHz = 100, VtlnHighBelowNyquistHz = 500;

    /// <summary>The lowest sample rate a VTLP warp is applied at: the cutoffs must leave a band between them.</summary>
    public const int MinWarpSampleRate = 8000;

    /// <summary>The samples the features are computed from: mono, resampled, and trimmed when asked.</summary>
    /// <exception cref="DataFormatException">The resampling is refused (<see cref="Resampler"/>'s bounds).</exception>
    public static float[] Prepare(WavAudio audio, AudioFeatureOptions options) => Prepare(audio, options, null);

    /// <summary>The samples the features are computed from; errors name <paramref name="fileName"/>.</summary>
    /// <exception cref="DataFormatException">The resampling is refused (<see cref="Resampler"/>'s bounds).</exception>
    public static float[] Prepare(WavAudio audio, AudioFeatureOptions options, string? fileName)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(options);
        float[] samples = Resampler.Resample(audio.ToMono(), audio.SampleRate, options.SampleRate, fileName);
        return options.TrimSilenceDb is double db ? TrimSilence(samples, options.SampleRate, db) : samples;
    }

    /// <summary>Computes the features of prepared samples: a (frames, features) float32 tensor.</summary>
    /// <exception cref="DataFormatException"><c>DataNotFinite</c>: a feature is NaN or infinite.</exception>
    public static Tensor Compute(ReadOnlySpan<float> samples, AudioFeatureOptions options) => Compute(samples, options, null);

    /// <summary>Computes the features of prepared samples; errors name <paramref name="fileName"/>.</summary>
    /// <exception cref="DataFormatException">
    /// <c>DataNotFinite</c>: a feature is NaN or infinite, as float samples far beyond full scale (3e38) make them: the
    /// power spectrum overflows float32. Such features would silently train a model to NaN, so they are refused.
    /// </exception>
    public static Tensor Compute(ReadOnlySpan<float> samples, AudioFeatureOptions options, string? fileName) => Compute(samples, options, fileName, 1.0);

    /// <summary>
    /// Computes the features of prepared samples through a mel filter bank warped by the VTLP factor
    /// <paramref name="warp"/> (1: the bank itself, bit for bit; raw features ignore it).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warp"/> outside
    /// <see cref="WaveformAugmentation.MinWarp"/> to <see cref="WaveformAugmentation.MaxWarp"/>, or ≠ 1 below
    /// <see cref="MinWarpSampleRate"/>.</exception>
    /// <exception cref="DataFormatException">As <see cref="Compute(ReadOnlySpan{float}, AudioFeatureOptions, string?)"/>.</exception>
    public static Tensor Compute(ReadOnlySpan<float> samples, AudioFeatureOptions options, string? fileName, double warp)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckWarp(warp, options.SampleRate);
        int rows;
        int cols;
        float[] data;
        if (options.Feature == AudioFeatureKind.Raw)
        {
            data = samples.ToArray();
            rows = data.Length;
            cols = 1;
        }
        else
        {
            // The feature matrix (with deltas, three of them at once) must fit one array and this process's memory.
            (int length, int hop) = FrameSizes(options.SampleRate);
            long frames = samples.Length < length ? 1 : 1 + ((samples.Length - length) / hop);
            long values = frames * options.MelBands * (options.Deltas ? 3 : 1);
            long bytes = values * 4 * 2;
            if (values > Array.MaxLength || !MemoryBudget.Fits(bytes))
            {
                throw new DataFormatException("AudioTooLong", DataErrorKind.LimitsExceeded, fileName, string.Create(CultureInfo.InvariantCulture,
                    $"its {frames:N0} frames of {options.MelBands} mel bands{(options.Deltas ? " and their deltas" : "")} are {values:N0} " +
                    $"values, which {(values > Array.MaxLength ? "is more than one .NET array holds" : MemoryBudget.Shortfall(bytes))}. " +
                    $"Split the file into shorter ones."));
            }

            data = LogMel(samples, options.SampleRate, options.MelBands, out rows, warp);
            cols = options.MelBands;
            if (options.Feature == AudioFeatureKind.Mfcc)
            {
                data = Dct(data, rows, cols, options.Coefficients);
                cols = options.Coefficients;
            }

            if (options.Deltas)
            {
                data = WithDeltas(data, rows, cols);
                cols *= 3;
            }
        }

        if (options.Normalize)
        {
            NormalizeColumns(data, rows, cols);
        }

        int bad = Array.FindIndex(data, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            float peak = 0;
            foreach (float s in samples)
            {
                peak = Math.Max(peak, Math.Abs(s));
            }

            throw new DataFormatException("DataNotFinite", DataErrorKind.InvalidData, fileName, string.Create(CultureInfo.InvariantCulture,
                $"its {options.Feature} features are not finite (frame {bad / cols}, feature {bad % cols} is {data[bad]}): its samples " +
                $"reach {peak:G3}, where full scale is 1. The audio data is damaged or not scaled; fix or leave out the file."));
        }

        return Stacked(data, rows, cols, options.StackFrames);
    }

    /// <summary>
    /// (rows, cols) features as ⌈rows/k⌉ steps of k·cols: the rows are already in that order in memory, so stacking is
    /// the same array with the last step's missing frames as zeros (what padding the frames to a multiple of k gives).
    /// </summary>
    internal static Tensor Stacked(float[] data, int rows, int cols, int k)
    {
        if (k == 1)
        {
            return new Tensor(data, rows, cols);
        }

        int steps = (int)(((long)rows + k - 1) / k);
        if ((long)steps * k * cols != data.Length)
        {
            Array.Resize(ref data, steps * k * cols);
        }

        return new Tensor(data, steps, k * cols);
    }

    /// <summary>The frame length and hop, in samples, at a sample rate: ⌊0.025·sr + 0.5⌋ and ⌊0.010·sr + 0.5⌋.</summary>
    public static (int Length, int Hop) FrameSizes(int sampleRate) =>
        ((int)Math.Floor((AudioFeatureOptions.FrameSeconds * sampleRate) + 0.5),
         (int)Math.Floor((AudioFeatureOptions.HopSeconds * sampleRate) + 0.5));

    /// <summary>
    /// Cuts leading and trailing frames whose RMS is more than <paramref name="thresholdDb"/> below the loudest
    /// frame's. Audio shorter than one frame, or all zeros, is returned whole.
    /// </summary>
    public static float[] TrimSilence(float[] samples, int sampleRate, double thresholdDb)
    {
        ArgumentNullException.ThrowIfNull(samples);
        (int length, int hop) = FrameSizes(sampleRate);
        if (samples.Length < length)
        {
            return samples;
        }

        int count = 1 + ((samples.Length - length) / hop);
        var rms = new double[count];
        for (int f = 0; f < count; f++)
        {
            double sum = 0;
            foreach (float s in samples.AsSpan(f * hop, length))
            {
                sum += (double)s * s;
            }

            rms[f] = Math.Sqrt(sum / length);
        }

        double loudest = rms.Max();
        if (loudest <= 0)
        {
            return samples;
        }

        // Within thresholdDb of the loudest: 20·log10(rms/loudest) > −thresholdDb.
        double floor = loudest * Math.Pow(10, -thresholdDb / 20);
        int first = Array.FindIndex(rms, r => r > floor);
        int last = Array.FindLastIndex(rms, r => r > floor);
        return samples[(first * hop)..((last * hop) + length)];
    }

    /// <summary>
    /// The mel filter bank, (bands) rows of fftSize/2 + 1 weights; with <paramref name="warp"/> ≠ 1 its edge frequencies
    /// go through Kaldi's VTLN warp from 0 to sr/2 with the cutoffs <see cref="VtlnLowHz"/> and sr/2 −
    /// <see cref="VtlnHighBelowNyquistHz"/> (NWaves' VtlnWarper, as compute-fbank-feats --vtln-warp). The factor was
    /// checked by <see cref="Compute(ReadOnlySpan{float}, AudioFeatureOptions, string?, double)"/>.
    /// </summary>
    internal static float[][] MelBank(int fftSize, int sampleRate, int bands, double warp)
    {
        double nyquist = sampleRate / 2.0;
        VtlnWarper? vtln = warp == 1.0 ? null : new VtlnWarper(warp, 0, nyquist, VtlnLowHz, nyquist - VtlnHighBelowNyquistHz);
        return FilterBanks.Triangular(fftSize, sampleRate, FilterBanks.MelBands(bands, sampleRate, 0, 0, true), vtln!, null!);
    }

    private static void CheckWarp(double warp, int sampleRate)
    {
        if (!(warp >= WaveformAugmentation.MinWarp && warp <= WaveformAugmentation.MaxWarp))
        {
            throw new ArgumentOutOfRangeException(nameof(warp), warp, string.Create(CultureInfo.InvariantCulture,
                $"The VTLP warp factor must lie within {WaveformAugmentation.MinWarp} to {WaveformAugmentation.MaxWarp}."));
        }

        if (warp != 1.0 && sampleRate < MinWarpSampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(warp), warp, string.Create(CultureInfo.InvariantCulture,
                $"A VTLP warp needs a sample rate of at least {MinWarpSampleRate:N0} Hz (the VTLN cutoffs 100 Hz and 500 Hz below half the rate); this one is {sampleRate:N0} Hz."));
        }
    }

    /// <summary>The log-mel spectrogram, row-major (frames, bands), through the bank warped by <paramref name="warp"/>.</summary>
    internal static float[] LogMel(ReadOnlySpan<float> samples, int sampleRate, int bands, out int frames, double warp)
    {
        (int length, int hop) = FrameSizes(sampleRate);
        int fftSize = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length);
        frames = samples.Length < length ? 1 : 1 + ((samples.Length - length) / hop);

        var emphasized = new float[Math.Max(samples.Length, length)];
        for (int i = 0; i < samples.Length; i++)
        {
            emphasized[i] = i == 0 ? samples[0] : (float)(samples[i] - (AudioFeatureOptions.PreEmphasis * samples[i - 1]));
        }

        float[] window = Window.OfType(WindowType.Hamming, length);
        float[][] bank = MelBank(fftSize, sampleRate, bands, warp);
        var fft = new RealFft(fftSize);
        var block = new float[fftSize];
        var power = new float[(fftSize / 2) + 1];
        var energies = new float[bands];
        var output = new float[frames * bands];
        for (int f = 0; f < frames; f++)
        {
            Array.Clear(block);
            for (int i = 0; i < length; i++)
            {
                block[i] = emphasized[(f * hop) + i] * window[i];
            }

            fft.PowerSpectrum(block, power, false);
            FilterBanks.Apply(bank, power, energies);
            for (int b = 0; b < bands; b++)
            {
                output[(f * bands) + b] = MathF.Log(Math.Max(energies[b], AudioFeatureOptions.LogFloor));
            }
        }

        return output;
    }

    private static float[] Dct(float[] logMel, int rows, int bands, int coefficients)
    {
        var dct = new Dct2(bands);
        var input = new float[bands];
        var row = new float[coefficients];
        var output = new float[rows * coefficients];
        for (int t = 0; t < rows; t++)
        {
            logMel.AsSpan(t * bands, bands).CopyTo(input);
            dct.DirectNorm(input, row);
            row.CopyTo(output, t * coefficients);
        }

        return output;
    }

    // [c, Δc, ΔΔc] per row.
    private static float[] WithDeltas(float[] data, int rows, int cols)
    {
        float[] delta = Delta(data, rows, cols);
        float[] deltaDelta = Delta(delta, rows, cols);
        var output = new float[rows * cols * 3];
        for (int t = 0; t < rows; t++)
        {
            data.AsSpan(t * cols, cols).CopyTo(output.AsSpan(t * cols * 3));
            delta.AsSpan(t * cols, cols).CopyTo(output.AsSpan((t * cols * 3) + cols));
            deltaDelta.AsSpan(t * cols, cols).CopyTo(output.AsSpan((t * cols * 3) + (2 * cols)));
        }

        return output;
    }

    private static float[] Delta(float[] data, int rows, int cols)
    {
        // d_t = Σ n·(c_{t+n} − c_{t−n}) / (2·Σ n²), frames beyond the ends repeat the edge frames.
        double denominator = 0;
        for (int n = 1; n <= DeltaWidth; n++)
        {
            denominator += 2.0 * n * n;
        }

        var output = new float[data.Length];
        for (int t = 0; t < rows; t++)
        {
            for (int c = 0; c < cols; c++)
            {
                double sum = 0;
                for (int n = 1; n <= DeltaWidth; n++)
                {
                    int ahead = Math.Min(t + n, rows - 1);
                    int behind = Math.Max(t - n, 0);
                    sum += n * ((double)data[(ahead * cols) + c] - data[(behind * cols) + c]);
                }

                output[(t * cols) + c] = (float)(sum / denominator);
            }
        }

        return output;
    }

    private static void NormalizeColumns(float[] data, int rows, int cols)
    {
        for (int c = 0; c < cols; c++)
        {
            double mean = 0;
            for (int t = 0; t < rows; t++)
            {
                mean += data[(t * cols) + c];
            }

            mean /= rows;
            double variance = 0;
            for (int t = 0; t < rows; t++)
            {
                double d = data[(t * cols) + c] - mean;
                variance += d * d;
            }

            double std = Math.Sqrt(variance / rows);
            double scale = std < 1e-6 ? 1 : 1 / std;
            for (int t = 0; t < rows; t++)
            {
                data[(t * cols) + c] = (float)((data[(t * cols) + c] - mean) * scale);
            }
        }
    }
}
