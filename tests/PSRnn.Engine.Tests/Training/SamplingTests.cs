using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

public sealed class SamplingTests
{
    private static readonly float[] Distribution = [0.1f, 0.2f, 0.3f, 0.4f];

    /// <summary>Frequencies of each class over <paramref name="draws"/> draws from one repeated row.</summary>
    private static double[] Frequencies(float[] row, double temperature, int draws, ulong seed)
    {
        var rows = new float[row.Length * draws];
        for (int i = 0; i < draws; i++)
        {
            row.CopyTo(rows, i * row.Length);
        }

        long[] classes = Sampling.Sample(rows, row.Length, temperature, new Rng(seed));
        var counts = new double[row.Length];
        foreach (long c in classes)
        {
            counts[c]++;
        }

        return counts.Select(c => c / draws).ToArray();
    }

    /// <summary>softmax(log(p) / T), in double.</summary>
    private static double[] Tempered(float[] p, double temperature)
    {
        double[] w = p.Select(v => Math.Pow(v, 1 / temperature)).ToArray();
        double sum = w.Sum();
        return w.Select(v => v / sum).ToArray();
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void FrequenciesMatchTheTemperedDistribution(double temperature)
    {
        const int draws = 40_000;
        double[] seen = Frequencies(Distribution, temperature, draws, seed: 42);
        double[] expected = Tempered(Distribution, temperature);
        for (int j = 0; j < expected.Length; j++)
        {
            // Five standard errors of a binomial proportion: a fixed seed makes this deterministic, not flaky.
            double tolerance = 5 * Math.Sqrt(expected[j] * (1 - expected[j]) / draws);
            Assert.InRange(seen[j], expected[j] - tolerance, expected[j] + tolerance);
        }
    }

    [Fact]
    public void LowTemperatureSharpensAndHighTemperatureFlattens()
    {
        double[] cold = Frequencies(Distribution, 0.25, 10_000, 1);
        double[] warm = Frequencies(Distribution, 1.0, 10_000, 1);
        double[] hot = Frequencies(Distribution, 10.0, 10_000, 1);
        Assert.True(cold[3] > warm[3] && warm[3] > hot[3]);
        Assert.True(cold[0] < warm[0] && warm[0] < hot[0]);
    }

    [Fact]
    public void TemperatureZeroIsArgmax()
    {
        var rng = new Random(3);
        float[] rows = Enumerable.Range(0, 7 * 500).Select(_ => (float)rng.NextDouble()).ToArray();
        long[] argmax = Trainer.ToClasses(rows, 7);
        Assert.Equal(argmax, Sampling.Sample(rows, 7, 0, new Rng(5)));
        // Tiny temperatures reach argmax too: every other weight underflows.
        Assert.Equal(argmax, Sampling.Sample(rows, 7, 1e-6, new Rng(5)));
    }

    [Fact]
    public void TheSameSeedGivesTheSameDraws()
    {
        float[] rows = Enumerable.Repeat(Distribution, 200).SelectMany(r => r).ToArray();
        Assert.Equal(Sampling.Sample(rows, 4, 0.8, new Rng(9)), Sampling.Sample(rows, 4, 0.8, new Rng(9)));
        Assert.NotEqual(Sampling.Sample(rows, 4, 0.8, new Rng(9)), Sampling.Sample(rows, 4, 0.8, new Rng(10)));
    }

    [Fact]
    public void NeverDrawsAClassOfProbabilityZero()
    {
        double[] seen = Frequencies([0f, 0.5f, 0f, 0.5f, 0f], 3.0, 5_000, 2);
        Assert.Equal(0, seen[0]);
        Assert.Equal(0, seen[2]);
        Assert.Equal(0, seen[4]);
    }

    [Fact]
    public void SamplesASigmoidOutputAsTwoClasses()
    {
        long[] classes = Sampling.Sample(Enumerable.Repeat(0.2f, 20_000).ToArray(), 1, 1.0, new Rng(4));
        double ones = classes.Count(c => c == 1) / 20_000.0;
        Assert.InRange(ones, 0.2 - 0.015, 0.2 + 0.015);
        Assert.All(classes, c => Assert.InRange(c, 0, 1));
        Assert.Equal(Trainer.ToClasses(new[] { 0.2f, 0.7f }, 1), Sampling.Sample(new[] { 0.2f, 0.7f }, 1, 0, new Rng(1)));
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void RefusesBadTemperatures(double temperature) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Sample(Distribution, 4, temperature, new Rng(1)));

    [Theory]
    [InlineData(new[] { 0.5f, -0.1f })]
    [InlineData(new[] { 0.5f, float.NaN })]
    [InlineData(new[] { 0f, 0f })]
    public void RefusesRowsThatAreNotDistributions(float[] row) =>
        Assert.Throws<ArgumentException>(() => Sampling.Sample(row, 2, 1.0, new Rng(1)));
}
