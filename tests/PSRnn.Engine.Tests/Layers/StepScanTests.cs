using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The Masking step test against Keras's rule written out element by element (<c>any(x != mask_value)</c>, IEEE): every
/// vector width, every step width from 1 to 70 (whole vectors, an overlapping last vector, a scalar tail), one differing
/// element at each position, −0 against 0, NaN features, and mask values that are not zero.
/// </summary>
public sealed class StepScanTests
{
    public static TheoryData<int> Widths() => [512, 256, 128, 1];

    private static bool Reference(ReadOnlySpan<float> step, float value)
    {
        foreach (float x in step)
        {
            if (!(x == value))
            {
                return true;
            }
        }

        return false;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void OneDifferingElementAnywhereMakesTheStepReal(int widestBits)
    {
        foreach (float value in new[] { 0f, -1f, 1e-30f, float.MaxValue })
        {
            for (int n = 1; n <= 70; n++)
            {
                float[] step = Enumerable.Repeat(value, n).ToArray();
                Assert.False(StepScan.AnyDiffers(step, value, widestBits), $"n {n}, value {value}: all equal");
                for (int at = 0; at < n; at++)
                {
                    step[at] = value == 0f ? 1e-45f : -value;
                    Assert.True(StepScan.AnyDiffers(step, value, widestBits), $"n {n}, value {value}, differing at {at}");
                    step[at] = float.NaN;
                    Assert.True(StepScan.AnyDiffers(step, value, widestBits), $"n {n}, value {value}, NaN at {at}");
                    step[at] = value;
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void NegativeZeroEqualsZero(int widestBits)
    {
        for (int n = 1; n <= 40; n++)
        {
            float[] step = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -0f : 0f).ToArray();
            Assert.False(StepScan.AnyDiffers(step, 0f, widestBits));
            Assert.False(StepScan.AnyDiffers(step, -0f, widestBits));
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void AgreesWithTheElementwiseRuleOnRandomSteps(int widestBits)
    {
        var rng = new Rng(11);
        float[] pool = [0f, -0f, 1f, -1f, 0.5f, float.NaN, float.PositiveInfinity, float.Epsilon];
        for (int trial = 0; trial < 4000; trial++)
        {
            int n = 1 + rng.NextInt(48);
            float value = pool[rng.NextInt(pool.Length - 3)];
            // Mostly the mask value, so that both answers come up often.
            float[] step = Enumerable.Range(0, n).Select(_ => rng.NextInt(n + 2) == 0 ? pool[rng.NextInt(pool.Length)] : value).ToArray();
            Assert.Equal(Reference(step, value), StepScan.AnyDiffers(step, value, widestBits));
        }
    }
}
