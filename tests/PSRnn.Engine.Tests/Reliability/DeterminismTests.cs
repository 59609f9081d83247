using System.Runtime.Intrinsics.X86;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Reliability;

/// <summary>
/// What decides the bits of a training run. The same seed and thread count give the same bits; the thread count does
/// not change them either (products are split by output blocks and batch rows, never by a reduction), nor does the GEMM
/// kernel's vector width. The scalar GEMM kernel (what a machine without SIMD runs) does: it rounds each product before
/// adding, so a whole training run on it agrees with the fast path within float rounding grown by the Adam steps. Across processes and SIMD widths of the whole
/// runtime (DOTNET_EnableAVX512=0, …): the Pester suite's Reliability.Tests.ps1.
/// </summary>
public sealed class DeterminismTests(ITestOutputHelper output)
{
    private static Sequential Model()
    {
        var model = new Sequential(SampleShape.Sequence(20, 5), seed: 11);
        model.Add(new Gru(24, returnSequences: true));
        model.Add(new Lstm(24));
        model.Add(new Dense(2, ActivationKind.Softmax));
        return model;
    }

    private static float[] Train(int threads) => TrainWithLoss(threads).Weights;

    private static (float[] Weights, double Loss) TrainWithLoss(int threads)
    {
        (Tensor x, Tensor y) = ToyTask.Data(96, 20, 5, 12);
        Sequential model = Model();
        double loss = ToyTask.Fit(model, x, y, new FitOptions { Epochs = 3, BatchSize = 16, ThreadCount = threads })[^1].Loss;
        return (model.SnapshotWeights(), loss);
    }

    [Fact]
    public void TheSameSeedGivesTheSameBitsAtAnyThreadCount()
    {
        float[] one = Train(1);
        Assert.Equal(one, Train(1));
        Assert.Equal(one, Train(2));
        Assert.Equal(one, Train(3));
    }

    public static TheoryData<string> PortablePaths()
    {
        var data = new TheoryData<string> { nameof(GemmPath.Scalar), nameof(GemmPath.Vector128) };
        if (Avx2.IsSupported && Fma.IsSupported && Avx512F.IsSupported)
        {
            data.Add(nameof(GemmPath.Vector256)); // portable relative to this machine's Vector512
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PortablePaths))]
    public void EachPortablePathTrainsToTheFastPathsWeightsWithinTolerance(string path)
    {
        // The vector kernels run each output's sum over k in the same order at every width (one FMA chain, the width only
        // spreads outputs across lanes), so Vector128 and Vector256 give the fast path's bits. The scalar kernel multiplies
        // and adds without fusing: over 3 epochs (18 Adam steps at lr 0.01, GRU and LSTM of 24 units) its weights stay
        // within 1e-5 of the fast path's (measured: 3.9e-7) and the loss within 1e-6.
        (float[] fast, double fastLoss) = TrainWithLoss(1);
        float[] portable;
        double portableLoss;
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        {
            (portable, portableLoss) = TrainWithLoss(1);
        }

        double worst = fast.Zip(portable, (a, b) => Math.Abs(a - (double)b)).Max();
        output.WriteLine($"{path}: largest weight difference {worst:G3}, loss {fastLoss:R} vs {portableLoss:R}");
        if (path == nameof(GemmPath.Scalar))
        {
            Assert.True(worst <= 1e-5, $"{path}: largest weight difference {worst}");
            Assert.Equal(fastLoss, portableLoss, 1e-6);
        }
        else
        {
            Assert.Equal(fast, portable);
            Assert.Equal(fastLoss, portableLoss);
        }
    }
}
