using System.Text.Json;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Tensors;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Audio;

/// <summary>The feature recipe against an independent NumPy/SciPy implementation of it (float64).</summary>
public class AudioFeaturesTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases => AudioFixtures.Names("cases", "name");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheNumpyReference(string name)
    {
        JsonElement c = AudioFixtures.Entry("cases", "name", name);
        AudioFeatureOptions options = Options(c);
        WavAudio audio = WavReader.Read(Path.Combine(AudioFixtures.Dir, "good", c.GetProperty("file").GetString()!));
        Tensor want = AudioFixtures.Reference[name];

        Tensor got = AudioFeatures.Compute(AudioFeatures.Prepare(audio, options), options);

        Assert.Equal(want.Shape, got.Shape);
        double[] w = AudioFixtures.AsDoubles(want);
        float[] g = (float[])got.Data;
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < g.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(g[i] - w[i]));
            scale = Math.Max(scale, Math.Abs(w[i]));
        }

        double tolerance = Tolerance(options);
        output.WriteLine($"{name}: shape {got.ShapeText}, max |ours - numpy| = {worst:E2} (largest value {scale:F2}, tolerance {tolerance:E1})");
        Assert.True(worst <= tolerance, $"max difference {worst:E3} > {tolerance:E1}");
    }

    [Fact]
    public void TrimsLeadingAndTrailingSilence()
    {
        var samples = new float[16000];
        for (int i = 6000; i < 9000; i++)
        {
            samples[i] = MathF.Sin(i * 0.3f) * 0.5f;
        }

        float[] trimmed = AudioFeatures.TrimSilence(samples, 16000, 40);
        // Frames are 400 samples every 160: the kept part starts at the first frame reaching the sound.
        Assert.InRange(trimmed.Length, 3000, 3000 + 800);
        Assert.Equal(samples, AudioFeatures.TrimSilence(samples.AsSpan(0, 100).ToArray(), 16000, 40).Concat(samples.Skip(100)));
    }

    [Fact]
    public void ShortAudioGivesOneFrame()
    {
        Tensor t = AudioFeatures.Compute(new float[100].Select((_, i) => MathF.Sin(i)).ToArray(), new AudioFeatureOptions());
        Assert.Equal([1, 13], t.Shape);
    }

    [Theory]
    [InlineData(AudioFeatureKind.Mfcc, true, 2)]
    [InlineData(AudioFeatureKind.LogMel, false, 3)]
    [InlineData(AudioFeatureKind.Raw, false, 40)]
    public void StackedStepsAreTheFramesSideBySideWithZerosAfterTheLast(AudioFeatureKind kind, bool deltas, int k)
    {
        WavAudio audio = WavReader.Read(Path.Combine(AudioFixtures.Dir, "good", "s16_mono_16k.wav"));
        var options = new AudioFeatureOptions { Feature = kind, Deltas = deltas, Normalize = true };
        Tensor frames = AudioFeatures.Compute(AudioFeatures.Prepare(audio, options), options);
        AudioFeatureOptions stacking = options with { StackFrames = k };
        Tensor steps = AudioFeatures.Compute(AudioFeatures.Prepare(audio, stacking), stacking);
        int rows = frames.Dim(0), cols = frames.Dim(1);
        Assert.Equal([(rows + k - 1) / k, k * cols], steps.Shape);
        Assert.Equal(new AudioRecipe { Options = stacking }.FeatureCount, steps.Dim(1));
        float[] f = (float[])frames.Data, s = (float[])steps.Data;
        for (int step = 0; step < steps.Dim(0); step++)
        {
            for (int j = 0; j < k * cols; j++)
            {
                // Step s, feature j is frame s·k + j / F, feature j mod F; beyond the last frame, zero.
                int frame = (step * k) + (j / cols);
                Assert.Equal(frame < rows ? f[(frame * cols) + (j % cols)] : 0f, s[(step * k * cols) + j]);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(AudioFeatureOptions.MaxStackFrames + 1)]
    public void RefusesAStackOutOfRange(int k)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AudioFeatureOptions { StackFrames = k }.Validate());
        Assert.Equal("StackFrames", e.ParamName);
    }

    [Fact]
    public void NormalizeGivesZeroMeanUnitVariance()
    {
        WavAudio audio = WavReader.Read(Path.Combine(AudioFixtures.Dir, "good", "s16_mono_16k.wav"));
        var options = new AudioFeatureOptions { Normalize = true, Deltas = true };
        Tensor t = AudioFeatures.Compute(AudioFeatures.Prepare(audio, options), options);
        float[] d = (float[])t.Data;
        int rows = t.Dim(0);
        int cols = t.Dim(1);
        Assert.Equal(39, cols);
        for (int c = 0; c < cols; c++)
        {
            double mean = Enumerable.Range(0, rows).Average(r => d[(r * cols) + c]);
            double variance = Enumerable.Range(0, rows).Average(r => Math.Pow(d[(r * cols) + c] - mean, 2));
            Assert.Equal(0, mean, 4);
            Assert.Equal(1, variance, 3);
        }
    }

    [Theory]
    [InlineData(SequenceSide.Pre, SequenceSide.Post, new float[] { 0, 0, 1, 2, 3, 4 })]
    [InlineData(SequenceSide.Post, SequenceSide.Post, new float[] { 1, 2, 3, 4, 0, 0 })]
    public void PadsOnTheChosenSide(SequenceSide padding, SequenceSide truncating, float[] expected)
    {
        var t = new Tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal(expected, (float[])SequenceFitting.Fit(t, 3, padding, truncating).Data);
    }

    [Theory]
    [InlineData(SequenceSide.Pre, new float[] { 3, 4, 5, 6 })]
    [InlineData(SequenceSide.Post, new float[] { 1, 2, 3, 4 })]
    public void TruncatesOnTheChosenSide(SequenceSide truncating, float[] expected)
    {
        var t = new Tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        Assert.Equal(expected, (float[])SequenceFitting.Fit(t, 2, SequenceSide.Pre, truncating).Data);
    }

    [Fact]
    public void StacksToTheLongestWhenNoLengthIsGiven()
    {
        var a = new Tensor(new float[] { 1, 2 }, 1, 2);
        var b = new Tensor(new float[] { 3, 4, 5, 6 }, 2, 2);
        Tensor x = SequenceFitting.Stack([a, b], null, SequenceSide.Pre, SequenceSide.Post);
        Assert.Equal([2, 2, 2], x.Shape);
        Assert.Equal([0f, 0, 1, 2, 3, 4, 5, 6], (float[])x.Data);
    }

    [Theory]
    [InlineData(SequenceSide.Pre, new float[] { -9, -9, -9, -9, 9, -9, 1, 2, 3, 4, 5, 6 })]
    [InlineData(SequenceSide.Post, new float[] { 9, -9, -9, -9, -9, -9, 1, 2, 3, 4, 5, 6 })]
    public void StacksWithThePaddingValueOnEveryFeatureOfThePaddingSteps(SequenceSide padding, float[] expected)
    {
        var a = new Tensor(new float[] { 9, -9 }, 1, 2);
        var b = new Tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        Tensor x = SequenceFitting.Stack([a, b], null, padding, SequenceSide.Post, -9f);
        Assert.Equal([2, 3, 2], x.Shape);
        Assert.Equal(expected, (float[])x.Data);
        Assert.Equal(1, SequenceFitting.FittedLength(a.Dim(0), 3));
        Assert.Equal([-9f, -9, 1, 2], (float[])SequenceFitting.Fit(new Tensor(new float[] { 1, 2 }, 1, 2), 2, SequenceSide.Pre, SequenceSide.Post, -9f).Data);
    }

    [Fact]
    public void RefusesAPaddingValueThatIsNotFinite()
    {
        var a = new Tensor(new float[] { 1, 2 }, 1, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceFitting.Stack([a], 3, SequenceSide.Pre, SequenceSide.Post, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceFitting.Fit(a, 3, SequenceSide.Pre, SequenceSide.Post, float.NegativeInfinity));
    }

    [Fact]
    public void CountsTheStepsAMaskingLayerWouldTakeForPadding()
    {
        // Steps of 2: (0, 0) and (−0, 0) are padding for value 0, as Keras's Masking compares (−0 == 0); (0, 1) and NaN are not.
        float[] steps = [0, 0, 0, 1, -0f, 0, float.NaN, 0, 0.5f, 0.5f];
        Assert.Equal(2, SequenceFitting.CountStepsEqualTo(steps, 2, 0f));
        Assert.Equal(1, SequenceFitting.CountStepsEqualTo(steps, 2, 0.5f));
        Assert.Equal(0, SequenceFitting.CountStepsEqualTo(steps, 2, float.NaN));
        Assert.Throws<ArgumentException>(() => SequenceFitting.CountStepsEqualTo(steps, 3, 0f));
    }

    // Absolute bounds. Measured maxima: log-mel 1.2e-4 (values up to 21), MFCC 7.4e-5 (values up to 146),
    // normalized MFCC 1.2e-5, raw 2.8e-8; the features are float32 through NWaves' float FFT, the reference float64.
    private static double Tolerance(AudioFeatureOptions options) => options.Feature == AudioFeatureKind.Raw ? 1e-6 : 5e-4;

    private static AudioFeatureOptions Options(JsonElement c) => new()
    {
        SampleRate = c.GetProperty("sampleRate").GetInt32(),
        Feature = Enum.Parse<AudioFeatureKind>(c.GetProperty("feature").GetString()!),
        Coefficients = c.TryGetProperty("coefficients", out var k) ? k.GetInt32() : 13,
        MelBands = c.TryGetProperty("melBands", out var m) ? m.GetInt32() : 40,
        Deltas = c.TryGetProperty("deltas", out var d) && d.GetBoolean(),
        Normalize = c.TryGetProperty("normalize", out var n) && n.GetBoolean(),
        TrimSilenceDb = c.TryGetProperty("trimSilence", out var s) ? s.GetDouble() : null,
    };
}
