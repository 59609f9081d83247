using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// <see cref="OnnxExportOptions.Streaming"/>: a sequence fed chunk by chunk through ONNX Runtime, each call's state
/// outputs (L.h_out, L.c_out) fed back as the next call's inputs (L.h_in, L.c_in), agrees with <see cref="RnnStream"/>
/// within 1e-5 (outputs and states) for every cell, stacks with Dense, with and without return_sequences; what cannot
/// stream is refused with <see cref="OnnxExporter.StreamingUnsupportedErrorId"/>.
/// </summary>
public sealed class OnnxStreamingExportTests
{
    private const double Tolerance = 1e-5;
    private const int Features = 3;
    private static readonly int[] Chunks = [1, 4, 2, 3, 1, 5];

    private static readonly Dictionary<string, Action<Sequential, bool>> Cases = new()
    {
        ["simple"] = (m, seq) => { m.Add(new SimpleRnn(5, returnSequences: seq, name: "rnn")); m.Add(new Dense(4, ActivationKind.Tanh, name: "out")); },
        ["lstm"] = (m, seq) => { m.Add(new Lstm(6, returnSequences: seq, name: "lstm")); m.Add(new Dense(4, ActivationKind.Tanh, name: "out")); },
        ["lstm_no_bias"] = (m, seq) => m.Add(new Lstm(4, returnSequences: seq, name: "lstm") { UseBias = false }),
        ["gru_reset_after"] = (m, seq) => { m.Add(new Gru(6, returnSequences: seq, name: "gru")); m.Add(new Dense(4, name: "out")); },
        ["gru_reset_before"] = (m, seq) => { m.Add(new Gru(6, returnSequences: seq, resetAfter: false, name: "gru")); m.Add(new Dense(4, name: "out")); },
        ["stack_dense"] = (m, seq) =>
        {
            m.Add(new Lstm(6, returnSequences: true, name: "lstm"));
            m.Add(new DropoutLayer(0.5f, name: "drop"));
            m.Add(new Gru(5, returnSequences: true, name: "gru"));
            m.Add(new SimpleRnn(4, returnSequences: seq, name: "rnn"));
            m.Add(new Dense(3, ActivationKind.Softmax, name: "out"));
        },
    };

    public static TheoryData<string, bool, int> CaseNames()
    {
        var data = new TheoryData<string, bool, int>();
        foreach (string name in Cases.Keys)
        {
            data.Add(name, true, 1);
            data.Add(name, false, 3);
        }

        data.Add("lstm", true, 3);
        data.Add("stack_dense", false, 1);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OnnxRuntimeChunkByChunkAgreesWithTheStream(string name, bool sequences, int batch)
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), m => Cases[name](m, sequences), 23);
        using InferenceSession session = Export(model);
        var stream = new RnnStream(model, batch);

        // Start from a seeded, non-zero state (Keras's initial_state), the same on both sides.
        Dictionary<string, float[]> states = [];
        int seed = 1;
        foreach (KeyValuePair<string, float[]> state in stream.GetStates())
        {
            float[] values = OnnxExportTests.RandomValues(state.Value.Length, 100 + seed++);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] *= 0.4f;
            }

            stream.SetState(state.Key, values);
            states[state.Key] = values;
        }

        int units(string state) => model.Layers.OfType<RecurrentLayer>().Single(r => state.StartsWith(r.Name + ".", StringComparison.Ordinal)).Units;
        Assert.Equal(
            new[] { OnnxExporter.InputName }.Concat(states.Keys.Select(k => k + OnnxExporter.StateInputSuffix)).Order(StringComparer.Ordinal),
            session.InputMetadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            new[] { OnnxExporter.OutputName }.Concat(states.Keys.Select(k => k + OnnxExporter.StateOutputSuffix)).Order(StringComparer.Ordinal),
            session.OutputMetadata.Keys.Order(StringComparer.Ordinal));

        int seedChunk = 7;
        foreach (int steps in Chunks)
        {
            float[] chunk = OnnxExportTests.RandomValues(batch * steps * Features, seedChunk++);
            float[] expected = stream.Predict(chunk, steps).Span.ToArray();

            var feeds = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, new DenseTensor<float>(chunk, [batch, steps, Features])) };
            foreach ((string key, float[] values) in states)
            {
                feeds.Add(NamedOnnxValue.CreateFromTensor(key + OnnxExporter.StateInputSuffix, new DenseTensor<float>(values, [1, batch, units(key)])));
            }

            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(feeds);
            string where = string.Create(CultureInfo.InvariantCulture, $"{name}, sequences {sequences}, batch {batch}, chunk of {steps}");
            Microsoft.ML.OnnxRuntime.Tensors.Tensor<float> output = results.Single(r => r.Name == OnnxExporter.OutputName).AsTensor<float>();
            SampleShape shape = model.OutputShape;
            Assert.Equal(shape.IsSequence ? [batch, steps, shape.Features] : [batch, shape.Features], output.Dimensions.ToArray());
            AssertClose(expected, output.ToArray(), where + ", output");

            IReadOnlyDictionary<string, float[]> streamStates = stream.GetStates();
            foreach (string key in states.Keys.ToList())
            {
                Microsoft.ML.OnnxRuntime.Tensors.Tensor<float> next = results.Single(r => r.Name == key + OnnxExporter.StateOutputSuffix).AsTensor<float>();
                Assert.Equal([1, batch, units(key)], next.Dimensions.ToArray());
                states[key] = next.ToArray();
                AssertClose(streamStates[key], states[key], where + ", state " + key);
            }
        }
    }

    [Fact]
    public void WithoutStreamingTheGraphHasNoStateInputsOrOutputs()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), m => Cases["lstm"](m, false), 3);
        using InferenceSession session = Export(model, streaming: false);
        Assert.Equal([OnnxExporter.InputName], session.InputMetadata.Keys);
        Assert.Equal([OnnxExporter.OutputName], session.OutputMetadata.Keys);
    }

    [Fact]
    public void PSRnnDoesNotReadAStreamingExportBackAsAModel()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, Features), m => Cases["gru_reset_after"](m, true), 3);
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream, new OnnxExportOptions { Streaming = true });
        DataFormatException e = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(stream.ToArray(), "stream.onnx"));
        Assert.Equal(OnnxImporter.UnsupportedGraphErrorId, e.ErrorId);
    }

    public static TheoryData<string> RefusedNames() => new(Refused.Keys);

    private static readonly Dictionary<string, Func<Sequential>> Refused = new()
    {
        ["bidirectional"] = () => Build(m => m.Add(new Bidirectional(new Lstm(4)))),
        ["go_backwards"] = () => Build(m => m.Add(new Gru(4, goBackwards: true))),
        ["go_backwards_second"] = () => Build(m => { m.Add(new Lstm(4, returnSequences: true)); m.Add(new SimpleRnn(3, goBackwards: true)); }),
        ["masking"] = () => Build(m => { m.Add(new Masking()); m.Add(new Lstm(4)); }),
        ["embedding_mask_zero"] = () =>
        {
            var model = new Sequential(SampleShape.Sequence(null, 1), seed: 1);
            model.Add(new Embedding(10, 4) { MaskZero = true });
            model.Add(new Lstm(4));
            return model;
        },
        ["no_recurrent_layer"] = () => Build(m => m.Add(new Dense(4))),
    };

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public void WhatCannotStreamIsRefused(string name)
    {
        Sequential model = Refused[name]();
        using var destination = new MemoryStream();
        ModelException e = Assert.Throws<ModelException>(() => OnnxExporter.Export(model, destination, new OnnxExportOptions { Streaming = true }));
        Assert.Equal(OnnxExporter.StreamingUnsupportedErrorId, e.ErrorId);
        Assert.Equal(0, destination.Length);

        // The same model exports without -Streaming.
        OnnxExporter.Export(model, destination);
        Assert.True(destination.Length > 0);
    }

    private static Sequential Build(Action<Sequential> addLayers)
    {
        var model = new Sequential(SampleShape.Sequence(null, Features), seed: 1);
        addLayers(model);
        return model;
    }

    private static InferenceSession Export(Sequential model, bool streaming = true)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream, new OnnxExportOptions { Streaming = streaming });
        return new InferenceSession(stream.ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual, string where)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(error <= Tolerance + (Tolerance * Math.Abs(expected[i])),
                string.Create(CultureInfo.InvariantCulture, $"{where}: element {i} is {actual[i]} in ONNX Runtime, {expected[i]} in PSRnn (error {error:E2})."));
        }
    }
}
