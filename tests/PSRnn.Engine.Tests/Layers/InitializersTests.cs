using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class InitializersTests
{
    [Theory]
    [InlineData(8, 32)]   // LSTM recurrent kernel (u, 4u): rows orthonormal
    [InlineData(32, 8)]   // tall: columns orthonormal
    [InlineData(16, 16)]
    public void OrthogonalIsOrthonormal(int rows, int cols)
    {
        var w = new float[rows * cols];
        Initializers.Initialize("orthogonal", w, [rows, cols], new Rng(7));
        // The smaller Gram matrix (W·Wᵀ for wide, Wᵀ·W for tall) is the identity.
        int n = Math.Min(rows, cols);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                int len = Math.Max(rows, cols);
                for (int k = 0; k < len; k++)
                {
                    dot += rows <= cols ? w[(i * cols) + k] * w[(j * cols) + k] : w[(k * cols) + i] * w[(k * cols) + j];
                }

                Assert.Equal(i == j ? 1.0 : 0.0, dot, 5);
            }
        }
    }

    [Fact]
    public void GlorotUniformStaysWithinItsLimitAndFillsIt()
    {
        var w = new float[64 * 256];
        Initializers.Initialize("glorot_uniform", w, [64, 256], new Rng(1));
        double limit = Math.Sqrt(6.0 / (64 + 256));
        Assert.All(w, v => Assert.InRange(v, -limit, limit));
        Assert.True(w.Max() > 0.95 * limit && w.Min() < -0.95 * limit);
        double variance = w.Select(v => (double)v * v).Average();
        Assert.Equal(limit * limit / 3, variance, 3); // variance of U(−a, a) is a²/3
    }

    [Fact]
    public void SameSeedSameWeights()
    {
        var a = new float[100];
        var b = new float[100];
        Initializers.Initialize("glorot_uniform", a, [10, 10], new Rng(42));
        Initializers.Initialize("glorot_uniform", b, [10, 10], new Rng(42));
        Assert.Equal(a, b);
        Initializers.Initialize("glorot_uniform", b, [10, 10], new Rng(43));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void UnknownNameIsRefused() =>
        Assert.Throws<ArgumentException>(() => Initializers.Initialize("nope", new float[1], [1], new Rng(1)));
}
