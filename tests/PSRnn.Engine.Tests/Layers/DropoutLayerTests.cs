using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class DropoutLayerTests
{
    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void DropsTheRateAndKeepsTheMeanInTraining(float rate)
    {
        const int n = 200_000;
        DropoutLayer layer = Built(new DropoutLayer(rate, "dropout"), SampleShape.Vector(n));
        var x = new Activations(1, 1, n, false);
        x.Span.Fill(1f);
        float[] mask = layer.Forward(x, training: true).Span.ToArray();
        float keep = 1f / (1f - rate);
        Assert.All(mask, m => Assert.True(m == 0f || m == keep));
        double zeroed = mask.Count(m => m == 0f) / (double)n;
        // Binomial standard deviation sqrt(p(1−p)/n) ≤ 0.0012; 5 of them.
        Assert.InRange(zeroed, rate - 0.006, rate + 0.006);
        double mean = mask.Average(m => (double)m);
        Assert.InRange(mean, 1 - (0.006 * keep), 1 + (0.006 * keep));
    }

    [Fact]
    public void IsTheIdentityInInference()
    {
        DropoutLayer layer = Built(new DropoutLayer(0.5f, "dropout"), SampleShape.Sequence(7, 3));
        Activations x = GradientCheck.RandomInput(4, 7, 3, true, 2);
        Activations y = layer.Forward(x, training: false);
        Assert.NotSame(x, y);
        Assert.Equal(x.Span.ToArray(), y.Span.ToArray());
        Assert.Equal((4, 7, 3, true), (y.Batch, y.Time, y.Features, y.IsSequence));
        Activations dy = GradientCheck.RandomInput(4, 7, 3, true, 9);
        Assert.Equal(dy.Span.ToArray(), layer.Backward(dy, true)!.Span.ToArray());
        GradientCheck.Check(layer, x);
    }

    [Fact]
    public void BackwardMultipliesByTheSameMask()
    {
        DropoutLayer layer = Built(new DropoutLayer(0.4f, "dropout"), SampleShape.Sequence(5, 6));
        Activations x = GradientCheck.RandomInput(3, 5, 6, true, 4);
        float[] y = layer.Forward(x, training: true).Span.ToArray();
        Activations dy = GradientCheck.RandomInput(3, 5, 6, true, 8);
        float[] dx = layer.Backward(dy, true)!.Span.ToArray();
        float keep = 1f / 0.6f;
        for (int i = 0; i < y.Length; i++)
        {
            // mᵢ = yᵢ / xᵢ: either 0 or 1/(1 − rate).
            bool dropped = y[i] == 0f;
            Assert.Equal(dropped ? 0f : x.Span[i] * keep, y[i]);
            Assert.Equal(dropped ? 0f : dy.Span[i] * keep, dx[i]);
        }
    }

    [Fact]
    public void SameSeedSameMasksAndAFreshMaskEachBatch()
    {
        Activations ones = new(2, 1, 1000, false);
        ones.Span.Fill(1f);
        DropoutLayer a = Built(new DropoutLayer(0.5f, "a"), SampleShape.Vector(1000), seed: 42);
        DropoutLayer b = Built(new DropoutLayer(0.5f, "b"), SampleShape.Vector(1000), seed: 42);
        float[] first = a.Forward(ones, true).Span.ToArray();
        Assert.Equal(first, b.Forward(ones, true).Span.ToArray());
        float[] second = a.Forward(ones, true).Span.ToArray();
        Assert.NotEqual(first, second);
        Assert.Equal(second, b.Forward(ones, true).Span.ToArray());
        DropoutLayer c = Built(new DropoutLayer(0.5f, "c"), SampleShape.Vector(1000), seed: 43);
        Assert.NotEqual(first, c.Forward(ones, true).Span.ToArray());
    }

    [Fact]
    public void RateZeroIsTheIdentityInTraining()
    {
        DropoutLayer layer = Built(new DropoutLayer(0f, "dropout"), SampleShape.Vector(5));
        Activations x = GradientCheck.RandomInput(3, 1, 5, false, 1);
        Assert.Equal(x.Span.ToArray(), layer.Forward(x, true).Span.ToArray());
    }

    [Fact]
    public void RejectsAnOutputGradientOfTheWrongSize()
    {
        DropoutLayer layer = Built(new DropoutLayer(0.5f, "dropout"), SampleShape.Vector(5));
        layer.Forward(GradientCheck.RandomInput(3, 1, 5, false, 1), true);
        Assert.Throws<ArgumentException>(() => layer.Backward(new Activations(2, 1, 5, false), true));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void RejectsRatesOutsideZeroToOne(float rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropoutLayer(rate));

    [Fact]
    public void KerasNameConfigAndNoParameters()
    {
        DropoutLayer layer = Built(new DropoutLayer(0.25f, "dropout"), SampleShape.Sequence(null, 8));
        Assert.Equal("Dropout", layer.KerasClassName);
        Assert.Equal(SampleShape.Sequence(null, 8), layer.OutputShape);
        Assert.Empty(layer.Parameters);
        Assert.Equal(0.25, layer.GetConfig()["rate"]);
    }

    [Fact]
    public void AllocatesNothingAfterTheFirstBatch()
    {
        DropoutLayer layer = Built(new DropoutLayer(0.3f, "dropout"), SampleShape.Sequence(10, 8));
        Activations x = GradientCheck.RandomInput(4, 10, 8, true, 1);
        Activations dy = GradientCheck.RandomInput(4, 10, 8, true, 2);
        layer.Forward(x, true);
        layer.Backward(dy, true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            layer.Forward(x, true);
            layer.Backward(dy, true);
            layer.Forward(x, false);
            layer.Backward(dy, true);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static DropoutLayer Built(DropoutLayer layer, SampleShape input, ulong seed = 5)
    {
        layer.Build(input);
        layer.Initialize(new Rng(seed));
        return layer;
    }
}
