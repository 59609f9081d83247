using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The acceptance test of training: the engine's layers and its <see cref="Adam"/> (lr 0.01, β1 0.9, β2 0.999,
/// ε 1e-7) reach, after three steps, the weights PyTorch computed in float64 for every layer fixture. Each step is a
/// training step as the trainer takes it: zero every gradient; forward the case's input through the stack
/// (training = true); backward its upstream G (loss Σ G ⊙ output) through every layer in reverse (no input gradient
/// for the first layer); one <see cref="Optimizer.Step"/> over all the stack's parameters. Every weight element must
/// satisfy |a − b| ≤ 1e-5·max(1, |b|).
/// </summary>
public sealed class AdamStepParityTests
{
    private const int Steps = 3;
    private const double Tolerance = 1e-5;

    /// <summary>The cases of rnn_lstm_cases.json with an "adam" entry on every layer.</summary>
    public static TheoryData<string> RnnLstmCases => CasesWithAdam("rnn_lstm_cases.json", c =>
        c.GetProperty("layers").EnumerateArray().All(l => l.TryGetProperty("adam", out _)));

    /// <summary>The cases of gru_cases.json with "weights_after_3_adam_steps" on every layer.</summary>
    public static TheoryData<string> GruCases => CasesWithAdam("gru_cases.json", c =>
        c.GetProperty("layers").EnumerateArray().All(l => l.TryGetProperty("weights_after_3_adam_steps", out _)));

    /// <summary>The cases of wrapper_cases.json with an "adam" entry.</summary>
    public static TheoryData<string> WrapperCases => CasesWithAdam("wrapper_cases.json", c => c.TryGetProperty("adam", out _));

    [Theory]
    [MemberData(nameof(RnnLstmCases))]
    public void RnnLstmWeightsAfterThreeStepsMatchPyTorch(string name)
    {
        (JsonElement c, List<Layer> layers, Activations x) = RnnFixtures.Load(name);
        TrainThreeSteps(layers, x, Doubles(c.GetProperty("upstream").GetProperty("data")));

        JsonElement[] docs = c.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(docs.Length, layers.Count);
        for (int l = 0; l < layers.Count; l++)
        {
            JsonElement adam = docs[l].GetProperty("adam");
            Assert.Equal(adam.EnumerateObject().Select(p => p.Name).Order(), layers[l].Parameters.Select(p => p.Name).Order());
            foreach (Parameter p in layers[l].Parameters)
            {
                AssertClose(Doubles(adam.GetProperty(p.Name).GetProperty("data")), p.Value, $"{name} layer {l} {p.Name}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GruCases))]
    public void GruWeightsAfterThreeStepsMatchPyTorch(string name)
    {
        JsonElement c = GruFixtureTests.Case(name);
        (List<Layer> layers, Activations x, float[] upstream) = GruFixtureTests.Load(c);
        TrainThreeSteps(layers, x, upstream.Select(g => (double)g).ToArray());

        JsonElement[] docs = c.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(docs.Length, layers.Count);
        for (int l = 0; l < layers.Count; l++)
        {
            JsonElement adam = docs[l].GetProperty("weights_after_3_adam_steps");
            Assert.Equal(adam.EnumerateObject().Select(p => p.Name).Order(), layers[l].Parameters.Select(p => p.Name).Order());
            foreach (Parameter p in layers[l].Parameters)
            {
                AssertClose(Doubles(adam.GetProperty(p.Name)), p.Value, $"{name} {layers[l].KerasClassName}.{p.Name}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(WrapperCases))]
    public void WrapperWeightsAfterThreeStepsMatchPyTorch(string name)
    {
        JsonElement c = WrapperFixtures.Case(name);
        Activations x = WrapperFixtures.Input(c);
        JsonElement config = c.GetProperty("config");
        Layer layer = config.GetProperty("class_name").GetString() switch
        {
            "Embedding" => new Embedding(config.GetProperty("input_dim").GetInt32(), config.GetProperty("output_dim").GetInt32(), "embedding"),
            "Bidirectional" => new Bidirectional(BidirectionalRecurrentParityTests.Inner(c), "bidirectional", BidirectionalRecurrentParityTests.Merge(c)),
            var other => throw new InvalidOperationException($"Unknown wrapper case class {other}."),
        };
        layer.Build(x.SampleShape);
        layer.Initialize(new Rng(1));
        WrapperFixtures.LoadWeights(layer, c);
        TrainThreeSteps([layer], x, WrapperFixtures.Data(c.GetProperty("upstream")));

        JsonElement adam = c.GetProperty("adam");
        IReadOnlyList<string> names = layer.ParameterNames;
        Assert.Equal(adam.EnumerateObject().Select(p => p.Name).Order(), names.Order());
        for (int p = 0; p < names.Count; p++)
        {
            AssertClose(WrapperFixtures.Data(adam.GetProperty(names[p])), layer.Parameters[p].Value, $"{name} {names[p]}");
        }
    }

    // Three training steps as Trainer takes them (Sequential.Backward skips the first layer's input gradient).
    private static void TrainThreeSteps(List<Layer> layers, Activations x, double[] upstream)
    {
        Parameter[] parameters = layers.SelectMany(l => l.Parameters).ToArray();
        var adam = new Adam(learningRate: 0.01f);
        var g = new Activations();
        for (int step = 0; step < Steps; step++)
        {
            foreach (Parameter p in parameters)
            {
                p.ZeroGradient();
            }

            Activations y = x;
            foreach (Layer layer in layers)
            {
                y = layer.Forward(y, training: true);
            }

            g.ResizeLike(y);
            Assert.Equal(upstream.Length, g.Length);
            for (int i = 0; i < upstream.Length; i++)
            {
                g.Span[i] = (float)upstream[i];
            }

            Activations? d = g;
            for (int l = layers.Count - 1; l >= 0; l--)
            {
                d = layers[l].Backward(d!, computeInputGradient: l > 0);
            }

            adam.Step(parameters);
        }

        Assert.Equal(Steps, adam.Iterations);
    }

    private static TheoryData<string> CasesWithAdam(string file, Func<JsonElement, bool> hasAdam)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "layers", file)));
        var data = new TheoryData<string>();
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            if (hasAdam(c))
            {
                data.Add(c.GetProperty("name").GetString()!);
            }
        }

        return data;
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (!(excess <= worst))
            {
                (worst, at) = (excess, i);
                if (double.IsNaN(excess))
                {
                    break;
                }
            }
        }

        Assert.True(worst <= Tolerance,
            $"{what}[{at}]: expected {(at >= 0 ? expected[at] : 0):G9}, got {(at >= 0 ? actual[at] : 0):G9} (relative {worst:G3})");
    }
}
