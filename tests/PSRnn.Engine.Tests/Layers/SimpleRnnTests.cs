using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class SimpleRnnTests
{
    public static TheoryData<string> FixtureCases => RnnFixtures.CaseNames("SimpleRNN");

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void MatchesPyTorch(string name) => RnnFixtures.Verify(name);

    [Fact]
    public void ComputesTheRecurrenceByHand()
    {
        // U = 1, F = 1: h_t = tanh(0.5·x_t + 0.25·h_{t−1} + 0.1)
        var rnn = new SimpleRnn(1, returnSequences: true, name: "rnn");
        rnn.Build(SampleShape.Sequence(3, 1));
        rnn.Parameters[0].Value[0] = 0.5f;
        rnn.Parameters[1].Value[0] = 0.25f;
        rnn.Parameters[2].Value[0] = 0.1f;
        var x = new Activations(1, 3, 1, true);
        new float[] { 1, -2, 3 }.CopyTo(x.Span);
        double h = 0;
        var expected = new List<double>();
        foreach (double xt in new[] { 1.0, -2.0, 3.0 })
        {
            h = Math.Tanh((0.5 * xt) + (0.25 * h) + 0.1);
            expected.Add(h);
        }

        float[] y = rnn.Forward(x, false).Span.ToArray();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], y[i], 1e-6);
        }
    }

    [Theory]
    [InlineData(3, 5, 4, 6, false, false, ActivationKind.Tanh)]
    [InlineData(3, 5, 4, 6, true, false, ActivationKind.Tanh)]
    [InlineData(3, 5, 4, 6, false, true, ActivationKind.Tanh)]
    [InlineData(3, 5, 4, 6, true, true, ActivationKind.Tanh)]
    [InlineData(1, 1, 3, 2, false, false, ActivationKind.Tanh)]
    [InlineData(1, 4, 2, 9, true, true, ActivationKind.Sigmoid)]
    [InlineData(2, 1, 7, 3, true, false, ActivationKind.Tanh)]
    [InlineData(5, 3, 9, 11, true, false, ActivationKind.Softsign)]
    [InlineData(4, 6, 5, 10, true, true, ActivationKind.Linear)]
    public void GradientsMatchCentralDifferences(int batch, int time, int features, int units, bool returnSequences,
        bool goBackwards, ActivationKind activation)
    {
        var rnn = new SimpleRnn(units, returnSequences, goBackwards, name: "rnn") { Activation = activation, BiasInitializer = "random_uniform" };
        rnn.Build(SampleShape.Sequence(time, features));
        rnn.Initialize(new Rng(5));
        GradientCheck.Check(rnn, GradientCheck.RandomInput(batch, time, features, true, 17));
    }

    [Fact]
    public void GradientsMatchWithRelu()
    {
        var rnn = new SimpleRnn(5, returnSequences: true, name: "rnn") { Activation = ActivationKind.Relu, BiasInitializer = "random_uniform" };
        rnn.Build(SampleShape.Sequence(4, 3));
        rnn.Initialize(new Rng(6));
        // A small step, so few differences straddle relu's kink.
        GradientCheck.Check(rnn, GradientCheck.RandomInput(3, 4, 3, true, 8), h: 1e-3f, tolerance: 5e-3);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void GradientsMatchWithDropoutMasks(bool returnSequences, bool goBackwards)
    {
        var rnn = new SimpleRnn(5, returnSequences, goBackwards, dropout: 0.4f, recurrentDropout: 0.3f, name: "rnn");
        rnn.Build(SampleShape.Sequence(5, 6));
        rnn.Initialize(new Rng(8));
        Activations x = GradientCheck.RandomInput(4, 5, 6, true, 21);

        float[] plain = rnn.Forward(x, training: false).Span.ToArray();
        rnn.Forward(x, training: true);
        rnn.HoldDropoutMasks = true;
        float[] dropped = rnn.Forward(x, training: false).Span.ToArray();
        Assert.NotEqual(plain, dropped);

        GradientCheck.Check(rnn, x);
    }

    [Fact]
    public void AllocatesNothingAfterTheFirstBatch()
    {
        var rnn = new SimpleRnn(9, returnSequences: false, dropout: 0.2f, recurrentDropout: 0.2f, name: "rnn");
        rnn.Build(SampleShape.Sequence(6, 5));
        rnn.Initialize(new Rng(3));
        Activations x = GradientCheck.RandomInput(4, 6, 5, true, 1);
        var dy = new Activations(4, 1, 9, false);
        dy.Span.Fill(0.5f);

        rnn.Forward(x, training: true);
        rnn.Backward(dy, computeInputGradient: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        rnn.Forward(x, training: true);
        rnn.Backward(dy, computeInputGradient: true);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void KerasNamesShapesAndCount()
    {
        var rnn = new SimpleRnn(32, name: "simple_rnn");
        rnn.Build(SampleShape.Sequence(60, 13));
        Assert.Equal(["kernel", "recurrent_kernel", "bias"], rnn.Parameters.Select(p => p.Name));
        Assert.Equal([13, 32], rnn.Parameters[0].Shape);
        Assert.Equal([32, 32], rnn.Parameters[1].Shape);
        Assert.Equal([32], rnn.Parameters[2].Shape);
        Assert.Equal(1472, rnn.ParameterCount);
        Assert.Equal(SampleShape.Vector(32), rnn.OutputShape);

        var sequences = new SimpleRnn(4, returnSequences: true, name: "r");
        sequences.Build(SampleShape.Sequence(7, 2));
        Assert.Equal(SampleShape.Sequence(7, 4), sequences.OutputShape);
    }

    [Fact]
    public void SameSeedSameWeights()
    {
        float[][] a = Weights(new Rng(42)), b = Weights(new Rng(42)), c = Weights(new Rng(43));
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i]);
        }

        Assert.NotEqual(a[1], c[1]);

        static float[][] Weights(Rng rng)
        {
            var rnn = new SimpleRnn(6, name: "rnn");
            rnn.Build(SampleShape.Sequence(4, 5));
            rnn.Initialize(rng);
            return rnn.Parameters.Select(p => p.Value).ToArray();
        }
    }

    [Fact]
    public void ConfigAndTwin()
    {
        var rnn = new SimpleRnn(8, returnSequences: true, dropout: 0.25f, name: "simple_rnn") { Activation = ActivationKind.Relu };
        IReadOnlyDictionary<string, object?> config = rnn.GetConfig();
        Assert.Equal("SimpleRNN", rnn.KerasClassName);
        Assert.Equal("relu", config["activation"]);
        Assert.Equal(true, config["return_sequences"]);
        Assert.False(config.ContainsKey("recurrent_activation"));

        var twin = (SimpleRnn)rnn.CreateTwin(goBackwards: true, "backward_simple_rnn");
        Assert.True(twin.GoBackwards);
        IReadOnlyDictionary<string, object?> twinConfig = twin.GetConfig();
        foreach (string key in config.Keys.Where(k => k is not ("name" or "go_backwards")))
        {
            Assert.Equal(config[key], twinConfig[key]);
        }
    }

    [Fact]
    public void RejectsSoftmax()
    {
        var rnn = new SimpleRnn(2, name: "rnn") { Activation = ActivationKind.Softmax };
        Assert.Equal("UnsupportedRecurrentActivation",
            Assert.Throws<ModelException>(() => rnn.Build(SampleShape.Sequence(3, 2))).ErrorId);
    }
}
