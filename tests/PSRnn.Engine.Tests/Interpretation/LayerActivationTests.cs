using System.Text.Json;
using PSRnn.Engine.Interpretation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Interpretation;

/// <summary>
/// Per-step h and gates of <see cref="LayerActivations"/> against PyTorch float64 computed by hand from the same weights
/// (tests/fixtures/attr21/gate_cases.json, written by make_gates.py): LSTM and GRU (reset_after), unmasked and behind
/// Masking, and Bidirectional GRU and LSTM.
/// </summary>
public sealed class LayerActivationTests(ITestOutputHelper output)
{
    private static readonly FixtureCases Cases = new("attr21", "gate_cases.json", "cases");

    public static TheoryData<string> CaseNames => Cases.Names;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GatesMatchPyTorch(string name)
    {
        JsonElement c = Cases[name];
        (Sequential model, Dataset data, int layer) = Build(c);
        // Batches of 2: the values of a later batch land in the right rows.
        LayerActivationResult result = LayerActivations.Compute(model, data, layer, batchSize: 2);
        JsonElement values = c.GetProperty("values");
        Assert.Equal([.. values.EnumerateObject().Select(p => p.Name).Order()], result.Names.Order());
        double worst = 0;
        for (int k = 0; k < result.Names.Count; k++)
        {
            double[] expected = Values(values.GetProperty(result.Names[k]));
            Assert.Equal(expected.Length, result.Values[k].Length);
            for (int i = 0; i < expected.Length; i++)
            {
                double error = Math.Abs(expected[i] - result.Values[k][i]);
                worst = Math.Max(worst, error);
                Assert.True(error <= 1e-5, $"{name} {result.Names[k]}[{i}] = {result.Values[k][i]}, PyTorch {expected[i]}");
            }
        }

        double[] y = Values(c.GetProperty("output"));
        Assert.Equal(y.Length, result.Output.Length);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - result.Output[i]) <= 1e-5, $"{name} output[{i}] = {result.Output[i]}, PyTorch {y[i]}");
        }

        output.WriteLine($"{name}: max |gate − PyTorch| = {worst:E2}");
    }

    [Fact]
    public void OtherLayersGiveTheirOutputOnly()
    {
        (Sequential model, Dataset data, _) = Build(Cases["LSTM"]);
        model.Add(new Dense(2));
        LayerActivationResult result = LayerActivations.Compute(model, data, 1);
        Assert.Empty(result.Names);
        Assert.Equal([3, 7, 2], result.OutputShape);
        Assert.Equal(model.Forward(Gathered(data), false).Span.ToArray(), result.Output);
    }

    private static Activations Gathered(Dataset data)
    {
        var x = new Activations();
        data.Gather([.. Enumerable.Range(0, data.Count)], x, null);
        return x;
    }

    private static (Sequential Model, Dataset Data, int Layer) Build(JsonElement c)
    {
        string kind = c.GetProperty("kind").GetString()!;
        int units = c.GetProperty("units").GetInt32();
        var model = new Sequential(SampleShape.Sequence(7, 3), seed: 1);
        if (c.GetProperty("masked").GetBoolean())
        {
            model.Add(new Masking());
        }

        RecurrentLayer rnn = kind == "LSTM" ? new Lstm(units, returnSequences: true) { UnitForgetBias = false } : new Gru(units, returnSequences: true);
        Layer layer = c.GetProperty("bidirectional").GetBoolean() ? new Bidirectional(rnn) : rnn;
        model.Add(layer);
        JsonElement w = c.GetProperty("weights");
        for (int i = 0; i < layer.ParameterNames.Count; i++)
        {
            float[] v = [.. Values(w.GetProperty(layer.ParameterNames[i])).Select(e => (float)e)];
            Assert.Equal(layer.Parameters[i].Value.Length, v.Length);
            v.CopyTo(layer.Parameters[i].Value, 0);
        }

        float[] x = [.. Values(c.GetProperty("input")).Select(v => (float)v)];
        return (model, Dataset.Create(new Tensor(x, 3, 7, 3), null, model), model.Layers.Count - 1);
    }

    private static double[] Values(JsonElement array) => [.. array.GetProperty("data").EnumerateArray().Select(e => e.GetDouble())];
}
