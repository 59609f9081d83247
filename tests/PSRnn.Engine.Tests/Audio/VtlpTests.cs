using System.Globalization;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Audio;

/// <summary>
/// VTLP (vocal tract length perturbation) as a warp of the mel filter bank: the warped bank against
/// tests/fixtures/augment17/vtlp.npz (make_vtlp.py: the recipe's HTK bank with its edges moved by torchaudio's Kaldi
/// vtln_warp_freq, float64), the direction of the warp on a tone, the factor 1 as the bank itself, and the per-copy
/// factors' draws.
/// </summary>
public sealed class VtlpTests
{
    private static readonly Lazy<Dictionary<string, Tensor>> Fixture = new(() =>
        NumpyFile.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "augment17", "vtlp.npz")).ToDictionary(t => t.Name!, t => t));

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(16000, 512, 40, 0.9)]
    [InlineData(16000, 512, 40, 1.1)]
    [InlineData(16000, 512, 26, 0.82)]
    [InlineData(22050, 1024, 40, 1.18)]
    [InlineData(8000, 256, 23, 1.05)]
    public void TheWarpedBankIsKaldisVtlnWarpOfTheMelEdges(int rate, int fftSize, int bands, double warp)
    {
        Tensor want = Fixture.Value[$"bank_{rate}_{fftSize}_{bands}_{Text(warp)}"];
        double[] w = AudioFixtures.AsDoubles(want);
        float[][] got = AudioFeatures.MelBank(fftSize, rate, bands, warp);
        Assert.Equal(bands, got.Length);
        int bins = (fftSize / 2) + 1;
        for (int m = 0; m < bands; m++)
        {
            Assert.Equal(bins, got[m].Length);
            for (int k = 0; k < bins; k++)
            {
                Assert.True(Math.Abs(got[m][k] - w[(m * bins) + k]) <= 1e-6, $"band {m}, bin {k}: {got[m][k]} vs {w[(m * bins) + k]}");
            }
        }

        // And the warp moved the bank: some weight differs from the unwarped bank's by more than rounding.
        float[][] plain = AudioFeatures.MelBank(fftSize, rate, bands, 1.0);
        Assert.Contains(Enumerable.Range(0, bands), m => plain[m].Zip(got[m]).Any(p => Math.Abs(p.First - p.Second) > 0.01));
    }

    [Theory]
    [InlineData(AudioFeatureKind.Mfcc)]
    [InlineData(AudioFeatureKind.LogMel)]
    public void AWarpOfOneIsTheRecipeBitForBit(AudioFeatureKind feature)
    {
        float[] x = Tone(1500, 8000);
        var options = new AudioFeatureOptions { Feature = feature };
        Assert.Equal(AudioFeatures.Compute(x, options).AsSpan<float>().ToArray(), AudioFeatures.Compute(x, options, null, 1.0).AsSpan<float>().ToArray());
        Assert.NotEqual(AudioFeatures.Compute(x, options).AsSpan<float>().ToArray(), AudioFeatures.Compute(x, options, null, 1.1).AsSpan<float>().ToArray());
    }

    [Fact]
    public void AFactorAboveOneMovesAToneToAHigherBand()
    {
        // Kaldi's convention: α > 1 moves the bank's edges down (f/α), so a tone lands in a higher band, as the formants of
        // a shorter tract would; α < 1 the other way.
        var options = new AudioFeatureOptions { Feature = AudioFeatureKind.LogMel };
        int Loudest(double warp)
        {
            float[] logMel = AudioFeatures.Compute(Tone(2000, 8000), options, null, warp).AsSpan<float>()[..40].ToArray();
            return Array.IndexOf(logMel, logMel.Max());
        }

        int low = Loudest(0.85), none = Loudest(1.0), high = Loudest(1.15);
        Assert.True(low < none && none < high, $"loudest band at α 0.85, 1, 1.15: {low}, {none}, {high}");
    }

    [Fact]
    public void EachCopyDrawsItsFactorUniformlyFromItsOwnStream()
    {
        var vtlp = new WaveformAugmentation(null, null, null, null, 0, vtlpWarp: (0.9, 1.1));
        double[] factors = [.. Enumerable.Range(0, 4000).Select(k => vtlp.WarpFactor(k, 7, 3))];
        Assert.All(factors, f => Assert.InRange(f, 0.9, 1.1));
        Assert.InRange(factors.Average(), 0.995, 1.005);
        Assert.InRange(factors.Count(f => f < 0.95), 800, 1200);
        Assert.Equal(factors, Enumerable.Range(0, 4000).Select(k => vtlp.WarpFactor(k, 7, 3)));
        Assert.NotEqual(vtlp.WarpFactor(0, 7, 3), vtlp.WarpFactor(0, 7, 4));
        Assert.NotEqual(vtlp.WarpFactor(0, 7, 3), vtlp.WarpFactor(0, 8, 3));
        Assert.Equal(1.0, new WaveformAugmentation([0.9], null, null, null, 0).WarpFactor(0, 7, 3));

        // Adding VTLP leaves the waveform draws of the same seed as they were.
        float[] x = Tone(440, 4000);
        var noise = new WaveformAugmentation(null, (10, 20), null, (-3, 3), 5);
        var both = new WaveformAugmentation(null, (10, 20), null, (-3, 3), 5, vtlpWarp: (0.9, 1.1));
        Assert.Equal(noise.Versions(x, 16000, 3, 11, 2)[3], both.Versions(x, 16000, 3, 11, 2)[3]);
    }

    [Fact]
    public void RefusesFactorsOutOfRangeAndRatesTooLowToWarp()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformAugmentation(null, null, null, null, 0, vtlpWarp: (0.5, 1.1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformAugmentation(null, null, null, null, 0, vtlpWarp: (0.9, 1.5)));
        Assert.Throws<ArgumentException>(() => new WaveformAugmentation(null, null, null, null, 0, vtlpWarp: (1.1, 0.9)));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioFeatures.Compute(Tone(300, 4000), new AudioFeatureOptions(), null, 2.0));
        var slow = new AudioFeatureOptions { SampleRate = 4000, MelBands = 20 };
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioFeatures.Compute(Tone(300, 4000), slow, null, 1.1));
        Assert.Equal(AudioFeatures.Compute(Tone(300, 4000), slow).AsSpan<float>().ToArray(), AudioFeatures.Compute(Tone(300, 4000), slow, null, 1.0).AsSpan<float>().ToArray());
    }

    private static float[] Tone(double hz, int n) => [.. Enumerable.Range(0, n).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / 16000)))];
}
