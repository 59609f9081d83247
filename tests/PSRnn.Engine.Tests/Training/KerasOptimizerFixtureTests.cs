using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>
/// Adagrad, Adadelta, Nadam, Adamax, SGD momentum/Nesterov and weight decay on every optimizer against
/// tests/fixtures/optimizers16 (PyTorch float64 where its rule is Keras's, else Keras's formulas in float64).
/// </summary>
public class KerasOptimizerFixtureTests
{
    private static readonly FixtureCases Cases = new("optimizers16", "optimizer_cases.json", "optimizers");

    public static TheoryData<string> Names => Cases.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryStepMatchesTheReferenceOnEveryVectorPath(string name)
    {
        JsonElement c = Cases[name];
        float[][]? firstPath = null;
        foreach (VectorPath path in new[] { VectorPath.Vector256, VectorPath.Vector128, VectorPath.Scalar })
        {
            Parameter[] parameters = TrainingFixtures.MakeParameters(c.GetProperty("initial"), c.GetProperty("trainable"));
            Optimizer optimizer = Make(c);
            optimizer.Path = path;
            double[] rates = TrainingFixtures.Doubles(c.GetProperty("learning_rates"));
            JsonElement[] gradients = [.. c.GetProperty("gradients").EnumerateArray()];
            JsonElement[] expected = [.. c.GetProperty("expected").EnumerateArray()];
            for (int step = 0; step < rates.Length; step++)
            {
                JsonElement[] g = [.. gradients[step].EnumerateArray()];
                for (int i = 0; i < parameters.Length; i++)
                {
                    TrainingFixtures.Floats(g[i]).CopyTo(parameters[i].Gradient, 0);
                }

                optimizer.LearningRate = (float)rates[step];
                optimizer.Step(parameters);
                JsonElement[] want = [.. expected[step].EnumerateArray()];
                for (int i = 0; i < parameters.Length; i++)
                {
                    TrainingFixtures.AssertAllClose(TrainingFixtures.Doubles(want[i]), parameters[i].Value, 1e-6,
                        $"{name} {path} step {step + 1} p{i}");
                }
            }

            float[][] result = [.. parameters.Select(p => (float[])p.Value.Clone())];
            firstPath ??= result;
            for (int i = 0; i < result.Length; i++)
            {
                Assert.Equal(firstPath[i], result[i]); // every path gives the same bits
            }
        }
    }

    [Fact]
    public void DefaultsAreKeras3s()
    {
        var adagrad = new Adagrad();
        Assert.Equal((0.001f, 0.1f, 1e-7f, (float?)null), (adagrad.LearningRate, adagrad.InitialAccumulatorValue, adagrad.Epsilon, adagrad.WeightDecay));
        var adadelta = new Adadelta();
        Assert.Equal((0.001f, 0.95f, 1e-7f), (adadelta.LearningRate, adadelta.Rho, adadelta.Epsilon));
        var nadam = new Nadam();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-7f), (nadam.LearningRate, nadam.Beta1, nadam.Beta2, nadam.Epsilon));
        var adamax = new Adamax();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-7f), (adamax.LearningRate, adamax.Beta1, adamax.Beta2, adamax.Epsilon));
        Assert.Equal(["accumulator"], adagrad.SlotNames);
        Assert.Equal(["accumulated_grad", "accumulated_delta_var"], adadelta.SlotNames);
        Assert.Equal(["momentum", "velocity"], nadam.SlotNames);
        Assert.Equal(["momentum", "norm"], adamax.SlotNames);
        Assert.Equal(0.004f, new AdamW().WeightDecay);
    }

    [Fact]
    public void AdagradsAccumulatorStartsAtItsInitialValue()
    {
        var p = new Parameter("w", 3) { Trainable = true };
        IReadOnlyList<OptimizerSlot> state = new Adagrad(initialAccumulatorValue: 0.25f).GetState([p]);
        Assert.Equal([0.25f, 0.25f, 0.25f], Assert.Single(state).Values);
    }

    [Fact]
    public void BadHyperParametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(initialAccumulatorValue: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(epsilon: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta(rho: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Nadam(beta1: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adamax(beta2: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Nadam(weightDecay: -0.1f));
    }

    private static Optimizer Make(JsonElement c)
    {
        JsonElement config = c.GetProperty("config");
        float Get(string key, float fallback) => config.TryGetProperty(key, out JsonElement e) ? (float)e.GetDouble() : fallback;
        float? wd = config.TryGetProperty("weight_decay", out JsonElement w) ? (float)w.GetDouble() : null;
        float lr = Get("learning_rate", float.NaN);
        return c.GetProperty("optimizer").GetString() switch
        {
            "sgd" => new Sgd(lr, Get("momentum", 0f), config.TryGetProperty("nesterov", out JsonElement n) && n.GetBoolean(), wd),
            "adagrad" => new Adagrad(lr, Get("initial_accumulator_value", 0.1f), Get("epsilon", 1e-7f), wd),
            "adadelta" => new Adadelta(lr, Get("rho", 0.95f), Get("epsilon", 1e-7f), wd),
            "nadam" => new Nadam(lr, Get("beta_1", 0.9f), Get("beta_2", 0.999f), Get("epsilon", 1e-7f), wd),
            "adamax" => new Adamax(lr, Get("beta_1", 0.9f), Get("beta_2", 0.999f), Get("epsilon", 1e-7f), wd),
            var other => throw new InvalidOperationException(other),
        };
    }
}
