using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

public sealed class LstmTests
{
    public static TheoryData<string> FixtureCases => RnnFixtures.CaseNames("LSTM");

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void MatchesPyTorch(string name) => RnnFixtures.Verify(name);

    // Keras's lstm_test.py test_correctness: constant initializers 0.01 / 0.02 / 0.03 on arange(72).reshape(3, 6, 4).
    // With unit_forget_bias the forget slice is ones (Keras concatenates init(U), ones(U), init(2U)), not 1.03.
    [Theory]
    [InlineData(false, true, true, 0.6288687f, 0.86899155f, 0.9460773f)]
    [InlineData(true, true, true, 0.35622165f, 0.74789524f, 0.8872726f)]
    [InlineData(false, false, true, 0.57019705f, 0.8661914f, 0.9459622f)]
    [InlineData(false, true, false, 0.54986924f, 0.86226785f, 0.9443936f)]
    public void ReproducesKerasConstantInitializerCheck(bool goBackwards, bool unitForgetBias, bool useBias, float row0, float row1, float row2)
    {
        var lstm = new Lstm(3, goBackwards: goBackwards, name: "lstm") { UnitForgetBias = unitForgetBias, UseBias = useBias };
        lstm.Build(SampleShape.Sequence(6, 4));
        lstm.Parameters[0].Value.AsSpan().Fill(0.01f);
        lstm.Parameters[1].Value.AsSpan().Fill(0.02f);
        if (useBias)
        {
            float[] bias = lstm.Parameters[2].Value;
            bias.AsSpan().Fill(0.03f);
            if (unitForgetBias)
            {
                bias.AsSpan(3, 3).Fill(1f);
            }
        }

        var x = new Activations(3, 6, 4, true);
        for (int i = 0; i < 72; i++)
        {
            x.Span[i] = i;
        }

        float[] y = lstm.Forward(x, training: false).Span.ToArray();
        float[] expected = [row0, row0, row0, row1, row1, row1, row2, row2, row2];
        for (int i = 0; i < 9; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5, $"[{i}]: expected {expected[i]}, got {y[i]}");
        }
    }

    [Theory]
    [InlineData(3, 5, 4, 6, false, false)]
    [InlineData(3, 5, 4, 6, true, false)]
    [InlineData(3, 5, 4, 6, false, true)]
    [InlineData(3, 5, 4, 6, true, true)]
    [InlineData(1, 1, 3, 2, false, false)]
    [InlineData(1, 4, 2, 9, true, true)]
    [InlineData(2, 1, 7, 3, true, false)]
    [InlineData(5, 3, 9, 11, true, false)]
    public void GradientsMatchCentralDifferences(int batch, int time, int features, int units, bool returnSequences, bool goBackwards)
    {
        var lstm = new Lstm(units, returnSequences, goBackwards, name: "lstm");
        lstm.Build(SampleShape.Sequence(time, features));
        lstm.Initialize(new Rng(5));
        Perturb(lstm.Parameters[2].Value, 9);
        GradientCheck.Check(lstm, GradientCheck.RandomInput(batch, time, features, true, 17));
    }

    [Theory]
    [InlineData(ActivationKind.Relu, ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.Tanh, ActivationKind.HardSigmoid)]
    [InlineData(ActivationKind.Elu, ActivationKind.Sigmoid)]
    public void GradientsMatchWithOtherActivations(ActivationKind activation, ActivationKind recurrent)
    {
        var lstm = new Lstm(4, returnSequences: true, name: "lstm") { Activation = activation, RecurrentActivation = recurrent };
        lstm.Build(SampleShape.Sequence(4, 3));
        lstm.Initialize(new Rng(2));
        // A small step: hard_sigmoid and relu have kinks the difference must not straddle often.
        GradientCheck.Check(lstm, GradientCheck.RandomInput(2, 4, 3, true, 4), h: 1e-3f, tolerance: 5e-3);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void GradientsMatchWithDropoutMasks(bool returnSequences, bool goBackwards)
    {
        var lstm = new Lstm(5, returnSequences, goBackwards, dropout: 0.4f, recurrentDropout: 0.3f, name: "lstm");
        lstm.Build(SampleShape.Sequence(5, 6));
        lstm.Initialize(new Rng(8));
        Activations x = GradientCheck.RandomInput(4, 5, 6, true, 21);

        float[] plain = lstm.Forward(x, training: false).Span.ToArray();
        lstm.Forward(x, training: true);
        lstm.HoldDropoutMasks = true;
        float[] dropped = lstm.Forward(x, training: false).Span.ToArray();
        Assert.NotEqual(plain, dropped);

        GradientCheck.Check(lstm, x);
    }

    [Fact]
    public void DropoutOnlyInTraining()
    {
        var lstm = new Lstm(4, dropout: 0.5f, recurrentDropout: 0.5f, name: "lstm");
        lstm.Build(SampleShape.Sequence(3, 2));
        lstm.Initialize(new Rng(1));
        Activations x = GradientCheck.RandomInput(3, 3, 2, true, 2);
        float[] a = lstm.Forward(x, training: false).Span.ToArray();
        float[] b = lstm.Forward(x, training: false).Span.ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, lstm.Forward(x, training: true).Span.ToArray());
    }

    [Fact]
    public void AllocatesNothingAfterTheFirstBatch()
    {
        var lstm = new Lstm(9, returnSequences: true, dropout: 0.2f, recurrentDropout: 0.2f, name: "lstm");
        lstm.Build(SampleShape.Sequence(6, 5));
        lstm.Initialize(new Rng(3));
        Activations x = GradientCheck.RandomInput(4, 6, 5, true, 1);
        var dy = new Activations(4, 6, 9, true);
        dy.Span.Fill(0.5f);

        lstm.Forward(x, training: true);
        lstm.Backward(dy, computeInputGradient: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        lstm.Forward(x, training: true);
        lstm.Backward(dy, computeInputGradient: true);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void KerasNamesShapesAndCount()
    {
        var lstm = new Lstm(128, name: "lstm");
        lstm.Build(SampleShape.Sequence(60, 13));
        Assert.Equal(["kernel", "recurrent_kernel", "bias"], lstm.Parameters.Select(p => p.Name));
        Assert.Equal([13, 512], lstm.Parameters[0].Shape);
        Assert.Equal([128, 512], lstm.Parameters[1].Shape);
        Assert.Equal([512], lstm.Parameters[2].Shape);
        Assert.Equal(72704, lstm.ParameterCount);
        Assert.Equal(SampleShape.Vector(128), lstm.OutputShape);

        var sequences = new Lstm(7, returnSequences: true, name: "l") { UseBias = false };
        sequences.Build(SampleShape.Sequence(null, 3));
        Assert.Equal(["kernel", "recurrent_kernel"], sequences.Parameters.Select(p => p.Name));
        Assert.Equal(SampleShape.Sequence(null, 7), sequences.OutputShape);
    }

    [Fact]
    public void SameSeedSameWeights()
    {
        float[][] a = Weights(new Rng(42)), b = Weights(new Rng(42)), c = Weights(new Rng(43));
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i]);
        }

        Assert.NotEqual(a[0], c[0]);

        static float[][] Weights(Rng rng)
        {
            var lstm = new Lstm(6, name: "lstm");
            lstm.Build(SampleShape.Sequence(4, 5));
            lstm.Initialize(rng);
            return lstm.Parameters.Select(p => p.Value).ToArray();
        }
    }

    [Fact]
    public void UnitForgetBiasSetsTheForgetSliceToOne()
    {
        var lstm = new Lstm(3, name: "lstm");
        lstm.Build(SampleShape.Sequence(2, 2));
        lstm.Initialize(new Rng(1));
        Assert.Equal([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0], lstm.Parameters[2].Value);

        var plain = new Lstm(3, name: "lstm") { UnitForgetBias = false, BiasInitializer = "ones" };
        plain.Build(SampleShape.Sequence(2, 2));
        plain.Initialize(new Rng(1));
        Assert.All(plain.Parameters[2].Value, v => Assert.Equal(1f, v));

        // The orthogonal recurrent kernel (U, 4U) has orthonormal rows.
        float[] u = lstm.Parameters[1].Value;
        for (int r = 0; r < 3; r++)
        {
            for (int s = 0; s < 3; s++)
            {
                double dot = 0;
                for (int j = 0; j < 12; j++)
                {
                    dot += u[(r * 12) + j] * u[(s * 12) + j];
                }

                Assert.Equal(r == s ? 1.0 : 0.0, dot, 1e-5);
            }
        }
    }

    [Fact]
    public void ConfigAndTwin()
    {
        var lstm = new Lstm(8, returnSequences: true, dropout: 0.25f, recurrentDropout: 0.5f, name: "lstm")
        {
            RecurrentActivation = ActivationKind.HardSigmoid,
            UnitForgetBias = false,
            Activation = ActivationKind.Relu,
        };
        IReadOnlyDictionary<string, object?> config = lstm.GetConfig();
        Assert.Equal("LSTM", lstm.KerasClassName);
        Assert.Equal("hard_sigmoid", config["recurrent_activation"]);
        Assert.Equal(false, config["unit_forget_bias"]);
        Assert.Equal("relu", config["activation"]);
        Assert.Equal(8, config["units"]);
        Assert.Equal(0.25, config["dropout"]);

        var twin = (Lstm)lstm.CreateTwin(goBackwards: true, "backward_lstm");
        Assert.True(twin.GoBackwards);
        Assert.Equal("backward_lstm", twin.Name);
        IReadOnlyDictionary<string, object?> twinConfig = twin.GetConfig();
        foreach (string key in config.Keys.Where(k => k is not ("name" or "go_backwards")))
        {
            Assert.Equal(config[key], twinConfig[key]);
        }
    }

    [Fact]
    public void RejectsUnsupportedActivations()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lstm(2) { RecurrentActivation = ActivationKind.Tanh });
        var softmax = new Lstm(2, name: "lstm") { Activation = ActivationKind.Softmax };
        ModelException e = Assert.Throws<ModelException>(() => softmax.Build(SampleShape.Sequence(3, 2)));
        Assert.Equal("UnsupportedRecurrentActivation", e.ErrorId);
        Assert.Equal("LayerNeedsSequence",
            Assert.Throws<ModelException>(() => new Lstm(2, name: "lstm").Build(SampleShape.Vector(3))).ErrorId);
    }

    // Moves a bias off its initial zeros/ones so the check also covers gates away from their starting point.
    private static void Perturb(float[] values, int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] += (float)rng.Uniform(-0.5, 0.5);
        }
    }
}
