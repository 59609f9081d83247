using System.Text.Json;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// The GRU against PyTorch in float64 (tests/fixtures/layers/make_gru_fixtures.py): torch.nn.GRU for reset_after, the
/// Keras formula in torch ops for reset_before; outputs, dInput and every weight gradient in Keras layout, and the
/// weights after three Keras Adam steps, each within 1e-5 relative.
/// </summary>
public sealed class GruFixtureTests
{
    private const double Tolerance = 1e-5;

    private static readonly Lazy<JsonDocument> Fixtures = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "layers", "gru_cases.json"))));

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Fixtures.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OutputsAndGradientsMatchPyTorch(string name)
    {
        JsonElement c = Case(name);
        (List<Layer> layers, Activations x, float[] upstream) = Load(c);
        Activations y = Run(layers, x);
        AssertClose(Doubles(c.GetProperty("output")), y.Span, $"{name} output");

        Activations dx = Backprop(layers, y, upstream);
        AssertClose(Doubles(c.GetProperty("d_input")), dx.Span, $"{name} d_input");
        JsonElement[] layerDocs = c.GetProperty("layers").EnumerateArray().ToArray();
        for (int l = 0; l < layers.Count; l++)
        {
            foreach (Parameter p in layers[l].Parameters)
            {
                AssertClose(Doubles(layerDocs[l].GetProperty("gradients").GetProperty(p.Name)), p.Gradient,
                    $"{name} {layers[l].KerasClassName}.{p.Name} gradient");
            }
        }
    }

    // The Adam test proper belongs to the training code; this one checks that the stored weights are reachable.
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ThreeKerasAdamStepsReachTheStoredWeights(string name)
    {
        JsonElement c = Case(name);
        (List<Layer> layers, Activations x, float[] upstream) = Load(c);
        Parameter[] parameters = layers.SelectMany(l => l.Parameters).ToArray();
        double[][] m = parameters.Select(p => new double[p.Length]).ToArray();
        double[][] v = parameters.Select(p => new double[p.Length]).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            Activations y = Run(layers, x);
            Backprop(layers, y, upstream);
            double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, step)) / (1 - Math.Pow(0.9, step));
            for (int i = 0; i < parameters.Length; i++)
            {
                Parameter p = parameters[i];
                for (int j = 0; j < p.Length; j++)
                {
                    double g = p.Gradient[j];
                    m[i][j] += (g - m[i][j]) * (1 - 0.9);
                    v[i][j] += ((g * g) - v[i][j]) * (1 - 0.999);
                    p.Value[j] = (float)(p.Value[j] - (alpha * m[i][j] / (Math.Sqrt(v[i][j]) + 1e-7)));
                }
            }
        }

        JsonElement[] layerDocs = c.GetProperty("layers").EnumerateArray().ToArray();
        for (int l = 0; l < layers.Count; l++)
        {
            foreach (Parameter p in layers[l].Parameters)
            {
                AssertClose(Doubles(layerDocs[l].GetProperty("weights_after_3_adam_steps").GetProperty(p.Name)), p.Value,
                    $"{name} {layers[l].KerasClassName}.{p.Name} after Adam");
            }
        }
    }

    internal static JsonElement Case(string name) =>
        Fixtures.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    internal static (List<Layer> Layers, Activations X, float[] Upstream) Load(JsonElement c)
    {
        int batch = c.GetProperty("batch").GetInt32(), time = c.GetProperty("time").GetInt32();
        int features = c.GetProperty("features").GetInt32();
        JsonElement cfg = c.GetProperty("gru");
        var gru = new Gru(cfg.GetProperty("units").GetInt32(), cfg.GetProperty("return_sequences").GetBoolean(),
            cfg.GetProperty("go_backwards").GetBoolean(), resetAfter: cfg.GetProperty("reset_after").GetBoolean(), name: "gru")
        {
            UseBias = cfg.GetProperty("use_bias").GetBoolean(),
        };
        var layers = new List<Layer> { gru };
        gru.Build(SampleShape.Sequence(time, features));
        if (c.TryGetProperty("dense_units", out JsonElement denseUnits))
        {
            var dense = new Dense(denseUnits.GetInt32(), name: "dense");
            dense.Build(gru.OutputShape);
            layers.Add(dense);
        }

        JsonElement[] layerDocs = c.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(layers.Count, layerDocs.Length);
        for (int l = 0; l < layers.Count; l++)
        {
            JsonElement weights = layerDocs[l].GetProperty("weights");
            Assert.Equal(weights.EnumerateObject().Select(w => w.Name), layers[l].Parameters.Select(p => p.Name));
            foreach (Parameter p in layers[l].Parameters)
            {
                JsonElement w = weights.GetProperty(p.Name);
                Assert.Equal(w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), p.Shape);
                Floats(w.GetProperty("data")).CopyTo(p.Value, 0);
            }
        }

        var x = new Activations(batch, time, features, true);
        Floats(c.GetProperty("input")).CopyTo(x.Span);
        return (layers, x, Floats(c.GetProperty("upstream")));
    }

    private static Activations Run(List<Layer> layers, Activations x)
    {
        foreach (Layer layer in layers)
        {
            x = layer.Forward(x, training: false);
        }

        return x;
    }

    private static Activations Backprop(List<Layer> layers, Activations y, float[] upstream)
    {
        foreach (Parameter p in layers.SelectMany(l => l.Parameters))
        {
            p.ZeroGradient();
        }

        var grad = new Activations();
        grad.ResizeLike(y);
        Assert.Equal(upstream.Length, grad.Length);
        upstream.CopyTo(grad.Span);
        for (int l = layers.Count - 1; l >= 0; l--)
        {
            grad = layers[l].Backward(grad, computeInputGradient: true)!;
        }

        return grad;
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (excess > worst)
            {
                (worst, at) = (excess, i);
            }
        }

        Assert.True(worst <= Tolerance, $"{what}[{at}]: expected {(at >= 0 ? expected[at] : 0):G9}, got {(at >= 0 ? actual[at] : 0):G9} (relative {worst:G3})");
    }
}
