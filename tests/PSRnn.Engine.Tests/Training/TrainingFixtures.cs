using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>Reads tests/fixtures/training/training_cases.json, written by make_fixtures.py with PyTorch in float64.</summary>
internal static class TrainingFixtures
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "training", "training_cases.json"))));

    /// <summary>One section: <c>losses</c>, <c>optimizers</c> or <c>clipping</c>.</summary>
    public static JsonElement Section(string name) => Document.Value.RootElement.GetProperty(name);

    /// <summary>The case names of a section, as theory data (names make failures readable).</summary>
    public static TheoryData<string> Names(string section)
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Section(section).EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    public static JsonElement Case(string section, string name) =>
        Section(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    public static bool[] Bools(JsonElement array) => array.EnumerateArray().Select(e => e.GetBoolean()).ToArray();

    /// <summary>Float32 engine against a float64 reference: |a − b| ≤ tol·max(1, |b|).</summary>
    public static void AssertClose(double expected, double actual, double tolerance, string what)
    {
        double bound = tolerance * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(actual - expected) <= bound,
            $"{what}: expected {expected:R}, got {actual:R} (difference {Math.Abs(actual - expected):E3} > {bound:E3})");
    }

    public static void AssertAllClose(double[] expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], tolerance, $"{what}[{i}]");
        }
    }

    /// <summary>
    /// Checks <paramref name="loss"/>'s gradient at <paramref name="outputs"/> against central differences of step 1e-3.
    /// The loss is evaluated in double, so the quotient over the float step actually taken is accurate to O(h²) ≈ 1e-6
    /// times the curvature.
    /// </summary>
    public static void AssertGradientMatchesCentralDifferences(Loss loss, float[] outputs, float[] targets, int rows, int width,
        bool fromLogits, string what)
    {
        var gradient = new float[rows * width];
        loss.Compute(outputs, targets, rows, width, gradient, fromLogits);
        for (int i = 0; i < outputs.Length; i++)
        {
            float original = outputs[i];
            float up = original + 1e-3f, down = original - 1e-3f;
            outputs[i] = up;
            double plus = loss.Compute(outputs, targets, rows, width, [], fromLogits);
            outputs[i] = down;
            double minus = loss.Compute(outputs, targets, rows, width, [], fromLogits);
            outputs[i] = original;
            double numeric = (plus - minus) / ((double)up - down);
            Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-4 + (1e-3 * Math.Abs(numeric)),
                $"{what} [{i}]: analytic {gradient[i]}, numeric {numeric}");
        }
    }

    /// <summary>Parameters of the given sizes and values, with their trainable flags.</summary>
    public static Parameter[] MakeParameters(JsonElement values, JsonElement trainable)
    {
        bool[] flags = Bools(trainable);
        return values.EnumerateArray().Select((v, i) =>
        {
            float[] data = Floats(v);
            var p = new Parameter($"p{i}", data.Length) { Trainable = flags[i] };
            data.CopyTo(p.Value, 0);
            return p;
        }).ToArray();
    }

    /// <summary>The optimizer a fixture case describes, with Keras's defaults for what it leaves out.</summary>
    public static Optimizer MakeOptimizer(JsonElement c)
    {
        JsonElement config = c.GetProperty("config");
        float Get(string key, float fallback) =>
            config.TryGetProperty(key, out JsonElement e) ? (float)e.GetDouble() : fallback;
        bool Flag(string key) => config.TryGetProperty(key, out JsonElement e) && e.GetBoolean();
        float lr = Get("learning_rate", float.NaN);
        return c.GetProperty("optimizer").GetString() switch
        {
            "sgd" => new Sgd(lr, Get("momentum", 0f), Flag("nesterov")),
            "rmsprop" => new RmsProp(lr, Get("rho", 0.9f), Get("momentum", 0f), Get("epsilon", 1e-7f), Flag("centered")),
            "adam" => new Adam(lr, Get("beta_1", 0.9f), Get("beta_2", 0.999f), Get("epsilon", 1e-7f), Flag("amsgrad")),
            "adamw" => new AdamW(lr, Get("weight_decay", 0.004f), Get("beta_1", 0.9f), Get("beta_2", 0.999f),
                Get("epsilon", 1e-7f), Flag("amsgrad")),
            var other => throw new InvalidOperationException(other),
        };
    }
}
