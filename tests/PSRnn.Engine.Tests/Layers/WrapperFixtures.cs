using System.Text.Json;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// Reads tests/fixtures/layers/wrapper_cases.json (written by make_wrapper_fixtures.py with PyTorch in float64) and
/// compares engine results with it.
/// </summary>
internal static class WrapperFixtures
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "layers", "wrapper_cases.json"))));

    /// <summary>The case of that name.</summary>
    public static JsonElement Case(string name) =>
        Document.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>An array's shape.</summary>
    public static int[] Shape(JsonElement array) =>
        array.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>An array's values, row-major, as float64.</summary>
    public static double[] Data(JsonElement array) =>
        array.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>A (B, T, F) input as a sequence batch, or a (B, T) id array as vectors of T ids.</summary>
    public static Activations Input(JsonElement testCase)
    {
        JsonElement input = testCase.GetProperty("input");
        int[] shape = Shape(input);
        Activations a = shape.Length == 3 ? new Activations(shape[0], shape[1], shape[2], true) : new Activations(shape[0], 1, shape[1], false);
        double[] data = Data(input);
        for (int i = 0; i < data.Length; i++)
        {
            a.Span[i] = (float)data[i];
        }

        return a;
    }

    /// <summary>Copies the case's initial weights into the layer, by <see cref="Layer.ParameterNames"/>.</summary>
    public static void LoadWeights(Layer layer, JsonElement testCase)
    {
        JsonElement weights = testCase.GetProperty("weights");
        IReadOnlyList<string> names = layer.ParameterNames;
        Assert.Equal(weights.EnumerateObject().Select(p => p.Name).Order(), names.Order());
        for (int p = 0; p < names.Count; p++)
        {
            JsonElement w = weights.GetProperty(names[p]);
            Assert.Equal(Shape(w), layer.Parameters[p].Shape);
            double[] data = Data(w);
            for (int i = 0; i < data.Length; i++)
            {
                layer.Parameters[p].Value[i] = (float)data[i];
            }
        }
    }

    /// <summary>The upstream gradient G, shaped like <paramref name="output"/>.</summary>
    public static Activations Upstream(JsonElement testCase, Activations output)
    {
        var g = new Activations();
        g.ResizeLike(output);
        double[] data = Data(testCase.GetProperty("upstream"));
        Assert.Equal(data.Length, g.Length);
        for (int i = 0; i < data.Length; i++)
        {
            g.Span[i] = (float)data[i];
        }

        return g;
    }

    /// <summary>Asserts |actual − expected| ≤ 1e-5·max(1, |expected|) element-wise, naming the first offender.</summary>
    public static void AssertClose(JsonElement expected, ReadOnlySpan<float> actual, string what)
    {
        double[] e = Data(expected);
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

        Assert.True(worst <= 1e-5, $"{what}[{worstAt}]: largest relative difference {worst:G3} (expected {(worstAt >= 0 ? e[worstAt] : 0):G9}, got {(worstAt >= 0 ? actual[worstAt] : 0):G9})");
    }

    /// <summary>
    /// Runs the case: Forward (inference), then Backward of G from zeroed gradients, and compares the output, the input
    /// gradient (when the case has one) and every weight gradient with the fixture.
    /// </summary>
    public static void AssertParity(Layer layer, JsonElement testCase)
    {
        LoadWeights(layer, testCase);
        Activations input = Input(testCase);
        Activations output = layer.Forward(input, training: false);
        AssertClose(testCase.GetProperty("output"), output.Span, "output");
        foreach (Parameter p in layer.Parameters)
        {
            p.ZeroGradient();
        }

        bool hasInputGradient = testCase.TryGetProperty("input_gradient", out JsonElement expectedDx);
        Activations? dx = layer.Backward(Upstream(testCase, output), hasInputGradient);
        if (hasInputGradient)
        {
            AssertClose(expectedDx, dx!.Span, "input_gradient");
        }

        JsonElement gradients = testCase.GetProperty("gradients");
        IReadOnlyList<string> names = layer.ParameterNames;
        for (int p = 0; p < names.Count; p++)
        {
            AssertClose(gradients.GetProperty(names[p]), layer.Parameters[p].Gradient, names[p] + " gradient");
        }
    }
}
