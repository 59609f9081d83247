using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class ActivationFunctionsTests
{
    // The derivatives of y run a vector at a time; each element must be the scalar form's bits (grad·(1 − y·y),
    // grad·(y·(1 − y)), y > 0 ? grad : 0, each operation rounded on its own), at every length around the vector widths.
    [Theory]
    [InlineData(ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Relu)]
    public void OutputDerivativesHaveTheScalarFormsBits(ActivationKind kind)
    {
        var rng = new Rng(5);
        float[] specials = [0f, -0f, 1f, -1f, float.NaN, float.Epsilon, 1e-20f, 0.999999f];
        for (int n = 0; n <= 70; n++)
        {
            var y = new float[n];
            var grad = new float[n];
            for (int i = 0; i < n; i++)
            {
                y[i] = i % 9 == 8 ? specials[(i / 9) % specials.Length] : (float)rng.Uniform(-1, 1);
                grad[i] = (float)rng.Uniform(-3, 3);
            }

            var expected = new float[n];
            for (int i = 0; i < n; i++)
            {
                float v = y[i];
                expected[i] = kind switch
                {
                    ActivationKind.Tanh => grad[i] * (1f - (v * v)),
                    ActivationKind.Sigmoid => grad[i] * (v * (1f - v)),
                    _ => v > 0f ? grad[i] : 0f,
                };
            }

            ActivationFunctions.Backward(kind, y, y, grad, Math.Max(1, n));
            for (int i = 0; i < n; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(grad[i]),
                    $"{kind}, n = {n}, element {i}: y {y[i]:R}, expected {expected[i]:R}, got {grad[i]:R}");
            }
        }
    }
}
