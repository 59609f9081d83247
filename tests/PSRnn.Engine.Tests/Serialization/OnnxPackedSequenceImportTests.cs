using System.Globalization;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization.Onnx;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// ONNX import of torch.onnx.export files whose recurrent operators read a graph input <c>lengths</c> as sequence_lens
/// (pack_padded_sequence; fixtures/onnx/make_packed_fixtures.py): the model masks zero padding instead (Masking(0) first,
/// or Embedding mask_zero) and predicts PyTorch's float64 outputs on the ragged batch within 1e-5 — at every value of a
/// final state, at the real steps of a forward sequence (where ONNX has zeros at padding and Keras repeats the last real
/// output), and at every step of a bidirectional sequence (zeros at padding in both).
/// </summary>
public sealed class OnnxPackedSequenceImportTests(ITestOutputHelper output)
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "onnx");

    public static TheoryData<string> Fixtures() => new(
        Directory.GetFiles(Dir, "packed_*.onnx").Select(Path.GetFileNameWithoutExtension)!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void PackedTorchExportPredictsWhatPyTorchComputedOnARaggedBatch(string name)
    {
        OnnxImportResult result = OnnxImporter.Import(Path.Combine(Dir, name + ".onnx"));
        Assert.Equal("pytorch", result.Producer);
        Assert.Equal("lengths", result.LengthsInput);
        Sequential model = result.Model;
        bool tokens = name.Contains("embedding", StringComparison.Ordinal);
        if (tokens)
        {
            Assert.True(Assert.IsType<Embedding>(model.Layers[0]).MaskZero);
        }
        else
        {
            Assert.Equal(0f, Assert.IsType<Masking>(model.Layers[0]).MaskValue);
        }

        long[] lengths = (long[])NumpyFile.Load(Path.Combine(Dir, name + ".lengths.npy"))[0].Data;
        Tensor x = NumpyFile.Load(Path.Combine(Dir, name + ".x.npy"))[0];
        Tensor y = NumpyFile.Load(Path.Combine(Dir, name + ".y.npy"))[0];
        float[] xs = tokens ? ((long[])x.Data).Select(i => (float)i).ToArray() : x.ToSingleArray(out _);
        // Ids with a symbolic time import as a (batch, time, 1) model.
        int[] xShape = tokens ? [.. x.Shape, 1] : x.Shape;
        if (result.InputTimeMajor)
        {
            xs = SwapFirstAxes(xs, xShape);
            xShape = [xShape[1], xShape[0], xShape[2]];
        }

        float[] actual = Trainer.Predict(model, Dataset.Create(new Tensor(xs, xShape), null, model));
        double[] expected = (double[])y.Data;
        int[] yShape = y.Shape;
        if (result.OutputTimeMajor)
        {
            expected = SwapFirstAxes(expected, yShape);
            yShape = [yShape[1], yShape[0], yShape[2]];
        }

        Assert.Equal(expected.Length, actual.Length);
        bool sequence = yShape.Length == 3;
        bool bidirectional = model.Layers.Any(l => l is Bidirectional { ReturnSequences: true });
        int time = sequence ? yShape[1] : 1, width = yShape[^1];
        double worst = 0;
        int compared = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int b = i / (time * width), t = i / width % time;
            // A forward layer's sequence differs by design at padding: zeros in ONNX, the last real output in Keras.
            if (sequence && !bidirectional && t >= lengths[b])
            {
                continue;
            }

            double error = Math.Abs(expected[i] - actual[i]);
            worst = Math.Max(worst, error);
            compared++;
            Assert.True(error <= 1e-5, string.Create(CultureInfo.InvariantCulture,
                $"{name}: sample {b}, step {t}: {actual[i]} in PSRnn, {expected[i]} in PyTorch (|Δ| {error:E2})"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {string.Join(" → ", model.Layers.Select(l => l.KerasClassName))}, lengths [{string.Join(", ", lengths)}], {compared} of {expected.Length} values, max |Δ| = {worst:E2}"));
    }

    [Fact]
    public void PackedModelsMapToTheExpectedLayers()
    {
        Sequential m = OnnxImporter.Import(Path.Combine(Dir, "packed_lstm_stacked_seq_tbf.onnx")).Model;
        Assert.Equal(["Masking", "LSTM", "LSTM"], m.Layers.Select(l => l.KerasClassName));
        Assert.True(((Lstm)m.Layers[2]).ReturnSequences);

        m = OnnxImporter.Import(Path.Combine(Dir, "packed_gru_bidir_h2.onnx")).Model;
        Assert.Equal(["Masking", "Bidirectional", "Dense"], m.Layers.Select(l => l.KerasClassName));

        m = OnnxImporter.Import(Path.Combine(Dir, "packed_embedding_gru_h.onnx")).Model;
        Assert.Equal(["Embedding", "GRU", "Dense"], m.Layers.Select(l => l.KerasClassName));
    }

    [Fact]
    public void AGraphWithoutLengthsHasNoMask()
    {
        OnnxImportResult result = OnnxImporter.Import(Path.Combine(Dir, "lstm_h.onnx"));
        Assert.Null(result.LengthsInput);
        Assert.DoesNotContain(result.Model.Layers, l => l is Masking);
    }

    [Fact]
    public void SortingTheBatchInTheGraphIsRefusedWithAHint()
    {
        var e = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(Path.Combine(Dir, "unsupported_packed_unsorted.onnx")));
        Assert.Equal(OnnxImporter.UnsupportedGraphErrorId, e.ErrorId);
        Assert.Contains("enforce_sorted=True", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LengthsForSomeRecurrentLayersOnlyAreRefused()
    {
        var e = Assert.Throws<DataFormatException>(() => OnnxImporter.Import(Path.Combine(Dir, "unsupported_packed_partly.onnx")));
        Assert.Equal(OnnxImporter.UnsupportedGraphErrorId, e.ErrorId);
        Assert.Contains("sequence_lens", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheImportedModelMasksPaddingLikeTheLengths()
    {
        // The same batch with longer zero padding after the data predicts the same final states.
        OnnxImportResult result = OnnxImporter.Import(Path.Combine(Dir, "packed_lstm_h.onnx"));
        Tensor x = NumpyFile.Load(Path.Combine(Dir, "packed_lstm_h.x.npy"))[0];
        float[] xs = x.ToSingleArray(out _);
        int b = x.Shape[0], t = x.Shape[1], f = x.Shape[2];
        var longer = new float[b * (t + 3) * f];
        for (int n = 0; n < b; n++)
        {
            Array.Copy(xs, n * t * f, longer, n * (t + 3) * f, t * f);
        }

        Sequential model = result.Model;
        Assert.Equal(Trainer.Predict(model, Dataset.Create(new Tensor(xs, b, t, f), null, model)),
            Trainer.Predict(model, Dataset.Create(new Tensor(longer, b, t + 3, f), null, model)));
    }

    private static T[] SwapFirstAxes<T>(T[] values, int[] shape)
    {
        int a = shape[0], c = shape[1], rest = values.Length / (a * c);
        var swapped = new T[values.Length];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < c; j++)
            {
                Array.Copy(values, ((i * c) + j) * rest, swapped, ((j * a) + i) * rest, rest);
            }
        }

        return swapped;
    }
}
