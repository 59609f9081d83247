using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class GruTests
{
    [Theory]
    // resetAfter, returnSequences, goBackwards, batch, time, features, units
    [InlineData(true, false, false, 3, 5, 4, 6)]
    [InlineData(true, true, false, 2, 4, 3, 9)]
    [InlineData(true, true, true, 3, 6, 5, 5)]
    [InlineData(true, false, true, 1, 7, 2, 3)]
    [InlineData(true, true, false, 1, 1, 3, 4)]
    [InlineData(false, false, false, 3, 5, 4, 6)]
    [InlineData(false, true, false, 2, 4, 3, 9)]
    [InlineData(false, true, true, 3, 6, 5, 5)]
    [InlineData(false, false, true, 1, 7, 2, 3)]
    [InlineData(false, true, false, 1, 1, 3, 4)]
    public void GradientsMatchCentralDifferences(bool resetAfter, bool returnSequences, bool goBackwards,
        int batch, int time, int features, int units)
    {
        var gru = Create(units, features, time, returnSequences, goBackwards, resetAfter, seed: 7);
        GradientCheck.Check(gru, GradientCheck.RandomInput(batch, time, features, true, 13));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void GradientsMatchWithDropoutMasksHeld(bool resetAfter, bool goBackwards)
    {
        var gru = new Gru(7, returnSequences: true, goBackwards: goBackwards, dropout: 0.3f, recurrentDropout: 0.4f,
            resetAfter: resetAfter, name: "gru");
        gru.Build(SampleShape.Sequence(5, 6));
        gru.Initialize(new Rng(21));
        RandomizeBias(gru, 4);
        Activations x = GradientCheck.RandomInput(3, 5, 6, true, 17);

        // Draw this batch's masks, then hold them for every Forward of the check.
        gru.Forward(x, training: true);
        gru.HoldDropoutMasks = true;
        Activations held = Snapshot(gru.Forward(x, training: false));
        Activations inference = Snapshot(NewLike(gru, x).Forward(x, training: false));
        Assert.NotEqual(inference.Span.ToArray(), held.Span.ToArray());
        GradientCheck.Check(gru, x);
    }

    [Theory]
    [InlineData(ActivationKind.HardSigmoid, ActivationKind.Tanh)]
    [InlineData(ActivationKind.Sigmoid, ActivationKind.Softsign)]
    [InlineData(ActivationKind.Sigmoid, ActivationKind.Elu)]
    public void GradientsMatchWithOtherActivations(ActivationKind recurrentActivation, ActivationKind activation)
    {
        foreach (bool resetAfter in new[] { true, false })
        {
            var gru = new Gru(5, returnSequences: true, resetAfter: resetAfter, name: "gru")
            {
                RecurrentActivation = recurrentActivation,
                Activation = activation,
            };
            gru.Build(SampleShape.Sequence(4, 3));
            gru.Initialize(new Rng(5));
            RandomizeBias(gru, 8);
            // Softsign and elu have kinks in a higher derivative at 0: a smaller step keeps the estimate honest.
            GradientCheck.Check(gru, GradientCheck.RandomInput(2, 4, 3, true, 3), h: 2e-3f, tolerance: 4e-3);
        }
    }

    [Fact]
    public void WithoutBias()
    {
        foreach (bool resetAfter in new[] { true, false })
        {
            var gru = new Gru(4, returnSequences: true, resetAfter: resetAfter, name: "gru") { UseBias = false };
            gru.Build(SampleShape.Sequence(3, 2));
            gru.Initialize(new Rng(2));
            Assert.Equal(["kernel", "recurrent_kernel"], gru.Parameters.Select(p => p.Name));
            GradientCheck.Check(gru, GradientCheck.RandomInput(2, 3, 2, true, 9));
        }
    }

    [Fact]
    public void KerasShapesNamesAndConfig()
    {
        var gru = new Gru(10, name: "gru");
        gru.Build(SampleShape.Sequence(60, 13));
        Assert.Equal(["kernel", "recurrent_kernel", "bias"], gru.Parameters.Select(p => p.Name));
        Assert.Equal([13, 30], gru.Parameters[0].Shape);
        Assert.Equal([10, 30], gru.Parameters[1].Shape);
        Assert.Equal([2, 30], gru.Parameters[2].Shape);
        // Keras's summary: 3·(13·10 + 10·10 + 2·10) = 750.
        Assert.Equal(750, gru.ParameterCount);
        Assert.Equal(SampleShape.Vector(10), gru.OutputShape);

        var before = new Gru(10, returnSequences: true, resetAfter: false, name: "gru_1");
        before.Build(SampleShape.Sequence(null, 13));
        Assert.Equal([30], before.Parameters[2].Shape);
        Assert.Equal(720, before.ParameterCount);
        Assert.Equal(SampleShape.Sequence(null, 10), before.OutputShape);

        IReadOnlyDictionary<string, object?> config = gru.GetConfig();
        Assert.Equal("GRU", gru.KerasClassName);
        Assert.Equal("sigmoid", config["recurrent_activation"]);
        Assert.Equal("tanh", config["activation"]);
        Assert.Equal(true, config["reset_after"]);
        Assert.Equal(false, before.GetConfig()["reset_after"]);
        Assert.Equal(10, config["units"]);
    }

    [Fact]
    public void SameSeedGivesSameInitialWeights()
    {
        float[][] Weights(ulong seed)
        {
            var gru = new Gru(6, name: "gru");
            gru.Build(SampleShape.Sequence(4, 5));
            gru.Initialize(new Rng(seed));
            return gru.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }

        float[][] a = Weights(42), b = Weights(42), c = Weights(43);
        Assert.Equal(a, b);
        Assert.NotEqual(a[0], c[0]);
        // Keras defaults: zeros bias; orthogonal recurrent kernel (U, 3U) has orthonormal rows.
        Assert.All(a[2], v => Assert.Equal(0f, v));
        for (int i = 0; i < 6; i++)
        {
            double norm = 0;
            for (int j = 0; j < 18; j++)
            {
                norm += a[1][(i * 18) + j] * a[1][(i * 18) + j];
            }

            Assert.Equal(1.0, norm, 4);
        }
    }

    [Fact]
    public void CreateTwinCopiesTheConfiguration()
    {
        var gru = new Gru(4, returnSequences: true, dropout: 0.1f, recurrentDropout: 0.2f, resetAfter: false, name: "gru")
        {
            RecurrentActivation = ActivationKind.HardSigmoid,
            Activation = ActivationKind.Softsign,
            UseBias = false,
            KernelInitializer = "he_uniform",
        };
        var twin = (Gru)gru.CreateTwin(true, "backward_gru");
        Assert.True(twin.GoBackwards);
        Assert.Equal("backward_gru", twin.Name);
        IReadOnlyDictionary<string, object?> a = gru.GetConfig(), b = twin.GetConfig();
        foreach (string key in a.Keys.Where(k => k is not ("name" or "go_backwards")))
        {
            Assert.Equal(a[key], b[key]);
        }
    }

    [Fact]
    public void GoBackwardsEqualsForwardOnTheReversedInput()
    {
        foreach (bool resetAfter in new[] { true, false })
        {
            var forward = Create(5, 3, 6, true, false, resetAfter, seed: 3);
            var backward = Create(5, 3, 6, true, true, resetAfter, seed: 3);
            Activations x = GradientCheck.RandomInput(2, 6, 3, true, 1);
            var reversed = new Activations(2, 6, 3, true);
            for (int b = 0; b < 2; b++)
            {
                for (int t = 0; t < 6; t++)
                {
                    x.Span.Slice(((b * 6) + t) * 3, 3).CopyTo(reversed.Span.Slice(((b * 6) + 5 - t) * 3, 3));
                }
            }

            // Keras: the returned sequence is in processing order, so both outputs agree step for step.
            Assert.Equal(forward.Forward(reversed, false).Span.ToArray(), backward.Forward(x, false).Span.ToArray());
        }
    }

    [Fact]
    public void SecondBatchOfTheSameShapeAllocatesNothing()
    {
        foreach (bool resetAfter in new[] { true, false })
        {
            // Small enough that every GEMM stays on the calling thread.
            var gru = new Gru(9, returnSequences: true, dropout: 0.2f, recurrentDropout: 0.2f, resetAfter: resetAfter, name: "gru");
            gru.Build(SampleShape.Sequence(5, 7));
            gru.Initialize(new Rng(1));
            Activations x = GradientCheck.RandomInput(4, 5, 7, true, 2);
            var dy = new Activations(4, 5, 9, true);
            dy.Span.Fill(0.5f);
            gru.Forward(x, true);
            gru.Backward(dy, true);

            long before = GC.GetAllocatedBytesForCurrentThread();
            gru.Forward(x, true);
            gru.Backward(dy, true);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void VariableLengthBatchesReuseTheWorkspaces()
    {
        foreach (bool resetAfter in new[] { true, false })
        {
            var gru = new Gru(6, returnSequences: true, goBackwards: true, resetAfter: resetAfter, name: "gru");
            gru.Build(SampleShape.Sequence(null, 3));
            gru.Initialize(new Rng(4));
            Activations shortBatch = GradientCheck.RandomInput(2, 3, 3, true, 1);
            Activations longBatch = GradientCheck.RandomInput(5, 8, 3, true, 2);
            float[] first = gru.Forward(shortBatch, false).Span.ToArray();
            gru.Forward(longBatch, false);
            Assert.Equal(first, gru.Forward(shortBatch, false).Span.ToArray());
            GradientCheck.Check(gru, shortBatch);
        }
    }

    [Fact]
    public void RejectsActivationsWithoutAnOutputDerivative()
    {
        var gru = new Gru(3, name: "gru") { Activation = ActivationKind.Swish };
        ModelException e = Assert.Throws<ModelException>(() => gru.Build(SampleShape.Sequence(2, 2)));
        Assert.Contains("swish", e.Message, StringComparison.Ordinal);
    }

    internal static Gru Create(int units, int features, int time, bool returnSequences, bool goBackwards, bool resetAfter, int seed)
    {
        var gru = new Gru(units, returnSequences, goBackwards, resetAfter: resetAfter, name: "gru");
        gru.Build(SampleShape.Sequence(time, features));
        gru.Initialize(new Rng((ulong)seed));
        RandomizeBias(gru, seed + 100);
        return gru;
    }

    // Keras starts biases at zero; the checks want every bias path exercised.
    private static void RandomizeBias(Gru gru, int seed)
    {
        var rng = new Rng((ulong)seed);
        foreach (Parameter p in gru.Parameters.Where(p => p.Name == "bias"))
        {
            for (int i = 0; i < p.Length; i++)
            {
                p.Value[i] = (float)rng.Uniform(-0.5, 0.5);
            }
        }
    }

    private static Gru NewLike(Gru gru, Activations x)
    {
        var copy = new Gru(gru.Units, gru.ReturnSequences, gru.GoBackwards, resetAfter: gru.ResetAfter, name: "copy");
        copy.Build(x.SampleShape);
        for (int i = 0; i < gru.Parameters.Count; i++)
        {
            gru.Parameters[i].Value.CopyTo(copy.Parameters[i].Value, 0);
        }

        return copy;
    }

    private static Activations Snapshot(Activations a)
    {
        var copy = new Activations();
        copy.ResizeLike(a);
        a.Span.CopyTo(copy.Span);
        return copy;
    }
}
