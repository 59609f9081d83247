using PSRnn.Engine.Audio;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Audio;

/// <summary>The resampler against SciPy's resample_poly (float64) on the fixtures' real rates.</summary>
public class ResamplerTests(ITestOutputHelper output)
{
    // Measured: at most 3.0e-8 (float32 output rounding); the bound leaves room for other rounding orders.
    // NWaves' Resampler.Resample on the same inputs is off by 9e-3 (8k->16k) to 1.25 (44.1k->16k).
    private const double Tolerance = 1e-6;

    public static TheoryData<string> Cases => AudioFixtures.Names("resampled", "key");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScipyResamplePoly(string key)
    {
        var entry = AudioFixtures.Entry("resampled", "key", key);
        string file = entry.GetProperty("file").GetString()!;
        int from = entry.GetProperty("from").GetInt32();
        int to = entry.GetProperty("to").GetInt32();
        float[] mono = WavReader.Read(Path.Combine(AudioFixtures.Dir, "good", file)).ToMono();
        double[] want = AudioFixtures.AsDoubles(AudioFixtures.Reference[key]);

        float[] got = Resampler.Resample(mono, from, to);

        Assert.Equal(want.Length, got.Length);
        double worst = MaxAbs(got, want);
        output.WriteLine($"{file} {from}->{to}: max |ours - scipy| = {worst:E2}; NWaves Resample: {NWavesError(mono, from, to, want):E2}");
        Assert.True(worst <= Tolerance, $"max difference {worst:E3} > {Tolerance:E1}");
    }

    [Fact]
    public void ReducesTheRatioExactly()
    {
        // 22,050 -> 16,000 is 320/441: a second of audio gives exactly 16,000 samples.
        Assert.Equal(16000, Resampler.Resample(new float[22050], 22050, 16000).Length);
        Assert.Equal(8, Resampler.Resample(new float[10], 22050, 16000).Length); // ceil(10 * 320 / 441)
    }

    [Fact]
    public void KeepsTheSignalWhenTheRatesAgree()
    {
        float[] x = [0.1f, -0.2f, 0.3f];
        Assert.Equal(x, Resampler.Resample(x, 16000, 16000));
    }

    [Fact]
    public void FilterHasUnitDcGain()
    {
        double[] h = Resampler.LowPass(2 * 10 * 441 + 1, 1.0 / 441, 1.0);
        Assert.Equal(1.0, h.Sum(), 12);
        Assert.Equal(h[0], h[^1]);
    }

    // For the record: how far NWaves' own resampler (which the engine does not use) is from SciPy on the same input.
    private static double NWavesError(float[] mono, int from, int to, double[] want)
    {
        var signal = new NWaves.Signals.DiscreteSignal(from, mono);
        float[] theirs = new NWaves.Operations.Resampler().Resample(signal, to).Samples;
        int n = Math.Min(theirs.Length, want.Length);
        return MaxAbs(theirs.AsSpan(0, n), want.AsSpan(0, n));
    }

    private static double MaxAbs(ReadOnlySpan<float> got, ReadOnlySpan<double> want)
    {
        double worst = 0;
        for (int i = 0; i < got.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(got[i] - want[i]));
        }

        return worst;
    }
}
