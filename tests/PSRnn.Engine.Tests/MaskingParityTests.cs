using System.Globalization;
using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;

namespace PSRnn.Engine.Tests;

/// <summary>
/// Padded batches behind a Masking layer against PyTorch in float64: tests/fixtures/masking/masking_cases.json, written
/// by make_masking.py with torch.nn.utils.rnn.pack_padded_sequence (the reset-before GRU, which PyTorch lacks, by the
/// Keras formula in torch ops) and cross-checked there against Keras's masking rules run over the padded batch.
/// SimpleRNN, LSTM, GRU (both reset modes), LSTM go_backwards, Bidirectional LSTM and GRU and an LSTM→GRU stack, each
/// padded 'post' and 'pre', with and without return_sequences.
/// <para><c>Masked_*</c> run the padded batch through Masking(0) and the recurrent layers and compare the outputs at
/// the real steps (Keras's values at masked steps are left out), each sample's final state, dInput and every weight
/// gradient of Σ R ⊙ output (R zero at masked outputs). <c>Unpadded_*</c> run each sample alone, its real steps only and
/// no mask, which checks the fixtures and the Keras↔PyTorch weight mapping against the engine without masking.</para>
/// <para>Every value within 1e-5·max(1, |expected|).</para>
/// </summary>
public sealed class MaskingParityTests
{
    private const double Tolerance = 1e-5;

    private static readonly Lazy<JsonDocument> Fixtures = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "masking", "masking_cases.json"))));

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
    public void Masked_OutputsAtRealStepsAndFinalStatesMatchPyTorch(string name)
    {
        var c = new Case(name);
        Sequential model = c.Build(c.Time, masking: true);
        Activations y = model.Forward(c.Input(), training: false);
        Assert.Equal(c.OutputLength, y.Length);

        var check = new Comparison(name);
        double[] expected = c.Output;
        if (c.ReturnSequences)
        {
            for (int b = 0; b < c.Batch; b++)
            {
                foreach (int t in c.RealOutputSteps(b))
                {
                    int at = ((b * c.Time) + t) * c.Width;
                    check.Add(expected.AsSpan(at, c.Width), y.Span.Slice(at, c.Width), $"output[{b}, {t}]");
                }
            }
        }
        else
        {
            check.Add(expected, y.Span, "output");
        }

        for (int b = 0; b < c.Batch; b++)
        {
            ReadOnlySpan<float> sample = c.ReturnSequences
                ? y.Span.Slice(b * c.Time * c.Width, c.Time * c.Width)
                : y.Span.Slice(b * c.Width, c.Width);
            AddFinalStates(c, check, b, sample, c.RealOutputSteps(b), $"sample {b}");
        }

        check.Assert();
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Masked_InputAndWeightGradientsMatchPyTorch(string name)
    {
        var c = new Case(name);
        Sequential model = c.Build(c.Time, masking: true);
        Activations y = model.Forward(c.Input(), training: false);
        Activations dx = Backward(model, y, c.Upstream);

        var check = new Comparison(name);
        check.Add(c.InputGradient, dx.Span, "input_gradient");
        // The Masking layer sits first: the recurrent layers are model.Layers[1..].
        for (int l = 0; l < c.LayerCount; l++)
        {
            Layer layer = model.Layers[l + 1];
            IReadOnlyList<string> names = layer.ParameterNames;
            for (int p = 0; p < names.Count; p++)
            {
                check.Add(c.Gradient(l, names[p]), layer.Parameters[p].Gradient, $"layer {l} d{names[p]}");
            }
        }

        check.Assert();
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Unpadded_EachSampleAloneMatchesPyTorch(string name)
    {
        var c = new Case(name);
        double[] expectedOutput = c.Output, input = c.InputValues, dxExpected = c.InputGradient, upstream = c.Upstream;
        var check = new Comparison(name);
        var summed = new List<double[][]>();
        for (int b = 0; b < c.Batch; b++)
        {
            int n = c.Lengths[b];
            int[] inSteps = c.RealInputSteps(b), outSteps = c.RealOutputSteps(b);
            Assert.Equal(n, inSteps.Length);
            Assert.Equal(c.ReturnSequences ? n : 1, outSteps.Length);
            var x = new Activations(1, n, c.Features, true);
            for (int k = 0; k < n; k++)
            {
                for (int f = 0; f < c.Features; f++)
                {
                    x.Span[(k * c.Features) + f] = (float)input[(((b * c.Time) + inSteps[k]) * c.Features) + f];
                }
            }

            Sequential model = c.Build(n, masking: false);
            Activations y = model.Forward(x, training: false);
            double[] r;
            if (c.ReturnSequences)
            {
                Assert.Equal(n * c.Width, y.Length);
                r = new double[n * c.Width];
                for (int k = 0; k < n; k++)
                {
                    int at = ((b * c.Time) + outSteps[k]) * c.Width;
                    check.Add(expectedOutput.AsSpan(at, c.Width), y.Span.Slice(k * c.Width, c.Width), $"sample {b} output[{k}] (padded position {outSteps[k]})");
                    upstream.AsSpan(at, c.Width).CopyTo(r.AsSpan(k * c.Width));
                }
            }
            else
            {
                Assert.Equal(c.Width, y.Length);
                check.Add(expectedOutput.AsSpan(b * c.Width, c.Width), y.Span, $"sample {b} output");
                r = upstream.AsSpan(b * c.Width, c.Width).ToArray();
            }

            AddFinalStates(c, check, b, y.Span, c.ReturnSequences ? Enumerable.Range(0, n).ToArray() : [0], $"sample {b} alone");
            Activations dx = Backward(model, y, r);
            for (int k = 0; k < n; k++)
            {
                int at = ((b * c.Time) + inSteps[k]) * c.Features;
                check.Add(dxExpected.AsSpan(at, c.Features), dx.Span.Slice(k * c.Features, c.Features), $"sample {b} input_gradient[{k}]");
            }

            for (int l = 0; l < c.LayerCount; l++)
            {
                Layer layer = model.Layers[l];
                if (summed.Count == l)
                {
                    summed.Add(layer.Parameters.Select(p => new double[p.Length]).ToArray());
                }

                for (int p = 0; p < layer.Parameters.Count; p++)
                {
                    float[] g = layer.Parameters[p].Gradient;
                    for (int i = 0; i < g.Length; i++)
                    {
                        summed[l][p][i] += g[i];
                    }
                }
            }
        }

        // The weight gradients of the padded batch are the sums over its samples.
        Sequential shapes = c.Build(c.Time, masking: false);
        for (int l = 0; l < c.LayerCount; l++)
        {
            IReadOnlyList<string> names = shapes.Layers[l].ParameterNames;
            for (int p = 0; p < names.Count; p++)
            {
                float[] actual = summed[l][p].Select(v => (float)v).ToArray();
                check.Add(c.Gradient(l, names[p]), actual, $"layer {l} d{names[p]} summed over samples");
            }
        }

        check.Assert();
    }

    /// <summary>
    /// Compares sample <paramref name="b"/>'s final states (the last layer's) with its output: the last-state output, or
    /// the returned sequence at its last real position (<paramref name="real"/>, in order); Bidirectional's backward
    /// half at the first, where the backward layer processed its last step.
    /// </summary>
    private static void AddFinalStates(Case c, Comparison check, int b, ReadOnlySpan<float> sample, int[] real, string what)
    {
        JsonElement states = c.FinalStates[^1];
        int last = c.ReturnSequences ? real[^1] * c.Width : 0;
        if (c.IsBidirectional)
        {
            int u = c.Width / 2;
            int first = c.ReturnSequences ? real[0] * c.Width : 0;
            check.Add(Row(states, "forward.h", b), sample.Slice(last, u), what + " final forward h");
            check.Add(Row(states, "backward.h", b), sample.Slice(first + u, u), what + " final backward h");
        }
        else
        {
            check.Add(Row(states, "h", b), sample.Slice(last, c.Width), what + " final h");
        }
    }

    /// <summary>Backward of <paramref name="upstream"/> through every layer, the first one's input gradient included.</summary>
    private static Activations Backward(Sequential model, Activations output, ReadOnlySpan<double> upstream)
    {
        model.ZeroGradients();
        var dy = new Activations();
        dy.ResizeLike(output);
        Assert.Equal(upstream.Length, dy.Length);
        for (int i = 0; i < upstream.Length; i++)
        {
            dy.Span[i] = (float)upstream[i];
        }

        Activations? d = dy;
        for (int i = model.Layers.Count - 1; i >= 0; i--)
        {
            d = model.Layers[i].Backward(d!, computeInputGradient: true);
        }

        return d!;
    }

    private static double[] Row(JsonElement states, string name, int b)
    {
        double[] all = Doubles(states.GetProperty(name));
        int width = Shape(states.GetProperty(name))[1];
        return all.AsSpan(b * width, width).ToArray();
    }

    private static int[] Shape(JsonElement array) =>
        array.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static double[] Doubles(JsonElement array) =>
        array.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>One fixture case and the PSRnn model it describes.</summary>
    private sealed class Case
    {
        private readonly JsonElement _c;
        private readonly JsonElement[] _specs;
        private readonly JsonElement[] _layers;
        private readonly double[] _mask;
        private readonly double[]? _outputMask;

        public Case(string name)
        {
            _c = Fixtures.Value.RootElement.GetProperty("cases").EnumerateArray()
                .Single(e => e.GetProperty("name").GetString() == name);
            _specs = _c.GetProperty("config").GetProperty("layers").EnumerateArray().ToArray();
            _layers = _c.GetProperty("layers").EnumerateArray().ToArray();
            int[] shape = Shape(_c.GetProperty("input"));
            (Batch, Time, Features) = (shape[0], shape[1], shape[2]);
            Lengths = _c.GetProperty("lengths").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            _mask = Doubles(_c.GetProperty("mask"));
            JsonElement last = _specs[^1];
            ReturnSequences = last.GetProperty("return_sequences").GetBoolean();
            IsBidirectional = last.GetProperty("class_name").GetString() == "Bidirectional";
            Width = last.GetProperty("units").GetInt32() * (IsBidirectional ? 2 : 1);
            _outputMask = ReturnSequences ? Doubles(_c.GetProperty("output_mask")) : null;
            FinalStates = _c.GetProperty("final_states").EnumerateArray().ToArray();
        }

        public int Batch { get; }

        public int Time { get; }

        public int Features { get; }

        public int[] Lengths { get; }

        public bool ReturnSequences { get; }

        public bool IsBidirectional { get; }

        /// <summary>The last layer's output features.</summary>
        public int Width { get; }

        public int LayerCount => _specs.Length;

        public int OutputLength => Batch * Width * (ReturnSequences ? Time : 1);

        public JsonElement[] FinalStates { get; }

        public double[] InputValues => Doubles(_c.GetProperty("input"));

        public double[] Output => Doubles(_c.GetProperty("output"));

        public double[] Upstream => Doubles(_c.GetProperty("upstream"));

        public double[] InputGradient => Doubles(_c.GetProperty("input_gradient"));

        public double[] Gradient(int layer, string name) => Doubles(_layers[layer].GetProperty("gradients").GetProperty(name));

        /// <summary>The real input steps of sample <paramref name="b"/>, in time order.</summary>
        public int[] RealInputSteps(int b) => Enumerable.Range(0, Time).Where(t => _mask[(b * Time) + t] != 0).ToArray();

        /// <summary>
        /// The real positions of sample <paramref name="b"/>'s returned sequence, in order (reversed input positions for
        /// go_backwards); without return_sequences the single last-state output, as position 0.
        /// </summary>
        public int[] RealOutputSteps(int b) => _outputMask is null
            ? [0]
            : Enumerable.Range(0, Time).Where(t => _outputMask[(b * Time) + t] != 0).ToArray();

        public Activations Input()
        {
            var x = new Activations(Batch, Time, Features, true);
            double[] data = InputValues;
            for (int i = 0; i < data.Length; i++)
            {
                x.Span[i] = (float)data[i];
            }

            return x;
        }

        /// <summary>The case's layers with its weights, for <paramref name="time"/> steps, behind Masking(0) or not.</summary>
        public Sequential Build(int time, bool masking)
        {
            var model = new Sequential(SampleShape.Sequence(time, Features), seed: 13);
            if (masking)
            {
                model.Add(new Masking(0f));
            }

            for (int l = 0; l < _specs.Length; l++)
            {
                Layer layer = Create(_specs[l]);
                model.Add(layer);
                JsonElement weights = _layers[l].GetProperty("weights");
                IReadOnlyList<string> names = layer.ParameterNames;
                Assert.Equal(weights.EnumerateObject().Select(p => p.Name).Order(), names.Order());
                for (int p = 0; p < names.Count; p++)
                {
                    JsonElement w = weights.GetProperty(names[p]);
                    Assert.Equal(Shape(w), layer.Parameters[p].Shape);
                    double[] data = Doubles(w);
                    for (int i = 0; i < data.Length; i++)
                    {
                        layer.Parameters[p].Value[i] = (float)data[i];
                    }
                }
            }

            return model;
        }

        private static Layer Create(JsonElement spec)
        {
            int units = spec.GetProperty("units").GetInt32();
            bool returnSequences = spec.GetProperty("return_sequences").GetBoolean();
            bool resetAfter = !spec.TryGetProperty("reset_after", out JsonElement ra) || ra.GetBoolean();
            string kind = spec.GetProperty("class_name").GetString()!;
            if (kind == "Bidirectional")
            {
                Assert.Equal("concat", spec.GetProperty("merge_mode").GetString());
                return new Bidirectional(Recurrent(spec.GetProperty("layer").GetString()!, units, returnSequences, false, resetAfter));
            }

            return Recurrent(kind, units, returnSequences, spec.GetProperty("go_backwards").GetBoolean(), resetAfter);
        }

        private static RecurrentLayer Recurrent(string kind, int units, bool returnSequences, bool goBackwards, bool resetAfter) => kind switch
        {
            "SimpleRNN" => new SimpleRnn(units, returnSequences, goBackwards),
            "LSTM" => new Lstm(units, returnSequences, goBackwards),
            "GRU" => new Gru(units, returnSequences, goBackwards, resetAfter: resetAfter),
            _ => throw new ArgumentException("Unknown recurrent layer " + kind, nameof(kind)),
        };
    }

    /// <summary>Collects element-wise comparisons and reports the worst, with where it is.</summary>
    private sealed class Comparison(string name)
    {
        private double _worst;
        private string _where = "";
        private int _count;

        /// <summary>Compares two spans of the same length, element by element.</summary>
        public void Add(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, string what)
        {
            Xunit.Assert.True(expected.Length == actual.Length, $"{name}: {what} has {actual.Length} values, the fixture {expected.Length}.");
            for (int i = 0; i < expected.Length; i++)
            {
                double a = actual[i];
                double excess = Math.Abs(a - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
                _count++;
                if (excess > _worst || double.IsNaN(excess))
                {
                    _worst = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                    _where = string.Create(CultureInfo.InvariantCulture, $"{what} element {i}: expected {expected[i]:G9}, got {a:G9}");
                }
            }
        }

        public void Assert()
        {
            Xunit.Assert.True(_count > 0, $"{name}: nothing was compared.");
            Xunit.Assert.True(_worst <= Tolerance,
                string.Create(CultureInfo.InvariantCulture, $"{name}: largest relative difference {_worst:G3} at {_where}"));
        }
    }
}
