using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Audio;

public sealed class WaveformAugmentationTests
{
    private const int Rate = 16000;

    private static readonly Lazy<Dictionary<string, Tensor>> Speed = new(() =>
        NumpyFile.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "augment17", "speed.npz")).ToDictionary(t => t.Name!, t => t));

    // The fixture script's input: two tones under a decaying envelope, rounded to float32.
    private static float[] Input() => [.. Enumerable.Range(0, 4000).Select(i =>
        (float)(((0.5 * Math.Sin(2 * Math.PI * 440 * i / Rate)) + (0.3 * Math.Sin(2 * Math.PI * 1234.5 * i / Rate))) * Math.Exp(-i / 3000.0)))];

    private static float[] Tone(double hz, int n, double amplitude = 0.5) =>
        [.. Enumerable.Range(0, n).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / Rate)))];

    [Theory]
    [InlineData(0.9)]
    [InlineData(1.1)]
    public void SpeedPerturbationIsScipysResamplePoly(double speed)
    {
        float[] x = Input();
        Assert.Equal(AudioFixtures.AsDoubles(Speed.Value["input"]), x.Select(v => (double)v));
        double[] want = AudioFixtures.AsDoubles(Speed.Value[$"speed_{speed.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]);
        float[] got = new WaveformAugmentation([speed], null, null, null, 0).Apply(x, Rate, speed, new Rng(1));
        Assert.Equal(want.Length, got.Length);
        // As the resampler's own SciPy test: float32 output rounding, 1e-6 absolute on values of at most 0.8.
        Assert.All(got.Zip(want), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6, $"{p.First} vs {p.Second}"));
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(1.0)]
    [InlineData(1.1)]
    public void SpeedDividesTheDurationAndMultipliesThePitch(double speed)
    {
        float[] x = Tone(440, Rate);
        float[] y = new WaveformAugmentation([speed], null, null, null, 0).Apply(x, Rate, speed, new Rng(1));
        // Duration: n·rate/(rate·s) samples, rounded up as resample_poly does.
        Assert.Equal((int)Math.Ceiling(Rate / speed - 1e-9), y.Length);
        // Pitch: upward zero crossings over the middle (away from the filter's edges) give the frequency.
        int from = 1000, to = y.Length - 1000, crossings = 0, first = -1, last = -1;
        for (int i = from; i < to; i++)
        {
            if (y[i - 1] < 0 && y[i] >= 0)
            {
                first = first < 0 ? i : first;
                last = i;
                crossings++;
            }
        }

        double hz = (crossings - 1) * Rate / (double)(last - first);
        Assert.InRange(hz, 440 * speed * 0.995, 440 * speed * 1.005);
    }

    [Theory]
    [InlineData(NoiseColor.White)]
    [InlineData(NoiseColor.Pink)]
    [InlineData(NoiseColor.Brown)]
    public void NoiseIsAtTheRequestedSnr(NoiseColor color)
    {
        float[] x = Tone(300, 8000);
        foreach (double snr in new[] { -5.0, 0.0, 10.0, 30.0 })
        {
            var fixedSnr = new WaveformAugmentation(null, (snr, snr), [color], null, 0);
            for (int k = 0; k < 5; k++)
            {
                Assert.InRange(MeasuredSnr(x, fixedSnr.Apply(x, Rate, 1.0, new Rng((ulong)k))), snr - 0.5, snr + 0.5);
            }
        }

        // A range: every measured SNR inside it, and the draws spread over it.
        var ranged = new WaveformAugmentation(null, (5, 25), [color], null, 0);
        double[] measured = [.. ranged.Versions(x, Rate, 60, 7, 0).Skip(1).Select(y => MeasuredSnr(x, y))];
        Assert.All(measured, m => Assert.InRange(m, 4.5, 25.5));
        Assert.True(measured.Min() < 10 && measured.Max() > 20, $"SNRs from {measured.Min():F1} to {measured.Max():F1} dB");
    }

    private static double MeasuredSnr(float[] clean, float[] noisy)
    {
        double signal = 0, noise = 0;
        for (int i = 0; i < clean.Length; i++)
        {
            signal += (double)clean[i] * clean[i];
            noise += ((double)noisy[i] - clean[i]) * ((double)noisy[i] - clean[i]);
        }

        return 10 * Math.Log10(signal / noise);
    }

    // Power per octave band from a plain DFT: white doubles each octave (+3.01 dB), pink keeps it (0), brown halves it (−3.01).
    [Theory]
    [InlineData(NoiseColor.White, 3.01)]
    [InlineData(NoiseColor.Pink, 0.0)]
    [InlineData(NoiseColor.Brown, -3.01)]
    public void NoiseColoursHaveTheirSpectralSlope(NoiseColor color, double dbPerOctave)
    {
        const int n = 2048;
        var bands = new double[7]; // bins [2^j, 2^(j+1)) for j = 3 … 9
        for (int r = 0; r < 8; r++)
        {
            float[] noise = ColoredNoise.Generate(n, color, new Rng((ulong)(100 + r)));
            for (int j = 3; j < 10; j++)
            {
                for (int k = 1 << j; k < 1 << (j + 1); k++)
                {
                    double re = 0, im = 0;
                    for (int t = 0; t < n; t++)
                    {
                        re += noise[t] * Math.Cos(2 * Math.PI * k * t / n);
                        im -= noise[t] * Math.Sin(2 * Math.PI * k * t / n);
                    }

                    bands[j - 3] += (re * re) + (im * im);
                }
            }
        }

        double slope = 10 * Math.Log10(bands[^1] / bands[0]) / (bands.Length - 1);
        Assert.InRange(slope, dbPerOctave - 0.5, dbPerOctave + 0.5);
    }

    [Fact]
    public void GainAndShiftStayInTheirRanges()
    {
        float[] x = Tone(250, 4000);
        float[] six = new WaveformAugmentation(null, null, null, (6, 6), 0).Apply(x, Rate, 1.0, new Rng(1));
        Assert.Equal(x.Select(v => v * (float)Math.Pow(10, 0.3)), six);

        // Shift: at most 10 ms = 160 samples either way, zeros shifted in; both directions drawn.
        var shifting = new WaveformAugmentation(null, null, null, null, 10);
        float[] ramp = [.. Enumerable.Range(1, 4000).Select(i => (float)i)];
        var shifts = new List<int>();
        foreach (float[] y in shifting.Versions(ramp, Rate, 40, 3, 0).Skip(1))
        {
            int s = y[0] == 0 ? Array.FindIndex(y, v => v != 0) : -(int)(y[0] - 1);
            Assert.InRange(s, -160, 160);
            Assert.Equal(ramp.Length, y.Length);
            for (int i = Math.Max(0, s); i < Math.Min(y.Length, y.Length + s); i++)
            {
                Assert.Equal(ramp[i - s], y[i]);
            }

            shifts.Add(s);
        }

        Assert.Contains(shifts, s => s < -40);
        Assert.Contains(shifts, s => s > 40);
    }

    [Fact]
    public void VersionsAreTheOriginalThenSeededCopies()
    {
        float[] x = Tone(200, 3000);
        var settings = new WaveformAugmentation([0.9, 1.1], (10, 20), [NoiseColor.White, NoiseColor.Pink], (-3, 3), 20);
        IReadOnlyList<float[]> a = settings.Versions(x, Rate, 4, 11, 2);
        Assert.Equal(5, a.Count);
        Assert.Same(x, a[0]);
        // Speeds cycle: 0.9, 1.1, 0.9, 1.1.
        Assert.Equal([3334, 2728, 3334, 2728], a.Skip(1).Select(v => v.Length));
        IReadOnlyList<float[]> b = settings.Versions(x, Rate, 4, 11, 2);
        Assert.All(Enumerable.Range(1, 4), k => Assert.Equal(a[k], b[k]));
        Assert.NotEqual(a[1], settings.Versions(x, Rate, 4, 12, 2)[1]);
        Assert.NotEqual(a[1], settings.Versions(x, Rate, 4, 11, 3)[1]);
    }

    // Schroeder's backward integration of h² gives the energy decay curve; its slope from −5 to −35 dB (T30) times
    // two is the RT60.
    [Theory]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void RoomImpulseDecaysSixtyDecibelsInRt60(double rt60)
    {
        for (ulong seed = 1; seed <= 3; seed++)
        {
            float[] h = RoomImpulse.Generate(rt60, Rate, new Rng(seed));
            Assert.Equal(1.0, h.Sum(v => (double)v * v), 5);
            var edc = new double[h.Length];
            double tail = 0;
            for (int n = h.Length - 1; n >= 0; n--)
            {
                tail += (double)h[n] * h[n];
                edc[n] = 10 * Math.Log10(tail);
            }

            int t5 = Array.FindIndex(edc, v => v <= -5), t35 = Array.FindIndex(edc, v => v <= -35);
            double measured = 2.0 * (t35 - t5) / Rate;
            Assert.InRange(measured, rt60 * 0.9, rt60 * 1.1);
        }
    }

    // Reverberation is linear and time-invariant: the copy of an impulse is the impulse response, and the copy of any
    // signal (same seed, same draws) is that response convolved with it, cut to the signal's length.
    [Fact]
    public void ReverberationConvolvesWithTheRoomsResponse()
    {
        var settings = new WaveformAugmentation(null, null, null, null, 0, (0.05, 0.1));
        var impulse = new float[2000];
        impulse[0] = 1f;
        float[] h = settings.Apply(impulse, Rate, 1.0, new Rng(4));
        // RT60 0.05 to 0.1 s: 801 to 1601 samples of response, then (FFT rounding aside) nothing.
        Assert.InRange(Array.FindLastIndex(h, v => Math.Abs(v) > 1e-6), 700, 1601);
        Assert.All(h[1602..], v => Assert.True(Math.Abs(v) < 1e-6));
        float[] x = Tone(300, 2000);
        float[] y = settings.Apply(x, Rate, 1.0, new Rng(4));
        Assert.Equal(x.Length, y.Length);
        for (int i = 0; i < y.Length; i += 37)
        {
            double sum = 0;
            for (int k = 0; k <= i; k++)
            {
                sum += (double)h[k] * x[i - k];
            }

            Assert.Equal(sum, y[i], 1e-5);
        }
    }

    [Fact]
    public void RejectsBadSettings()
    {
        Assert.Contains("low end is above the high end", Assert.Throws<ArgumentException>(() => new WaveformAugmentation(null, (30, 10), null, null, 0)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new WaveformAugmentation(null, null, null, (6, -6), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformAugmentation([3.0], null, null, null, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformAugmentation(null, (double.NaN, 3), null, null, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformAugmentation(null, null, null, null, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformAugmentation(null, null, null, null, 0, (0, 0.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformAugmentation(null, null, null, null, 0, (0.5, 9)));
        Assert.Throws<ArgumentException>(() => new WaveformAugmentation(null, null, null, null, 0, (0.8, 0.3)));
    }
}
