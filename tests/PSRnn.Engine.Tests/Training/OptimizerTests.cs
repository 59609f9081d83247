using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

public class OptimizerTests
{
    public static TheoryData<string> FixtureNames => TrainingFixtures.Names("optimizers");

    public static TheoryData<string> FactoryNames => new() { "sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "nadam", "adamax" };

    /// <summary>Every fixture case through every vector path this machine can run; all must give the same bits.</summary>
    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void MatchesReferenceOnEveryVectorPath(string name)
    {
        JsonElement c = TrainingFixtures.Case("optimizers", name);
        float[][]? firstPathResult = null;
        foreach (VectorPath path in new[] { VectorPath.Vector256, VectorPath.Vector128, VectorPath.Scalar })
        {
            Parameter[] parameters = TrainingFixtures.MakeParameters(c.GetProperty("initial"), c.GetProperty("trainable"));
            Optimizer optimizer = TrainingFixtures.MakeOptimizer(c);
            optimizer.Path = path;
            double[] rates = TrainingFixtures.Doubles(c.GetProperty("learning_rates"));
            JsonElement[] gradients = c.GetProperty("gradients").EnumerateArray().ToArray();
            JsonElement[] expected = c.GetProperty("expected").EnumerateArray().ToArray();
            for (int step = 0; step < rates.Length; step++)
            {
                JsonElement[] stepGradients = gradients[step].EnumerateArray().ToArray();
                for (int i = 0; i < parameters.Length; i++)
                {
                    TrainingFixtures.Floats(stepGradients[i]).CopyTo(parameters[i].Gradient, 0);
                }

                optimizer.LearningRate = (float)rates[step];
                optimizer.Step(parameters);
                Assert.Equal(step + 1, optimizer.Iterations);
                JsonElement[] stepExpected = expected[step].EnumerateArray().ToArray();
                for (int i = 0; i < parameters.Length; i++)
                {
                    TrainingFixtures.AssertAllClose(TrainingFixtures.Doubles(stepExpected[i]), parameters[i].Value, 1e-5,
                        $"{name} {path} step {step + 1} p{i}");
                }
            }

            float[][] result = parameters.Select(p => (float[])p.Value.Clone()).ToArray();
            if (firstPathResult is null)
            {
                firstPathResult = result;
            }
            else
            {
                for (int i = 0; i < result.Length; i++)
                {
                    Assert.Equal(firstPathResult[i], result[i]); // bit for bit
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(FactoryNames))]
    public void StepAllocatesNothingAfterTheFirst(string name)
    {
        Optimizer optimizer = Optimizers.Create(name);
        Parameter[] parameters = MakeParameters(seed: 3);
        var list = new List<Parameter>(parameters);
        optimizer.Step(list);
        optimizer.Step(list); // JIT and tiering out of the way
        long before = GC.GetAllocatedBytesForCurrentThread();
        optimizer.Step(list);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(before, after);
    }

    [Theory]
    [MemberData(nameof(AllConfigurations))]
    public void StateRoundTripGivesTheSameNextStepBitForBit(string description, Func<Optimizer> create)
    {
        Parameter[] original = MakeParameters(seed: 11);
        Optimizer trained = create();
        for (int step = 0; step < 3; step++)
        {
            FillGradients(original, seed: 100 + step);
            trained.Step(original);
        }

        IReadOnlyList<OptimizerSlot> state = trained.GetState(original);
        Assert.Equal(trained.SlotNames.Count * original.Count(p => p.Trainable), state.Count);

        Parameter[] copy = MakeParameters(seed: 11);
        for (int i = 0; i < copy.Length; i++)
        {
            original[i].Value.CopyTo(copy[i].Value, 0);
        }

        Optimizer restored = create();
        restored.SetState(copy, state, trained.Iterations);
        Assert.Equal(trained.Iterations, restored.Iterations);

        FillGradients(original, seed: 200);
        FillGradients(copy, seed: 200);
        trained.Step(original);
        restored.Step(copy);
        for (int i = 0; i < copy.Length; i++)
        {
            Assert.True(original[i].Value.AsSpan().SequenceEqual(copy[i].Value), $"{description}: parameter {i} differs");
        }
    }

    public static TheoryData<string, Func<Optimizer>> AllConfigurations => new()
    {
        { "sgd", () => new Sgd() },
        { "sgd momentum", () => new Sgd(0.05f, 0.9f) },
        { "sgd nesterov", () => new Sgd(0.05f, 0.9f, nesterov: true) },
        { "rmsprop", () => new RmsProp() },
        { "rmsprop centered momentum", () => new RmsProp(momentum: 0.9f, centered: true) },
        { "adam", () => new Adam() },
        { "adam amsgrad", () => new Adam(amsgrad: true) },
        { "adamw", () => new AdamW() },
        { "adagrad", () => new Adagrad(0.05f) },
        { "adadelta weight decay", () => new Adadelta(0.5f, weightDecay: 0.1f) },
        { "nadam", () => new Nadam(0.01f) },
        { "adamax", () => new Adamax(0.01f) },
        { "sgd nesterov weight decay", () => new Sgd(0.05f, 0.9f, nesterov: true, weightDecay: 0.05f) },
    };

    [Fact]
    public void SlotNamesFollowKeras()
    {
        Assert.Empty(new Sgd().SlotNames);
        Assert.Equal(["momentum"], new Sgd(momentum: 0.9f).SlotNames);
        Assert.Equal(["velocity"], new RmsProp().SlotNames);
        Assert.Equal(["velocity", "momentum", "average_gradient"], new RmsProp(momentum: 0.5f, centered: true).SlotNames);
        Assert.Equal(["momentum", "velocity"], new Adam().SlotNames);
        Assert.Equal(["momentum", "velocity", "velocity_hat"], new AdamW(amsgrad: true).SlotNames);
    }

    [Fact]
    public void SetStateRejectsIncompleteUnknownAndMisfitSlots()
    {
        Parameter[] parameters = MakeParameters(seed: 1);
        var adam = new Adam();
        IReadOnlyList<OptimizerSlot> state = adam.GetState(parameters);
        Assert.Throws<ArgumentException>(() => new Adam().SetState(parameters, state.Skip(1).ToList(), 1));
        Assert.Throws<ArgumentException>(() => new Adam().SetState(parameters,
            [.. state.Skip(1), state[0] with { SlotName = "m" }], 1));
        Assert.Throws<ArgumentException>(() => new Adam().SetState(parameters,
            [.. state.Skip(1), state[0] with { Values = new float[1] }], 1));
        Assert.Throws<ArgumentException>(() => new Adam().SetState(parameters, [.. state, state[0]], 1));
        Assert.Throws<ArgumentException>(() => new Adam().SetState(parameters,
            [.. state.Skip(1), state[0] with { ParameterIndex = 3 }], 1)); // 3 is not trainable
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam().SetState(parameters, state, -1));
    }

    [Fact]
    public void NonTrainableParametersAreNotUpdatedNorGivenSlots()
    {
        Parameter[] parameters = MakeParameters(seed: 2);
        float[] frozen = (float[])parameters[3].Value.Clone();
        var adam = new AdamW();
        FillGradients(parameters, seed: 9);
        adam.Step(parameters);
        Assert.Equal(frozen, parameters[3].Value);
        Assert.DoesNotContain(adam.GetState(parameters), s => s.ParameterIndex == 3);
    }

    [Fact]
    public void ChangingTheParameterListIsRejected()
    {
        Parameter[] parameters = MakeParameters(seed: 2);
        var adam = new Adam();
        adam.Step(parameters);
        Assert.Throws<ArgumentException>(() => adam.Step(parameters.Take(2).ToArray()));
        Parameter[] resized = [.. parameters];
        resized[0] = new Parameter("other", 3);
        Assert.Throws<ArgumentException>(() => adam.Step(resized));
    }

    [Theory]
    [InlineData("sgd", "sgd", 0.01f)]
    [InlineData("SGD", "sgd", 0.01f)]
    [InlineData("RMSprop", "rmsprop", 0.001f)]
    [InlineData("Adam", "adam", 0.001f)]
    [InlineData("adamw", "adamw", 0.001f)]
    [InlineData("AdamW", "adamw", 0.001f)]
    public void FactoryCreatesKerasDefaults(string name, string kerasName, float learningRate)
    {
        Optimizer optimizer = Optimizers.Create(name);
        Assert.Equal(kerasName, optimizer.KerasName);
        Assert.Equal(learningRate, optimizer.LearningRate);
        Assert.Equal(0.5f, Optimizers.Create(name, 0.5f).LearningRate);
        Assert.Equal(0, optimizer.Iterations);
    }

    [Fact]
    public void DefaultsAreKeras()
    {
        var adam = new Adam();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-7f, false, (float?)null),
            (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.Amsgrad, adam.WeightDecay));
        Assert.Equal(0.004f, new AdamW().WeightDecay);
        var rms = new RmsProp();
        Assert.Equal((0.001f, 0.9f, 0f, 1e-7f, false), (rms.LearningRate, rms.Rho, rms.MomentumFactor, rms.Epsilon, rms.Centered));
        var sgd = new Sgd();
        Assert.Equal((0.01f, 0f, false), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Optimizers.Create("ftrl"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(momentum: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(rho: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { LearningRate = float.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { WeightDecay = -1f });
    }

    /// <summary>Four parameters (sizes 12, 5, 37, 3; the last frozen) with seeded values.</summary>
    private static Parameter[] MakeParameters(int seed)
    {
        var random = new Random(seed);
        Parameter[] parameters = [new("kernel", 3, 4), new("bias", 5), new("recurrent_kernel", 37), new("frozen", 3) { Trainable = false }];
        foreach (Parameter p in parameters)
        {
            for (int i = 0; i < p.Length; i++)
            {
                p.Value[i] = (float)((random.NextDouble() * 2) - 1);
            }
        }

        FillGradients(parameters, seed + 1);
        return parameters;
    }

    private static void FillGradients(Parameter[] parameters, int seed)
    {
        var random = new Random(seed);
        foreach (Parameter p in parameters)
        {
            for (int i = 0; i < p.Length; i++)
            {
                p.Gradient[i] = (float)((random.NextDouble() * 2) - 1);
            }
        }
    }
}
