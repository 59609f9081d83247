using System.Numerics;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The fused LSTM step against double-precision formulas, on the vector path and the forced scalar path, for widths
/// 1 to 40 (so both the vector loop and its tail run).
/// </summary>
public sealed class LstmKernelsTests
{
    [Fact]
    public void ExpMatchesMathExpOnBothPaths()
    {
        var values = new float[Vector<float>.Count];
        for (double x = -100; x <= 100; x += 0.0137)
        {
            // Relative accuracy down to −80; below, results near float's smallest normals only need to be tiny.
            double expected = Math.Exp(Math.Min((float)x, 88.0));
            double tolerance = x >= -80 ? 4e-7 * expected : 1e-34;
            Assert.True(Math.Abs(LstmKernels.Exp((float)x) - expected) <= tolerance, $"scalar exp({x})");
            values.AsSpan().Fill((float)x);
            float vector = LstmKernels.Exp(new Vector<float>(values))[0];
            // The vector path may fuse multiply-adds: equal to the scalar one within rounding.
            Assert.True(Math.Abs(vector - expected) <= tolerance, $"vector exp({x})");
        }
    }

    [Fact]
    public void SixteenAndEightLaneLoopsGiveTheSameBits()
    {
        // With 24 units, units 0–15 take the 16-lane loop (AVX-512) and 16–23 the 8-lane one: fed the same values, the
        // two must agree bit for bit, or results would change with the machine's vector width.
        const int U = 24;
        var random = new Random(9);
        var z = new float[4 * U];
        var cPrev = new float[U];
        for (int j = 0; j < 8; j++)
        {
            for (int g = 0; g < 4; g++)
            {
                z[(g * U) + j] = z[(g * U) + 16 + j] = (float)((random.NextDouble() * 12) - 6);
            }

            cPrev[j] = cPrev[16 + j] = (float)((random.NextDouble() * 4) - 2);
        }

        float[] a = new float[4 * U], c = new float[U], tc = new float[U], h = new float[U];
        LstmKernels.Forward(z, a, cPrev, c, tc, h, U);
        for (int j = 0; j < 8; j++)
        {
            for (int g = 0; g < 4; g++)
            {
                Assert.Equal(a[(g * U) + j], a[(g * U) + 16 + j]);
            }

            Assert.Equal(c[j], c[16 + j]);
            Assert.Equal(tc[j], tc[16 + j]);
            Assert.Equal(h[j], h[16 + j]);
        }
    }

    [Fact]
    public void NaNPropagatesThroughTheCell()
    {
        // A diverging model must show NaN, not a clamped finite value: every gate input NaN in one unit of each vector.
        const int U = 19;
        var z = new float[4 * U];
        for (int j = 0; j < U; j += 5)
        {
            z[j] = z[U + j] = z[(2 * U) + j] = z[(3 * U) + j] = float.NaN;
        }

        foreach (bool vectorize in new[] { true, false })
        {
            float[] a = new float[4 * U], c = new float[U], tc = new float[U], h = new float[U];
            LstmKernels.Forward(z, a, new float[U], c, tc, h, U, vectorize);
            for (int j = 0; j < U; j++)
            {
                Assert.Equal(j % 5 == 0, float.IsNaN(h[j]));
            }
        }

        var values = new float[Vector<float>.Count];
        values.AsSpan().Fill(float.NaN);
        Assert.True(float.IsNaN(LstmKernels.Exp(new Vector<float>(values))[0]));
    }

    [Fact]
    public void SigmoidAndTanhAreAccurateAndSaturate()
    {
        for (double x = -60; x <= 60; x += 0.0071)
        {
            Assert.Equal(1 / (1 + Math.Exp(-x)), LstmKernels.Sigmoid((float)x), 3e-7);
            Assert.Equal(Math.Tanh(x), LstmKernels.Tanh((float)x), 3e-7);
        }

        Assert.Equal(1f, LstmKernels.Sigmoid(1000f));
        Assert.Equal(0f, LstmKernels.Sigmoid(-1000f), 1e-30f);
        Assert.Equal(-1f, LstmKernels.Tanh(-1000f));
        Assert.Equal(0f, LstmKernels.Tanh(0f));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ForwardMatchesTheEquations(bool vectorize)
    {
        for (int u = 1; u <= 40; u++)
        {
            foreach (bool first in new[] { true, false })
            {
                float[] z = Random(4 * u, 4, u), cPrev = Random(u, 2, u + 100);
                float[] a = new float[4 * u], c = new float[u], tc = new float[u], h = new float[u];
                LstmKernels.Forward(z, a, first ? [] : cPrev, c, tc, h, u, vectorize);
                for (int j = 0; j < u; j++)
                {
                    double i = Sig(z[j]), f = Sig(z[u + j]), g = Math.Tanh(z[(2 * u) + j]), o = Sig(z[(3 * u) + j]);
                    double cv = (i * g) + (first ? 0 : f * cPrev[j]);
                    Assert.Equal(i, a[j], 1e-6);
                    Assert.Equal(f, a[u + j], 1e-6);
                    Assert.Equal(g, a[(2 * u) + j], 1e-6);
                    Assert.Equal(o, a[(3 * u) + j], 1e-6);
                    Assert.Equal(cv, c[j], 1e-6);
                    Assert.Equal(Math.Tanh(cv), tc[j], 1e-6);
                    Assert.Equal(o * Math.Tanh(cv), h[j], 1e-6);
                }
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BackwardMatchesTheEquations(bool vectorize)
    {
        for (int u = 1; u <= 40; u++)
        {
            foreach (bool first in new[] { true, false })
            {
                float[] a = Random(4 * u, 1, u), cPrev = Random(u, 2, u + 7), tc = Random(u, 1, u + 8), dh = Random(u, 3, u + 9);
                float[] carry = Random(u, 2, u + 10), dz = new float[4 * u];
                float[] carryIn = (float[])carry.Clone();
                LstmKernels.Backward(a, first ? [] : cPrev, tc, dh, dz, carry, u, vectorize);
                for (int j = 0; j < u; j++)
                {
                    double i = a[j], f = a[u + j], g = a[(2 * u) + j], o = a[(3 * u) + j], t = tc[j];
                    double dc = carryIn[j] + (dh[j] * o * (1 - (t * t)));
                    Assert.Equal(dc * g * i * (1 - i), dz[j], 1e-5);
                    Assert.Equal(first ? 0 : dc * cPrev[j] * f * (1 - f), dz[u + j], 1e-5);
                    Assert.Equal(dc * i * (1 - (g * g)), dz[(2 * u) + j], 1e-5);
                    Assert.Equal(dh[j] * t * o * (1 - o), dz[(3 * u) + j], 1e-5);
                    Assert.Equal(dc * f, carry[j], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void LayerOnTheFusedCellMatchesADoubleLoop()
    {
        // The whole layer on the default cell (the fused pass) against the equations in double precision.
        var lstm = new Lstm(11, returnSequences: true, name: "lstm");
        lstm.Build(SampleShape.Sequence(5, 3));
        lstm.Initialize(new Rng(4));
        Activations x = GradientCheck.RandomInput(2, 5, 3, true, 6);
        float[] y = lstm.Forward(x, false).Span.ToArray();
        float[] w = lstm.Parameters[0].Value, r = lstm.Parameters[1].Value, b = lstm.Parameters[2].Value;
        const int u = 11, g4 = 44;
        for (int n = 0; n < 2; n++)
        {
            var h = new double[u];
            var c = new double[u];
            for (int t = 0; t < 5; t++)
            {
                var z = new double[g4];
                for (int k = 0; k < g4; k++)
                {
                    double s = b[k];
                    for (int f = 0; f < 3; f++)
                    {
                        s += x.Span[(((n * 5) + t) * 3) + f] * w[(f * g4) + k];
                    }

                    for (int j = 0; j < u; j++)
                    {
                        s += h[j] * r[(j * g4) + k];
                    }

                    z[k] = s;
                }

                for (int j = 0; j < u; j++)
                {
                    c[j] = (Sig(z[u + j]) * c[j]) + (Sig(z[j]) * Math.Tanh(z[(2 * u) + j]));
                    h[j] = Sig(z[(3 * u) + j]) * Math.Tanh(c[j]);
                    Assert.Equal(h[j], y[(((n * 5) + t) * u) + j], 2e-6);
                }
            }
        }
    }

    private static double Sig(double x) => 1 / (1 + Math.Exp(-x));

    private static float[] Random(int length, double scale, int seed)
    {
        var rng = new Rng((ulong)seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)rng.Uniform(-scale, scale);
        }

        return values;
    }
}
