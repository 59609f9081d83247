using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Waveform augmentation settings, applied to prepared samples (after resampling and trimming, before the features):
/// speed perturbation (Kaldi's, as sox speed: the samples are read as if recorded at rate·s and resampled to the
/// rate, so the duration is divided by s and every frequency multiplied by it), a time shift, reverberation by a
/// simulated room impulse response (<see cref="RoomImpulse"/>), additive noise at an SNR, and a gain, in that order
/// (noise after the reverberation, as Kaldi's reverberate_data_dir adds it).
/// <para>Per copy, drawn from the copy's own stream (u uniform): the speed is Speeds[copy mod count] (cycled, so
/// 0.9, 1.1 with two copies is Kaldi's three-way perturbation beside the original); the shift an integer number of
/// samples uniform in [−S, S] (zeros shifted in, the length kept); the RT60 uniform in [lo, hi] s and a fresh
/// impulse response (the length kept: the tail past the end is dropped); the SNR uniform in [lo, hi] dB and the colour
/// uniform over NoiseColors, the noise n scaled so that 10·log₁₀(Σx² / Σn²) is that SNR exactly; the gain uniform
/// in [lo, hi] dB, y ← y·10^(g/20).</para>
/// <para>Vocal tract length perturbation (VTLP, Jaitly and Hinton 2013) is not a waveform change but a warp of the
/// features' mel filter bank: copy k gets a warp factor α uniform in [lo, hi] from a stream of its own (so adding VTLP
/// changes none of the other draws), and <see cref="AudioFeatures.Compute(ReadOnlySpan{float}, AudioFeatureOptions, string?, double)"/>
/// moves the bank's edge frequencies by Kaldi's VTLN warp (f/α between the cutoffs, linear to the band's ends).</para>
/// </summary>
public sealed class WaveformAugmentation
{
    /// <summary>The smallest and largest speed factor accepted.</summary>
    public const double MinSpeed = 0.5, MaxSpeed = 2.0;

    /// <summary>The largest reverberation time accepted, in seconds (a cathedral's).</summary>
    public const double MaxRt60 = 5.0;

    /// <summary>The smallest and largest VTLP warp factor accepted (Kaldi's VTLN searches 0.8 to 1.2; VTLP draws from
    /// 0.9 to 1.1).</summary>
    public const double MinWarp = 0.7, MaxWarp = 1.4;

    // The warp factors' streams are apart from the waveform draws' (file index << 24 | copy): this bit is never set there.
    private const ulong WarpStream = 1UL << 62;

    /// <summary>Creates validated settings.</summary>
    /// <param name="speeds">Speed factors, cycled over the copies; empty for none.</param>
    /// <param name="noiseSnrDb">The SNR range in dB (lo, hi), or null for no noise.</param>
    /// <param name="noiseColors">The noise colours to draw from (white when empty).</param>
    /// <param name="gainDb">The gain range in dB (lo, hi), or null for none.</param>
    /// <param name="shiftMs">The largest time shift, in ms, either way (0 for none).</param>
    /// <param name="reverbRt60">The reverberation time range in seconds (lo, hi), above 0 and at most <see cref="MaxRt60"/>, or null for none.</param>
    /// <param name="vtlpWarp">The VTLP warp factor range (lo, hi) within <see cref="MinWarp"/> to <see cref="MaxWarp"/>, or null for none.</param>
    /// <exception cref="ArgumentException">A value out of range, or a range whose low end is above its high end.</exception>
    public WaveformAugmentation(IReadOnlyList<double>? speeds, (double Low, double High)? noiseSnrDb, IReadOnlyList<NoiseColor>? noiseColors,
        (double Low, double High)? gainDb, double shiftMs, (double Low, double High)? reverbRt60 = null, (double Low, double High)? vtlpWarp = null)
    {
        Speeds = [.. speeds ?? []];
        foreach (double s in Speeds)
        {
            if (!(s is >= MinSpeed and <= MaxSpeed))
            {
                throw new ArgumentOutOfRangeException(nameof(speeds), s, Text($"The speed factor {s} is outside {MinSpeed} to {MaxSpeed}; Kaldi uses 0.9, 1.0 and 1.1."));
            }
        }

        NoiseSnrDb = CheckRange(noiseSnrDb, "noise SNR", "dB");
        NoiseColors = noiseColors is { Count: > 0 } ? [.. noiseColors.Distinct()] : [NoiseColor.White];
        GainDb = CheckRange(gainDb, "gain", "dB");
        if (!(double.IsFinite(shiftMs) && shiftMs >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(shiftMs), shiftMs, Text($"The time shift is {shiftMs} ms; it must be a finite number of ms, 0 or more."));
        }

        ShiftMs = shiftMs;
        ReverbRt60 = CheckRange(reverbRt60, "reverberation time", "s");
        if (ReverbRt60 is { } rt && !(rt.Low > 0 && rt.High <= MaxRt60))
        {
            throw new ArgumentOutOfRangeException(nameof(reverbRt60), Text($"The reverberation time range {rt.Low} to {rt.High} s must be above 0 and at most {MaxRt60} s; rooms are about 0.2 to 1 s."));
        }

        VtlpWarp = CheckRange(vtlpWarp, "VTLP warp factor", "");
        if (VtlpWarp is { } warp && !(warp.Low >= MinWarp && warp.High <= MaxWarp))
        {
            throw new ArgumentOutOfRangeException(nameof(vtlpWarp), Text($"The VTLP warp factor range {warp.Low} to {warp.High} must lie within {MinWarp} to {MaxWarp}; VTLP draws from 0.9 to 1.1."));
        }
    }

    /// <summary>The speed factors, cycled over the copies.</summary>
    public IReadOnlyList<double> Speeds { get; }

    /// <summary>The SNR range of the additive noise in dB, or null for none.</summary>
    public (double Low, double High)? NoiseSnrDb { get; }

    /// <summary>The noise colours drawn from.</summary>
    public IReadOnlyList<NoiseColor> NoiseColors { get; }

    /// <summary>The gain range in dB, or null for none.</summary>
    public (double Low, double High)? GainDb { get; }

    /// <summary>The largest time shift in ms, either way.</summary>
    public double ShiftMs { get; }

    /// <summary>The reverberation time range in seconds, or null for none.</summary>
    public (double Low, double High)? ReverbRt60 { get; }

    /// <summary>The VTLP warp factor range, or null for none.</summary>
    public (double Low, double High)? VtlpWarp { get; }

    /// <summary>
    /// The VTLP warp factor of copy <paramref name="copy"/> (0-based) of file <paramref name="fileIndex"/>: 1 without
    /// VTLP, else uniform in <see cref="VtlpWarp"/>, from a stream of <paramref name="seed"/> that no other draw uses.
    /// </summary>
    public double WarpFactor(int copy, ulong seed, int fileIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(copy);
        if (VtlpWarp is not { } warp)
        {
            return 1.0;
        }

        Rng rng = Rng.Fork(seed, WarpStream | ((ulong)(uint)fileIndex << 24) | (uint)copy);
        return rng.Uniform(warp.Low, warp.High);
    }

    /// <summary>
    /// The original samples followed by <paramref name="copies"/> augmented copies. Copy k of file
    /// <paramref name="fileIndex"/> draws from stream (fileIndex, k) of <paramref name="seed"/>: the same files in the
    /// same order with the same seed give the same copies.
    /// </summary>
    /// <exception cref="Data.DataFormatException">The speed's resampling is refused (<see cref="Resampler"/>'s bounds).</exception>
    public IReadOnlyList<float[]> Versions(float[] samples, int sampleRate, int copies, ulong seed, int fileIndex, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegative(copies);
        var versions = new List<float[]>(copies + 1) { samples };
        for (int k = 0; k < copies; k++)
        {
            Rng rng = Rng.Fork(seed, ((ulong)(uint)fileIndex << 24) | (uint)k);
            versions.Add(Apply(samples, sampleRate, Speeds.Count == 0 ? 1.0 : Speeds[k % Speeds.Count], rng, fileName));
        }

        return versions;
    }

    /// <summary>One augmented copy at speed <paramref name="speed"/>, the rest drawn from <paramref name="rng"/>.</summary>
    public float[] Apply(float[] samples, int sampleRate, double speed, Rng rng, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(rng);
        // Read as if recorded at rate·speed, resampled to the rate: n/speed samples, frequencies ×speed.
        int from = (int)Math.Round(sampleRate * speed);
        float[] y = from == sampleRate ? (float[])samples.Clone() : Resampler.Resample(samples, from, sampleRate, fileName);
        if (ShiftMs > 0)
        {
            int most = (int)Math.Round(ShiftMs * sampleRate / 1000.0);
            int shift = rng.NextInt((2 * most) + 1) - most;
            y = Shift(y, shift);
        }

        if (ReverbRt60 is { } rt60)
        {
            y = RoomImpulse.Apply(y, RoomImpulse.Generate(rng.Uniform(rt60.Low, rt60.High), sampleRate, rng));
        }

        if (NoiseSnrDb is { } snr)
        {
            double db = rng.Uniform(snr.Low, snr.High);
            NoiseColor color = NoiseColors[rng.NextInt(NoiseColors.Count)];
            AddNoise(y, ColoredNoise.Generate(y.Length, color, rng), db);
        }

        if (GainDb is { } gain)
        {
            float factor = (float)Math.Pow(10, rng.Uniform(gain.Low, gain.High) / 20);
            for (int i = 0; i < y.Length; i++)
            {
                y[i] *= factor;
            }
        }

        return y;
    }

    /// <summary>y[i] = x[i − shift], zeros where that falls outside.</summary>
    private static float[] Shift(float[] x, int shift)
    {
        var y = new float[x.Length];
        int n = x.Length - Math.Abs(shift);
        if (n > 0)
        {
            x.AsSpan(Math.Max(0, -shift), n).CopyTo(y.AsSpan(Math.Max(0, shift)));
        }

        return y;
    }

    /// <summary>x += n·c with c such that 10·log₁₀(Σx² / Σ(c·n)²) = <paramref name="snrDb"/>; silence (Σx² = 0) gets none.</summary>
    internal static void AddNoise(float[] x, float[] noise, double snrDb)
    {
        double signal = 0, power = 0;
        for (int i = 0; i < x.Length; i++)
        {
            signal += (double)x[i] * x[i];
            power += (double)noise[i] * noise[i];
        }

        if (signal == 0 || power == 0)
        {
            return;
        }

        double scale = Math.Sqrt(signal / power / Math.Pow(10, snrDb / 10));
        for (int i = 0; i < x.Length; i++)
        {
            x[i] += (float)(noise[i] * scale);
        }
    }

    private static (double Low, double High)? CheckRange((double Low, double High)? range, string what, string unit)
    {
        if (range is not { } r)
        {
            return null;
        }

        string u = unit.Length > 0 ? " " + unit : "";
        if (!double.IsFinite(r.Low) || !double.IsFinite(r.High))
        {
            throw new ArgumentOutOfRangeException(what, Text($"The {what} range {r.Low} to {r.High}{u} must be finite numbers."));
        }

        return r.Low <= r.High ? r
            : throw new ArgumentException(Text($"The {what} range is {r.Low} to {r.High}{u}: the low end is above the high end; give them in order ({r.High}, {r.Low})."), what);
    }

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>The settings in one line.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Speeds.Count > 0)
        {
            parts.Add("Speed " + string.Join(", ", Speeds.Select(s => s.ToString(CultureInfo.InvariantCulture))));
        }

        if (ReverbRt60 is { } r)
        {
            parts.Add(Text($"ReverbRt60 {r.Low} to {r.High} s"));
        }

        if (NoiseSnrDb is { } n)
        {
            parts.Add(Text($"NoiseSnr {n.Low} to {n.High} dB ({string.Join(", ", NoiseColors)})"));
        }

        if (GainDb is { } g)
        {
            parts.Add(Text($"GainDb {g.Low} to {g.High}"));
        }

        if (ShiftMs > 0)
        {
            parts.Add(Text($"ShiftMs {ShiftMs}"));
        }

        if (VtlpWarp is { } w)
        {
            parts.Add(Text($"VtlpWarp {w.Low} to {w.High}"));
        }

        return parts.Count == 0 ? "(no augmentation)" : string.Join("; ", parts);
    }
}
