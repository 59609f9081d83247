using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>
/// A large parameter's update is split over the compute threads in ranges (Optimizer.RangeCount/RangeStart); every rule
/// is element-wise and the ranges start on whole vectors, so the split must give the unsplit update's bits.
/// </summary>
public sealed class OptimizerSplitTests
{
    // 300,007 elements: several ranges of at least 65,536, and a scalar tail after the last whole vector.
    private const int Large = 300_007;

    public static TheoryData<string> Rules() => new()
    {
        "sgd", "sgd-nesterov", "rmsprop-centered-momentum", "adam", "adam-amsgrad", "adamw", "adagrad", "adadelta",
        "nadam", "adamax", "sgd-decay",
    };

    private static Optimizer Create(string rule) => rule switch
    {
        "sgd-nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
        "sgd-decay" => new Sgd(0.05f, weightDecay: 0.01f),
        "rmsprop-centered-momentum" => new RmsProp(0.01f, momentum: 0.5f, centered: true),
        "adam-amsgrad" => new Adam(0.01f, amsgrad: true),
        _ => Optimizers.Create(rule, 0.01f),
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void SplitUpdateGivesTheUnsplitBits(string rule)
    {
        float[][] one = Train(rule, 1);
        foreach (int threads in new[] { 2, 3, 8, 64 })
        {
            float[][] split = Train(rule, threads);
            for (int i = 0; i < one.Length; i++)
            {
                Assert.Equal(one[i], split[i]);
            }
        }
    }

    [Theory]
    [InlineData(Large, 1, 1)]
    [InlineData(Large, 2, 2)]
    [InlineData(Large, 64, 4)]        // at least 65,536 elements a range
    [InlineData(65_535, 2, 1)]        // below one range's worth: not split
    [InlineData(131_072, 2, 2)]
    public void RangesCoverTheParameterOnWholeVectors(int length, int threads, int expected)
    {
        int parts = Optimizer.RangeCount(length, threads);
        Assert.Equal(expected, parts);
        Assert.Equal(0, Optimizer.RangeStart(length, parts, 0));
        Assert.Equal(length, Optimizer.RangeStart(length, parts, parts));
        for (int k = 1; k < parts; k++)
        {
            int start = Optimizer.RangeStart(length, parts, k);
            Assert.Equal(0, start % Optimizer.RangeAlignment);
            Assert.True(start > Optimizer.RangeStart(length, parts, k - 1));
        }
    }

    // Three steps over a large parameter with a bound (clipped by its constraint), a small one and a frozen one.
    private static float[][] Train(string rule, int threads)
    {
        var large = new Parameter("large", Large) { Trainable = true, MaxAbs = 0.7f };
        var small = new Parameter("small", 37) { Trainable = true };
        var frozen = new Parameter("frozen", Large) { Trainable = false };
        Parameter[] parameters = [large, small, frozen];
        var rng = new Rng(5);
        foreach (Parameter p in parameters)
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] = (float)rng.Uniform(-1, 1);
            }
        }

        Optimizer optimizer = Create(rule);
        using (ComputeThreads.Use(threads))
        {
            for (int step = 0; step < 3; step++)
            {
                foreach (Parameter p in parameters)
                {
                    for (int i = 0; i < p.Gradient.Length; i++)
                    {
                        p.Gradient[i] = (float)rng.Uniform(-2, 2);
                    }
                }

                optimizer.Step(parameters);
            }
        }

        return parameters.Select(p => p.Value.ToArray()).ToArray();
    }
}
