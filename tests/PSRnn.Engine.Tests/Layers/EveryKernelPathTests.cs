using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Tests.Models;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The PyTorch parity and full-model gradient checks again, with the matrix products forced onto each kernel path this
/// machine can run — scalar, Vector128, Vector256, Vector512 — so the portable paths (what ARM64 and older x64 run) are
/// tested on whole layers, not only on the GEMM sweep. One compute thread, so every product runs on the forced path.
/// </summary>
public sealed class EveryKernelPathTests
{
    private static IEnumerable<GemmPath> Paths()
    {
        yield return GemmPath.Scalar;
        yield return GemmPath.Vector128;
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            yield return GemmPath.Vector256;
        }

        if (Avx512F.IsSupported)
        {
            yield return GemmPath.Vector512;
        }
    }

    public static TheoryData<string, string> RnnLstmCases()
    {
        var data = new TheoryData<string, string>();
        foreach (GemmPath path in Paths())
        {
            foreach (string kind in new[] { "SimpleRNN", "LSTM" })
            {
                foreach (string caseName in RnnFixtures.CaseNames(kind))
                {
                    data.Add(path.ToString(), caseName);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, string> GruCases()
    {
        var data = new TheoryData<string, string>();
        foreach (GemmPath path in Paths())
        {
            foreach (string caseName in GruFixtureTests.CaseNames())
            {
                data.Add(path.ToString(), caseName);
            }
        }

        return data;
    }

    public static TheoryData<string, string> Conv1DCases()
    {
        var data = new TheoryData<string, string>();
        foreach (GemmPath path in Paths())
        {
            foreach (string caseName in Conv1DTests.CaseNames())
            {
                data.Add(path.ToString(), caseName);
            }
        }

        return data;
    }

    public static TheoryData<string, string, string> MinRecurrentCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (GemmPath path in Paths())
        {
            foreach (string caseName in MinRecurrentTests.CaseNames())
            {
                data.Add(path.ToString(), caseName, "LogSpace");
                data.Add(path.ToString(), caseName, "Sequential");
            }
        }

        return data;
    }

    public static TheoryData<string, string> MultiHeadAttentionCases()
    {
        var data = new TheoryData<string, string>();
        foreach (GemmPath path in Paths())
        {
            foreach (string caseName in MultiHeadAttentionTests.CaseNames())
            {
                data.Add(path.ToString(), caseName);
            }
        }

        return data;
    }


    public static TheoryData<string, string> LstmProjectionCases()
    {
        var data = new TheoryData<string, string>();
        foreach (GemmPath path in Paths())
        {
            foreach (string caseName in LstmProjectionTests.CaseNames())
            {
                data.Add(path.ToString(), caseName);
            }
        }

        return data;
    }

    public static TheoryData<string, string> IndRnnCases()
    {
        var data = new TheoryData<string, string>();
        foreach (GemmPath path in Paths())
        {
            foreach (string caseName in IndRnnTests.CaseNames())
            {
                data.Add(path.ToString(), caseName);
            }
        }

        return data;
    }

    public static TheoryData<string> PathNames()
    {
        var data = new TheoryData<string>();
        foreach (GemmPath path in Paths())
        {
            data.Add(path.ToString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PathNames))]
    public void ForcingAPathReachesThePublicProduct(string path)
    {
        // The public overload under ForcePath must equal the internal call on that path bit for bit; the scalar and
        // vector paths sum in different orders, so this would fail if the force did not reach the kernels.
        GemmPath forced = Enum.Parse<GemmPath>(path);
        var rng = new Rng(5);
        float[] a = Enumerable.Range(0, 7 * 300).Select(_ => (float)rng.Uniform(-1, 1)).ToArray();
        float[] b = Enumerable.Range(0, 300 * 33).Select(_ => (float)rng.Uniform(-1, 1)).ToArray();
        var expected = new float[7 * 33];
        var actual = new float[7 * 33];
        Gemm.Multiply(forced, 1, false, false, 7, 33, 300, 1f, a, 300, b, 33, 0f, expected, 33);
        using (Gemm.ForcePath(forced))
        {
            Gemm.Multiply(false, false, 7, 33, 300, 1f, a, b, 0f, actual);
        }

        Assert.Equal(expected, actual);
        var scalar = new float[7 * 33];
        Gemm.Multiply(GemmPath.Scalar, 1, false, false, 7, 33, 300, 1f, a, 300, b, 33, 0f, scalar, 33);
        // Without FMA (an SSE-only CPU, or DOTNET_EnableAVX2=0) the 128-bit kernel multiplies and adds as the scalar one.
        if (forced != GemmPath.Scalar && (forced != GemmPath.Vector128 || Fma.IsSupported || AdvSimd.IsSupported))
        {
            Assert.NotEqual(scalar, actual);
        }
    }

    [Theory]
    [MemberData(nameof(RnnLstmCases))]
    public void SimpleRnnAndLstmMatchPyTorch(string path, string name)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            RnnFixtures.Verify(name);
        }
    }

    [Theory]
    [MemberData(nameof(Conv1DCases))]
    public void Conv1DMatchesPyTorch(string path, string name)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            new Conv1DTests().MatchesPyTorch(name);
        }
    }

    [Theory]
    [MemberData(nameof(MinRecurrentCases))]
    public void MinGruAndMinLstmMatchPyTorch(string path, string name, string mode)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            new MinRecurrentTests().MatchesPyTorch(name, mode);
        }
    }

    [Theory]
    [MemberData(nameof(MultiHeadAttentionCases))]
    public void MultiHeadAttentionMatchesPyTorch(string path, string name)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            new MultiHeadAttentionTests().MatchesKerasInPyTorch(name);
        }
    }

    [Theory]
    [MemberData(nameof(LstmProjectionCases))]
    public void LstmProjectionMatchesPyTorch(string path, string name)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            LstmProjectionTests.Verify(name);
        }
    }

    [Theory]
    [MemberData(nameof(IndRnnCases))]
    public void IndRnnMatchesPyTorch(string path, string name)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            IndRnnTests.Verify(name);
        }
    }

    [Theory]
    [MemberData(nameof(GruCases))]
    public void GruMatchesPyTorch(string path, string name)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            new GruFixtureTests().OutputsAndGradientsMatchPyTorch(name);
        }
    }

    [Theory]
    [MemberData(nameof(PathNames))]
    public void FullModelGradientsMatchCentralDifferences(string path)
    {
        using (Gemm.ForcePath(Enum.Parse<GemmPath>(path)))
        using (ComputeThreads.Use(1))
        {
            var tests = new SequentialGradientTests();
            tests.StackedLstmGruDenseSoftmaxWithCategoricalCrossEntropy();
            tests.EmbeddingSimpleRnnPerStepDenseWithSparseCrossEntropy();
            tests.BidirectionalLstmSigmoidWithBinaryCrossEntropy();
            tests.GruResetBeforeWithMeanSquaredErrorUnfused();
        }
    }
}
