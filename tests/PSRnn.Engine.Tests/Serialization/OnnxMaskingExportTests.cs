using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;
using Tensor = PSRnn.Engine.Tensors.Tensor;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// Masked models (Masking first, Embedding mask_zero) exported to ONNX and run in ONNX Runtime on ragged batches — real
/// steps first ('post'), last ('pre'), in the middle, with holes, all real, none real — agree with
/// <see cref="Trainer.Predict"/> at every output value, masked steps included, within 1e-5 absolute plus 1e-5 relative.
/// </summary>
public sealed class OnnxMaskingExportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    private const int Features = 3;
    private const int Time = 9;

    /// <summary>Per sample of the ragged batch, which of its <see cref="Time"/> steps are real.</summary>
    private static readonly bool[][] Ragged =
    [
        Steps(0, 1, 2, 3, 4, 5, 6, 7, 8), // all real
        Steps(0, 1, 2, 3),                // post padding
        Steps(3, 4, 5, 6, 7, 8),          // pre padding
        Steps(),                          // padding only
        Steps(0, 1, 4, 7),                // holes
        Steps(2, 3, 4, 5),                // padding before and after
        Steps(0),                         // one step, post
        Steps(8),                         // one step, pre
    ];

    /// <summary>The masked models by case name: each adds layers after the Masking layer of a (variable time, 3) model.</summary>
    internal static readonly Dictionary<string, Action<Sequential>> Cases = new()
    {
        ["simple_rnn_last"] = m => m.Add(new SimpleRnn(5)),
        ["simple_rnn_sequences"] = m => m.Add(new SimpleRnn(5, returnSequences: true)),
        ["simple_rnn_backwards_last"] = m => m.Add(new SimpleRnn(5, goBackwards: true)),
        ["simple_rnn_backwards_sequences"] = m => m.Add(new SimpleRnn(5, returnSequences: true, goBackwards: true)),
        ["lstm_last"] = m => m.Add(new Lstm(6)),
        ["lstm_sequences"] = m => m.Add(new Lstm(6, returnSequences: true)),
        ["lstm_backwards_last"] = m => m.Add(new Lstm(6, goBackwards: true)),
        ["lstm_backwards_sequences"] = m => m.Add(new Lstm(6, returnSequences: true, goBackwards: true)),
        ["lstm_no_bias_sequences"] = m => m.Add(new Lstm(4, returnSequences: true) { UseBias = false }),
        ["indrnn_relu_sequences"] = m => m.Add(new IndRnn(5, returnSequences: true) { Activation = ActivationKind.Relu }),
        ["indrnn_backwards_last"] = m => m.Add(new IndRnn(5, goBackwards: true)),
        ["gru_reset_after_last"] = m => m.Add(new Gru(5)),
        ["gru_reset_after_sequences"] = m => m.Add(new Gru(5, returnSequences: true)),
        ["gru_reset_before_backwards_sequences"] = m => m.Add(new Gru(5, returnSequences: true, goBackwards: true, resetAfter: false)),
        ["gru_reset_before_last"] = m => m.Add(new Gru(5, resetAfter: false)),
        ["bidirectional_lstm_last"] = m => m.Add(new Bidirectional(new Lstm(4))),
        ["bidirectional_lstm_sequences"] = m => m.Add(new Bidirectional(new Lstm(4, returnSequences: true))),
        ["bidirectional_gru_sequences"] = m => m.Add(new Bidirectional(new Gru(4, returnSequences: true))),
        ["bidirectional_simple_rnn_last"] = m => m.Add(new Bidirectional(new SimpleRnn(4))),
        ["bidirectional_lstm_sequences_sum"] = m => m.Add(new Bidirectional(new Lstm(4, returnSequences: true), mergeMode: BidirectionalMerge.Sum)),
        ["bidirectional_gru_last_mul"] = m => m.Add(new Bidirectional(new Gru(4), mergeMode: BidirectionalMerge.Mul)),
        ["bidirectional_simple_rnn_sequences_ave"] = m => m.Add(new Bidirectional(new SimpleRnn(4, returnSequences: true), mergeMode: BidirectionalMerge.Ave)),
        ["lstm_sequences_average_pooling"] = m => { m.Add(new Lstm(4, returnSequences: true)); m.Add(new GlobalPooling1D(GlobalPoolingMode.Average)); },
        ["dense_per_step_max_pooling"] = m => { m.Add(new Dense(4, ActivationKind.Tanh)); m.Add(new GlobalPooling1D(GlobalPoolingMode.Max)); },
        ["layer_normalization_then_lstm"] = m => { m.Add(new LayerNormalization()); m.Add(new Lstm(3, returnSequences: true)); },
        ["lstm_sequences_self_attention"] = m => { m.Add(new Lstm(4, returnSequences: true)); m.Add(new SelfAttention(useScale: true)); },
        ["causal_self_attention_average_pooling"] = m => { m.Add(new SelfAttention(causal: true)); m.Add(new GlobalPooling1D(GlobalPoolingMode.Average)); },
        ["lstm_sequences_multi_head_attention"] = m => { m.Add(new Lstm(4, returnSequences: true)); m.Add(new MultiHeadAttention(2, 3)); },
        ["causal_multi_head_attention_average_pooling"] = m =>
        {
            m.Add(new MultiHeadAttention(3, 2, valueDim: 4, causal: true, outputSize: 2));
            m.Add(new GlobalPooling1D(GlobalPoolingMode.Average));
        },
        ["average_pooling_only"] = m => m.Add(new GlobalPooling1D(GlobalPoolingMode.Average)),
        ["masking_only"] = _ => { },
        ["dense_per_step"] = m => m.Add(new Dense(4, ActivationKind.Tanh)),
        ["dense_then_lstm"] = m => { m.Add(new Dense(4, ActivationKind.Tanh)); m.Add(new Lstm(3, returnSequences: true)); },
        ["stacked_lstm_gru_rnn_softmax"] = m =>
        {
            m.Add(new Lstm(6, returnSequences: true));
            m.Add(new Gru(5, returnSequences: true, goBackwards: true));
            m.Add(new SimpleRnn(4));
            m.Add(new Dense(3, ActivationKind.Softmax));
        },
        ["stacked_bidirectional_per_step"] = m =>
        {
            m.Add(new Bidirectional(new Gru(4, returnSequences: true)));
            m.Add(new DropoutLayer(0.3f));
            m.Add(new Bidirectional(new Lstm(3, returnSequences: true)));
            m.Add(new Dense(2, ActivationKind.Sigmoid));
        },
        ["sequences_then_last"] = m =>
        {
            m.Add(new Gru(4, returnSequences: true));
            m.Add(new Lstm(3, goBackwards: true));
            m.Add(new Dense(2));
        },
    };

    public static TheoryData<string, float> CaseNames()
    {
        var data = new TheoryData<string, float>();
        foreach (string name in Cases.Keys)
        {
            data.Add(name, 0f);
        }

        // Another mask value, on the cases whose padding reaches the output.
        data.Add("lstm_sequences", -1.5f);
        data.Add("masking_only", 7f);
        data.Add("bidirectional_gru_sequences", -1.5f);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MaskedModelMatchesPredictOnRaggedBatches(string name, float maskValue)
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), m =>
        {
            m.Add(new Masking(maskValue));
            Cases[name](m);
        }, 41);
        using InferenceSession session = ExportToSession(model);
        double worst = 0;
        foreach (bool[][] batch in Batches())
        {
            float[] x = Padded(batch, maskValue, batch.Length + 3);
            worst = Math.Max(worst, Compare(model, session, new Tensor(x, batch.Length, batch[0].Length, Features),
                new DenseTensor<float>(x, [batch.Length, batch[0].Length, Features]), name));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} (mask value {maskValue}): max |Δ| = {worst:E2}"));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void EmbeddingMaskZeroMatchesPredictOnRaggedBatches(bool idsHaveFeatureAxis, bool bidirectional)
    {
        const int vocabulary = 7;
        void Layers(Sequential m)
        {
            m.Add(new Embedding(vocabulary, 4) { MaskZero = true });
            m.Add(bidirectional ? new Bidirectional(new Gru(4, returnSequences: true)) : new Lstm(5, returnSequences: true));
            m.Add(new SimpleRnn(3, goBackwards: true, returnSequences: true));
            m.Add(new Dense(2, ActivationKind.Softmax));
        }

        Sequential model = OnnxExportTests.Randomized(idsHaveFeatureAxis ? SampleShape.Sequence(null, 1) : SampleShape.Vector(Time), Layers, 43);
        using InferenceSession session = ExportToSession(model);
        double worst = 0;
        foreach (bool[][] batch in Batches().Where(b => idsHaveFeatureAxis || b[0].Length == Time))
        {
            int n = batch.Length, time = batch[0].Length;
            long[] ids = Ids(batch, vocabulary, n + 5);
            float[] floats = ids.Select(i => (float)i).ToArray();
            Tensor x = idsHaveFeatureAxis ? new Tensor(floats, n, time, 1) : new Tensor(floats, n, time);
            var input = new DenseTensor<long>(ids, idsHaveFeatureAxis ? [n, time, 1] : [n, time]);
            worst = Math.Max(worst, Compare(model, session, x, input, "embedding"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedding mask_zero: max |Δ| = {worst:E2}"));
    }

    [Fact]
    public void TheGraphDerivesSequenceLensFromTheInputAndKeepsOneInput()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), m =>
        {
            m.Add(new Masking());
            m.Add(new Lstm(4, returnSequences: true));
            m.Add(new Gru(3));
        }, 1);
        OnnxGraph graph = OnnxExporter.BuildGraph(model, new OnnxExportOptions());
        OnnxNode[] recurrent = graph.Nodes.Where(n => n.OpType is "LSTM" or "GRU").ToArray();
        Assert.Equal(2, recurrent.Length);
        // Both read one sequence_lens (input 4), computed once from the mask.
        Assert.All(recurrent, n => Assert.Equal(recurrent[0].Inputs[4], n.Inputs[4]));
        OnnxNode lengths = graph.Nodes.Single(n => n.Outputs.Contains(recurrent[0].Inputs[4]));
        Assert.Equal("Cast", lengths.OpType);
        Assert.Contains(graph.Nodes, n => n.OpType == "ReduceSum");
        Assert.Contains(graph.Nodes, n => n.OpType == "Equal" && n.Inputs[0] == OnnxExporter.InputName);

        using InferenceSession session = ExportToSession(model);
        Assert.Equal(["input"], session.InputMetadata.Keys);
    }

    [Fact]
    public void AnUnmaskedModelExportsTheSameGraphAsBefore()
    {
        // A model without a mask gets no mask nodes, nor sequence_lens.
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), OnnxExportTests.SequenceCases["stacked_lstm_gru_rnn_softmax"], 2);
        OnnxGraph graph = OnnxExporter.BuildGraph(model, new OnnxExportOptions());
        Assert.DoesNotContain(graph.Nodes, n => n.OpType is "Equal" or "CumSum" or "GatherElements" or "Where");
        Assert.All(graph.Nodes.Where(n => n.OpType is "LSTM" or "GRU" or "RNN"), n => Assert.True(n.Inputs.Count <= 4));

        // Nor does an Embedding without mask_zero.
        Sequential tokens = OnnxExportTests.Randomized(SampleShape.Vector(5), m => { m.Add(new Embedding(5, 3)); m.Add(new Lstm(2)); }, 3);
        Assert.DoesNotContain(OnnxExporter.BuildGraph(tokens, new OnnxExportOptions()).Nodes, n => n.OpType is "Equal" or "CumSum");
    }

    [Fact]
    public void AMaskedExportIsNotReadBackFromOnnxButSaysWhatToDo()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), m => { m.Add(new Masking()); m.Add(new Lstm(3)); }, 7);
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        var e = Assert.Throws<PSRnn.Engine.Data.DataFormatException>(() => OnnxImporter.Import(stream.ToArray(), "masked.onnx"));
        Assert.Equal(OnnxImporter.UnsupportedOperatorErrorId, e.ErrorId);
        Assert.Contains("Safetensors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaskedExportIsDeterministic()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), m =>
        {
            m.Add(new Masking());
            Cases["stacked_lstm_gru_rnn_softmax"](m);
        }, 6);
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        OnnxExporter.Export(model, first);
        OnnxExporter.Export(model, second);
        Assert.Equal(first.ToArray(), second.ToArray());
    }

    /// <summary>The ragged batch at <see cref="Time"/> steps, a batch of post padding only, and a short batch of one sample.</summary>
    private static IEnumerable<bool[][]> Batches()
    {
        yield return Ragged;
        yield return [Ragged[0], Ragged[1], Ragged[6]];
        yield return [[true, false, true, false]];
    }

    private static bool[] Steps(params int[] real)
    {
        var steps = new bool[Time];
        foreach (int t in real)
        {
            steps[t] = true;
        }

        return steps;
    }

    /// <summary>Random features at real steps (none equal to the mask value), the mask value at every feature of padding.</summary>
    private static float[] Padded(bool[][] batch, float maskValue, int seed)
    {
        int time = batch[0].Length;
        float[] x = OnnxExportTests.RandomValues(batch.Length * time * Features, seed);
        for (int b = 0; b < batch.Length; b++)
        {
            for (int t = 0; t < time; t++)
            {
                Span<float> step = x.AsSpan(((b * time) + t) * Features, Features);
                if (!batch[b][t])
                {
                    step.Fill(maskValue);
                }
                else
                {
                    // A real step may hold the mask value in some features, just not in all.
                    step[0] = maskValue;
                }
            }
        }

        return x;
    }

    private static long[] Ids(bool[][] batch, int vocabulary, int seed)
    {
        var rng = new Rng((ulong)seed);
        int time = batch[0].Length;
        var ids = new long[batch.Length * time];
        for (int b = 0; b < batch.Length; b++)
        {
            for (int t = 0; t < time; t++)
            {
                ids[(b * time) + t] = batch[b][t] ? 1 + rng.NextInt(vocabulary - 1) : 0;
            }
        }

        return ids;
    }

    private static InferenceSession ExportToSession(Sequential model)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        return new InferenceSession(stream.ToArray());
    }

    private static double Compare<T>(Sequential model, InferenceSession session, Tensor x, DenseTensor<T> input, string name)
    {
        float[] expected = Trainer.Predict(model, Dataset.Create(x, null, model));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        Microsoft.ML.OnnxRuntime.Tensors.Tensor<float> tensor = Assert.Single(results).AsTensor<float>();
        float[] actual = tensor.ToArray();
        SampleShape shape = model.OutputShape;
        int batch = x.Shape[0], time = x.Shape[1];
        Assert.Equal(shape.IsSequence ? [batch, time, shape.Features] : [batch, shape.Features], tensor.Dimensions.ToArray());
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            worst = Math.Max(worst, error);
            Assert.True(error <= Tolerance + (Tolerance * Math.Abs(expected[i])), string.Create(CultureInfo.InvariantCulture,
                $"{name}, batch {batch} × {time}: element {i} is {actual[i]} in ONNX Runtime, {expected[i]} in PSRnn (error {error:E2})."));
        }

        return worst;
    }
}
