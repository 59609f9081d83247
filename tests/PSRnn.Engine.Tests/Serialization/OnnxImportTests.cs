using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// ONNX import: the torch.onnx.export fixtures of fixtures/onnx (made by make_fixtures.py) predict PyTorch's float64
/// outputs within 1e-5, and PSRnn's own exports come back predicting what the exported model predicts, within 1e-6.
/// </summary>
public sealed class OnnxImportTests(ITestOutputHelper output)
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "onnx");

    public static TheoryData<string> TorchFixtures() => new(
        Directory.GetFiles(Dir, "*.onnx").Select(Path.GetFileNameWithoutExtension).Where(n => !n!.StartsWith("unsupported", StringComparison.Ordinal) && !n.StartsWith("packed", StringComparison.Ordinal))!);

    // A model of Dropout only exports as Identity, which imports as no layers at all: refused below.
    public static TheoryData<string> ExportCases() => new(OnnxExportTests.SequenceCases.Keys.Where(k => k != "dropout_only" && Importable(k)));

    /// <summary>The export cases with a layer the importer does not read back (it reads recurrent graphs: RNN/LSTM/GRU,
    /// concatenated directions, Dense).</summary>
    public static TheoryData<string> ExportOnlyCases() => new(OnnxExportTests.SequenceCases.Keys.Where(k => !Importable(k)));

    private static bool Importable(string name)
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, 3), OnnxExportTests.SequenceCases[name], 29);
        return model.Layers.All(l => l is not (GlobalPooling1D or LayerNormalization or Conv1D or SelfAttention or MultiHeadAttention)
            && l is not Bidirectional { MergeMode: not BidirectionalMerge.Concat });
    }

    [Theory]
    [MemberData(nameof(ExportOnlyCases))]
    public void AGraphOfLayersTheImporterLacksIsRefusedClearly(string name)
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, 3), OnnxExportTests.SequenceCases[name], 29);
        using var buffer = new MemoryStream();
        OnnxExporter.Export(model, buffer);
        var e = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(buffer.ToArray(), name + ".onnx"));
        // An operator it has no layer for (Conv, LayerNormalization, a reduction), or a graph of known ones it cannot map.
        Assert.Contains(e.ErrorId, new[] { "OnnxUnsupportedOperator", OnnxImporter.UnsupportedGraphErrorId });
        Assert.StartsWith(name + ".onnx", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TorchFixtures))]
    public void TorchExportPredictsWhatPyTorchComputed(string name)
    {
        OnnxImportResult result = OnnxImporter.Import(Path.Combine(Dir, name + ".onnx"));
        Assert.Equal("pytorch", result.Producer);
        bool timeMajor = name.EndsWith("_tbf", StringComparison.Ordinal);
        Assert.Equal(timeMajor, result.InputTimeMajor);
        Tensor x = NumpyFile.Load(Path.Combine(Dir, name + ".x.npy"))[0];
        Tensor y = NumpyFile.Load(Path.Combine(Dir, name + ".y.npy"))[0];
        float[] xs = x.ToSingleArray(out _);
        int[] xShape = x.Shape;
        if (timeMajor)
        {
            xs = SwapFirstAxes(xs, xShape);
            xShape = [xShape[1], xShape[0], xShape[2]];
        }

        Sequential model = result.Model;
        float[] actual = Trainer.Predict(model, Dataset.Create(new Tensor(xs, xShape), null, model));
        double[] expected = (double[])y.Data;
        if (result.OutputTimeMajor)
        {
            expected = SwapFirstAxes(expected, y.Shape);
        }

        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        output.WriteLine($"{name}: {string.Join(" → ", model.Layers.Select(l => l.KerasClassName))}, max |Δ| = {worst:E2}");
        Assert.True(worst <= 1e-5, $"{name}: max |Δ| {worst:E2} exceeds 1e-5");
    }

    [Fact]
    public void TorchModelsMapToTheExpectedLayers()
    {
        Sequential m = OnnxImporter.Import(Path.Combine(Dir, "lstm_stacked_h_tbf.onnx")).Model;
        Assert.Equal(["LSTM", "LSTM", "Dense"], m.Layers.Select(l => l.KerasClassName));
        Assert.True(((Lstm)m.Layers[0]).ReturnSequences);
        Assert.False(((Lstm)m.Layers[1]).ReturnSequences);
        Assert.Equal(SampleShape.Sequence(null, 3), m.InputShape);

        m = OnnxImporter.Import(Path.Combine(Dir, "gru_bidir_h2.onnx")).Model;
        Assert.Equal(["Bidirectional", "Dense"], m.Layers.Select(l => l.KerasClassName));
        Assert.True(((Gru)((Bidirectional)m.Layers[0]).ForwardLayer).ResetAfter);
        Assert.Equal(ActivationKind.Softmax, ((Dense)m.Layers[1]).Activation);

        m = OnnxImporter.Import(Path.Combine(Dir, "rnn_relu_seq_tbf.onnx")).Model;
        Assert.Equal(ActivationKind.Relu, ((SimpleRnn)m.Layers[0]).Activation);
    }

    [Fact]
    public void TheLastStepOfABidirectionalSequenceIsRefusedWithTheNodeNamed()
    {
        var e = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(Path.Combine(Dir, "unsupported_bidir_out.onnx")));
        Assert.Equal(OnnxImporter.UnsupportedGraphErrorId, e.ErrorId);
        Assert.Contains("Gather", e.Message, StringComparison.Ordinal);
        Assert.Contains("bidirectional", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGraphWithNoLayersIsRefused()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, 3), OnnxExportTests.SequenceCases["dropout_only"], 1);
        using var buffer = new MemoryStream();
        OnnxExporter.Export(model, buffer);
        var e = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(buffer.ToArray(), "identity.onnx"));
        Assert.Equal(OnnxImporter.UnsupportedGraphErrorId, e.ErrorId);
    }

    [Theory]
    [MemberData(nameof(ExportCases))]
    public void PsrnnExportRoundTripsWithinOneMillionth(string name)
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Sequence(null, 3), OnnxExportTests.SequenceCases[name], 29);
        using var buffer = new MemoryStream();
        OnnxExporter.Export(model, buffer);
        OnnxImportResult result = OnnxImporter.Import(buffer.ToArray(), name);
        Assert.Equal("PSRnn", result.Producer);
        Assert.False(result.InputTimeMajor);
        Sequential back = result.Model;
        // IndRNN exports as ONNX's RNN with R = diag(u), and comes back as that SimpleRNN (the same function).
        Assert.Equal(model.Layers.Where(l => l is not DropoutLayer).Select(l => l is IndRnn ? "SimpleRNN" : l.KerasClassName),
            back.Layers.Select(l => l.KerasClassName));
        foreach ((int batch, int time) in new[] { (1, 4), (5, 9) })
        {
            var x = new Tensor(OnnxExportTests.RandomValues(batch * time * 3, batch + time), batch, time, 3);
            float[] expected = Trainer.Predict(model, Dataset.Create(x, null, model));
            float[] actual = Trainer.Predict(back, Dataset.Create(x, null, back));
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"{name}: [{i}] {expected[i]} vs {actual[i]}");
            }
        }
    }

    [Fact]
    public void PsrnnEmbeddingExportRoundTrips()
    {
        Sequential model = OnnxExportTests.Randomized(SampleShape.Vector(6), m =>
        {
            m.Add(new Embedding(10, 4));
            m.Add(new Gru(5, returnSequences: true));
            m.Add(new Dense(2, ActivationKind.Softmax));
        }, 3);
        using var buffer = new MemoryStream();
        OnnxExporter.Export(model, buffer, new OnnxExportOptions { DynamicTime = false });
        Sequential back = OnnxImporter.Import(buffer.ToArray(), null).Model;
        Assert.Equal(model.InputShape, back.InputShape);
        var ids = new Tensor(Enumerable.Range(0, 12).Select(i => (float)(i * 7 % 10)).ToArray(), 2, 6);
        Assert.Equal(Trainer.Predict(model, Dataset.Create(ids, null, model)), Trainer.Predict(back, Dataset.Create(ids, null, back)));
    }

    private static T[] SwapFirstAxes<T>(T[] values, int[] shape)
    {
        int a = shape[0], b = shape[1], rest = values.Length / (a * b);
        var swapped = new T[values.Length];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++)
            {
                Array.Copy(values, ((i * b) + j) * rest, swapped, ((j * a) + i) * rest, rest);
            }
        }

        return swapped;
    }
}
