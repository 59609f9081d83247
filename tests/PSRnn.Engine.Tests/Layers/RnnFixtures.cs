using System.Text.Json;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The PyTorch-made cases in fixtures/layers/rnn_lstm_cases.json (see make_rnn_lstm_fixtures.py): a stack of layers
/// with Keras-layout weights, an input, an upstream gradient G, and the expected output, dInput and weight gradients of
/// the loss Σ G ⊙ output, all in float64.
/// </summary>
internal static class RnnFixtures
{
    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "fixtures", "layers", "rnn_lstm_cases.json"))));

    /// <summary>Names of the cases whose layers are all of <paramref name="kerasClass"/> or Dense, for theory data.</summary>
    public static TheoryData<string> CaseNames(string kerasClass)
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Document.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("layers").EnumerateArray().Any(l => l.GetProperty("class").GetString() == kerasClass))
            {
                data.Add(c.GetProperty("name").GetString()!);
            }
        }

        return data;
    }

    /// <summary>Runs the case forward and backward through PSRnn's layers and compares everything within 1e-5 relative.</summary>
    public static void Verify(string name)
    {
        (JsonElement c, List<Layer> layers, Activations x) = Load(name);
        Activations y = x;
        foreach (Layer layer in layers)
        {
            y = layer.Forward(y, training: false);
        }

        AssertClose(c.GetProperty("output"), y.Span, $"{name}: output");

        var dy = new Activations();
        dy.ResizeLike(y);
        Floats(c.GetProperty("upstream")).CopyTo(dy.Span);
        Activations? d = dy;
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            d = layers[i].Backward(d!, computeInputGradient: true);
        }

        AssertClose(c.GetProperty("dinput"), d!.Span, $"{name}: dInput");
        int index = 0;
        foreach (JsonElement spec in c.GetProperty("layers").EnumerateArray())
        {
            foreach (Parameter p in layers[index].Parameters)
            {
                AssertClose(spec.GetProperty("gradients").GetProperty(p.Name), p.Gradient, $"{name}: layer {index} d{p.Name}");
            }

            index++;
        }
    }

    /// <summary>
    /// The case's JSON, its stack of PSRnn layers built and loaded with the initial weights (gradients zeroed), and its
    /// input as a (B, T, F) batch.
    /// </summary>
    public static (JsonElement Case, List<Layer> Layers, Activations Input) Load(string name)
    {
        JsonElement c = Document.Value.RootElement.GetProperty("cases").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == name);
        JsonElement input = c.GetProperty("input");
        int[] shape = Shape(input);
        var x = new Activations(shape[0], shape[1], shape[2], true);
        Floats(input).CopyTo(x.Span);

        var layers = new List<Layer>();
        SampleShape sample = x.SampleShape;
        foreach (JsonElement spec in c.GetProperty("layers").EnumerateArray())
        {
            Layer layer = Create(spec);
            layer.Build(sample);
            sample = layer.OutputShape;
            foreach (Parameter p in layer.Parameters)
            {
                JsonElement w = spec.GetProperty("weights").GetProperty(p.Name);
                Assert.Equal(Shape(w), p.Shape);
                Floats(w).CopyTo(p.Value, 0);
                p.ZeroGradient();
            }

            layers.Add(layer);
        }

        return (c, layers, x);
    }

    private static Layer Create(JsonElement spec)
    {
        JsonElement cfg = spec.GetProperty("config");
        int units = cfg.GetProperty("units").GetInt32();
        Assert.True(ActivationFunctions.TryParse(cfg.GetProperty("activation").GetString()!, out ActivationKind activation));
        bool useBias = cfg.GetProperty("use_bias").GetBoolean();
        return spec.GetProperty("class").GetString() switch
        {
            "Dense" => new Dense(units, activation, useBias, "dense"),
            "SimpleRNN" => new SimpleRnn(units, cfg.GetProperty("return_sequences").GetBoolean(),
                cfg.GetProperty("go_backwards").GetBoolean(), name: "simple_rnn")
            { Activation = activation, UseBias = useBias },
            "LSTM" => new Lstm(units, cfg.GetProperty("return_sequences").GetBoolean(),
                cfg.GetProperty("go_backwards").GetBoolean(), name: "lstm")
            { Activation = activation, UseBias = useBias },
            var other => throw new InvalidOperationException($"Unknown layer class {other}."),
        };
    }

    private static int[] Shape(JsonElement tensor) =>
        tensor.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static float[] Floats(JsonElement tensor) =>
        tensor.GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static void AssertClose(JsonElement expected, ReadOnlySpan<float> actual, string context)
    {
        double[] e = expected.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(e.Length, actual.Length);
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < e.Length; i++)
        {
            double excess = Math.Abs(actual[i] - e[i]) / Math.Max(1.0, Math.Abs(e[i]));
            if (excess > worst)
            {
                worst = excess;
                worstAt = i;
            }
        }

        Assert.True(worst <= 1e-5,
            $"{context}: largest relative difference {worst:G3} at [{worstAt}] (expected {e[Math.Max(worstAt, 0)]:G9}, got {actual[Math.Max(worstAt, 0)]:G9})");
    }
}
