using System.Text.Json;
using PSRnn.Engine.Interpretation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Interpretation;

/// <summary>
/// Input gradients of <see cref="Attribution"/> against PyTorch autograd in float64 (tests/fixtures/attr21/attr_cases.json,
/// written by make_attr.py): SimpleRNN, LSTM, GRU → Dense(softmax), unmasked and behind Masking. Integrated gradients'
/// completeness at 64 steps, and occlusion against running the occluded inputs directly.
/// </summary>
public sealed class AttributionTests
{
    private static readonly FixtureCases Cases = new("attr21", "attr_cases.json", "cases");

    public static TheoryData<string> CaseNames => Cases.Names;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void InputGradientsMatchPyTorch(string name)
    {
        JsonElement c = Cases[name];
        (Sequential model, Dataset data) = Build(c);
        long[] targets = [.. c.GetProperty("target").EnumerateArray().Select(t => t.GetInt64())];
        AttributionResult result = Attribution.Compute(model, data,
            new AttributionOptions { Method = AttributionMethod.Saliency, Absolute = false, Targets = targets, BatchSize = 3 });
        double[] expected = Values(c.GetProperty("input_gradient"));
        Assert.Equal(expected.Length, result.Values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - result.Values[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"{name}: dx[{i}] = {result.Values[i]}, PyTorch {expected[i]}");
        }

        double[] p = Values(c.GetProperty("probabilities"));
        for (int s = 0; s < targets.Length; s++)
        {
            Assert.Equal(p[(s * 3) + targets[s]], result.Outputs[s], 5);
        }
    }

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void IntegratedGradientsAreComplete(string name)
    {
        (Sequential model, Dataset data) = Build(Cases[name]);
        AttributionResult result = Attribution.Compute(model, data,
            new AttributionOptions { Method = AttributionMethod.IntegratedGradients, Steps = 64, BatchSize = 50 });
        int sample = result.Time * result.Features;
        for (int s = 0; s < result.Count; s++)
        {
            double sum = result.Values.AsSpan(s * sample, sample).ToArray().Sum(v => (double)v);
            double change = result.Outputs[s] - result.BaselineOutputs![s];
            Assert.True(Math.Abs(sum - change) <= 0.01 * Math.Abs(change), $"{name} sample {s}: Σ = {sum}, f(x) − f(x′) = {change}");
            Assert.Equal(sum - change, result.ConvergenceDelta![s], 6);
        }
    }

    [Fact]
    public void OcclusionIsTheMeanOutputDropOfItsWindows()
    {
        (Sequential model, Dataset data) = Build(Cases["LSTM"]);
        AttributionResult result = Attribution.Compute(model, data,
            new AttributionOptions { Method = AttributionMethod.Occlusion, Window = 3, Stride = 2, Targets = [1] });
        int time = data.Time, features = data.Features, sample = time * features;
        var x = new Activations();
        data.Gather([.. Enumerable.Range(0, data.Count)], x, null);
        float[] xs = x.Span.ToArray();
        float F(float[] row)
        {
            var one = new Activations(1, time, features, true);
            row.CopyTo(one.Span);
            return model.Forward(one, false).Span[1];
        }

        // Windows start at 0, 2, 4 (⌈(6 − 3)/2⌉ + 1 = 3), the last cut to [4, 6).
        (int From, int To)[] windows = [(0, 3), (2, 5), (4, 6)];
        for (int s = 0; s < data.Count; s++)
        {
            float[] original = xs.AsSpan(s * sample, sample).ToArray();
            double full = F(original);
            var sums = new double[time];
            var counts = new int[time];
            foreach ((int from, int to) in windows)
            {
                float[] occluded = (float[])original.Clone();
                Array.Clear(occluded, from * features, (to - from) * features);
                double drop = full - F(occluded);
                for (int t = from; t < to; t++)
                {
                    sums[t] += drop;
                    counts[t]++;
                }
            }

            for (int t = 0; t < time; t++)
            {
                for (int j = 0; j < features; j++)
                {
                    Assert.Equal(sums[t] / counts[t], result.Values[(s * sample) + (t * features) + j], 5);
                }
            }
        }
    }

    [Fact]
    public void BadArgumentsHaveStableIds()
    {
        (Sequential model, Dataset data) = Build(Cases["GRU"]);
        Assert.Equal("AttributionTargetOutOfRange", Assert.Throws<ModelException>(() =>
            Attribution.Compute(model, data, new AttributionOptions { Targets = [3] })).ErrorId);
        Assert.Equal("AttributionStepsInvalid", Assert.Throws<ModelException>(() =>
            Attribution.Compute(model, data, new AttributionOptions { Steps = 0 })).ErrorId);
        Assert.Equal("AttributionWindowInvalid", Assert.Throws<ModelException>(() =>
            Attribution.Compute(model, data, new AttributionOptions { Method = AttributionMethod.Occlusion, Window = 7 })).ErrorId);
        var embedding = new Sequential(SampleShape.Vector(6), seed: 1);
        embedding.Add(new Embedding(10, 4));
        embedding.Add(new Lstm(3));
        embedding.Add(new Dense(2, ActivationKind.Softmax));
        Dataset ids = Dataset.Create(new Tensor(new float[12], 2, 6), null, embedding);
        Assert.Equal("InputGradientUnavailable", Assert.Throws<ModelException>(() =>
            Attribution.Compute(embedding, ids, new AttributionOptions { Method = AttributionMethod.Saliency })).ErrorId);
    }

    [Fact]
    public void GaussLegendreMatchesNumpy()
    {
        // numpy.polynomial.legendre.leggauss(3): nodes ±√(3/5), 0; weights 5/9, 8/9, 5/9 (mapped to [0, 1]).
        (double[] alphas, double[] weights) = IntegrationRule.Of(IntegrationMethod.GaussLegendre, 3);
        Assert.Equal(0.5 * (1 - Math.Sqrt(0.6)), alphas[0], 12);
        Assert.Equal(0.5, alphas[1], 12);
        Assert.Equal(4.0 / 9, weights[1], 12);
        Assert.Equal(1.0, IntegrationRule.Of(IntegrationMethod.GaussLegendre, 50).Weights.Sum(), 12);
        Assert.Equal(1 - (1.0 / 64), IntegrationRule.Of(IntegrationMethod.RiemannTrapezoid, 64).Weights.Sum(), 12);
    }

    private static (Sequential Model, Dataset Data) Build(JsonElement c)
    {
        string kind = c.GetProperty("kind").GetString()!;
        int units = c.GetProperty("units").GetInt32();
        var model = new Sequential(SampleShape.Sequence(6, 3), seed: 1);
        if (c.GetProperty("masked").GetBoolean())
        {
            model.Add(new Masking());
        }

        RecurrentLayer rnn = kind switch
        {
            "SimpleRNN" => new SimpleRnn(units),
            "LSTM" => new Lstm(units) { UnitForgetBias = false },
            _ => new Gru(units),
        };
        model.Add(rnn);
        var dense = new Dense(3, ActivationKind.Softmax);
        model.Add(dense);
        JsonElement w = c.GetProperty("weights"), d = c.GetProperty("dense");
        Set(rnn, w, "kernel", "recurrent_kernel", "bias");
        Set(dense, d, "kernel", "bias");
        float[] x = [.. Values(c.GetProperty("input")).Select(v => (float)v)];
        return (model, Dataset.Create(new Tensor(x, 4, 6, 3), null, model));
    }

    private static void Set(Layer layer, JsonElement weights, params string[] names)
    {
        for (int i = 0; i < names.Length; i++)
        {
            float[] v = [.. Values(weights.GetProperty(names[i])).Select(e => (float)e)];
            Assert.Equal(layer.Parameters[i].Value.Length, v.Length);
            v.CopyTo(layer.Parameters[i].Value, 0);
        }
    }

    private static double[] Values(JsonElement array) => [.. array.GetProperty("data").EnumerateArray().Select(e => e.GetDouble())];
}
