using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// Keras 3 .keras import: the archives of fixtures/keras written by make_keras3_fixtures.py in Keras 3's layout hold the
/// models of make_fixtures.py's HDF5 files, so they predict what its float64 NumPy implementation of Keras's equations
/// computed, within 1e-5; attention_stack.keras puts every weight at PSRnn's parameter of that path.
/// </summary>
public sealed class KerasArchiveTests(ITestOutputHelper output)
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "keras");

    public static TheoryData<string> Fixtures() => new("lstm_gru_dense", "bidirectional_rnn_gru", "embedding_lstm", "masking_lstm_bidir_rnn");

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void AKerasArchivePredictsWhatKerasEquationsGive(string name)
    {
        string path = Path.Combine(Dir, name + ".keras");
        Assert.Equal(ModelFormat.KerasArchive, ModelFormats.Detect(path));
        Sequential model = KerasArchive.Load(path);
        Assert.Equal(name, model.Name);
        Sequential fromHdf5 = KerasHdf5File.Load(Path.Combine(Dir, name + ".h5"));
        Assert.Equal(fromHdf5.Layers.Select(l => (l.KerasClassName, l.Name)), model.Layers.Select(l => (l.KerasClassName, l.Name)));
        Assert.Equal(fromHdf5.InputShape, model.InputShape);
        Tensor x = NumpyFile.Load(Path.Combine(Dir, name + ".x.npy"))[0];
        double[] expected = (double[])NumpyFile.Load(Path.Combine(Dir, name + ".y.npy"))[0].Data;
        float[] actual = Trainer.Predict(model, Dataset.Create(new Tensor(x.ToSingleArray(out _), x.Shape), null, model));
        double worst = expected.Select((e, i) => Math.Abs(e - actual[i])).Max();
        output.WriteLine($"{name}: max |Δ| = {worst:E2}");
        Assert.True(worst <= 1e-5, $"{name}: max |Δ| {worst:E2}");
    }

    [Fact]
    public void CompileConfigGivesTheLoss()
    {
        Assert.Equal("mean_squared_error", KerasArchive.Load(Path.Combine(Dir, "lstm_gru_dense.keras")).Loss?.KerasName);
        Assert.Null(KerasArchive.Load(Path.Combine(Dir, "embedding_lstm.keras")).Loss);
    }

    [Fact]
    public void EveryWeightOfAnAttentionStackLandsAtItsParameter()
    {
        Sequential model = KerasArchive.Load(Path.Combine(Dir, "attention_stack.keras"));
        Assert.Equal(["Conv1D", "LayerNormalization", "MultiHeadAttention", "GlobalAveragePooling1D", "Dense"], model.Layers.Select(l => l.KerasClassName));
        var mha = (MultiHeadAttention)model.Layers[2];
        Assert.Equal((2, 3, 2, true), (mha.Heads, mha.KeyDim, mha.ValueDim, mha.Causal));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "attention_stack.weights.json")));
        IReadOnlyList<string> paths = ModelFile.ParameterPaths(model);
        Assert.Equal(expected.RootElement.EnumerateObject().Select(p => p.Name).Order(), paths.Order());
        for (int i = 0; i < paths.Count; i++)
        {
            JsonElement e = expected.RootElement.GetProperty(paths[i]);
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), model.Parameters[i].Shape);
            Assert.Equal(e.GetProperty("data").EnumerateArray().Select(d => (float)d.GetDouble()), model.Parameters[i].Value);
        }
    }

    [Theory]
    [InlineData("unknown_layer", "KerasUnknownLayer", "LocallyConnected1D")]
    [InlineData("npz_weights", "KerasArchiveIncomplete", "model.weights.npz")]
    [InlineData("missing_weight", "KerasWeightMismatch", "layers/gru/cell/vars holds 2 variables")]
    [InlineData("no_config", "KerasArchiveIncomplete", "no config.json")]
    public void ABadArchiveIsRefusedWithItsErrorId(string name, string errorId, string words)
    {
        string path = Path.Combine(Dir, name + ".keras");
        // An archive without config.json is no .keras file to Detect; its reader still names what is missing.
        Assert.Equal(name == "no_config" ? ModelFormat.Safetensors : ModelFormat.KerasArchive, DetectOrDefault(path));
        DataFormatException e = Assert.Throws<DataFormatException>(() => KerasArchive.Load(path));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains(words, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonZipIsACorruptArchive()
    {
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-{Guid.NewGuid():N}.keras");
        File.WriteAllBytes(path, "PK\u0003\u0004 not really a zip"u8.ToArray());
        try
        {
            Assert.Equal("KerasArchiveCorrupt", Assert.Throws<DataFormatException>(() => KerasArchive.Load(path)).ErrorId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string> ExportCases() => new("lstm_gru_dense", "bidirectional_rnn_gru", "embedding_lstm", "masking_lstm_bidir_rnn", "conv_norm_pool");

    [Theory]
    [MemberData(nameof(ExportCases))]
    public void AnExportedArchiveReadsBackBitForBit(string name)
    {
        Sequential model = name == "conv_norm_pool" ? ConvNormPool() : KerasArchive.Load(Path.Combine(Dir, name + ".keras"));
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-{Guid.NewGuid():N}.keras");
        try
        {
            KerasArchive.Save(path, model, overwrite: false);
            Assert.Equal(ModelFormat.KerasArchive, ModelFormats.Detect(path));
            using (var zip = System.IO.Compression.ZipFile.OpenRead(path))
            {
                Assert.Equal(["metadata.json", "config.json", "model.weights.h5"], zip.Entries.Select(e => e.FullName));
            }

            Sequential back = KerasArchive.Load(path);
            Assert.Equal(model.Layers.Select(l => (l.KerasClassName, l.Name)), back.Layers.Select(l => (l.KerasClassName, l.Name)));
            Assert.Equal(model.InputShape, back.InputShape);
            Assert.Equal(model.Loss?.KerasName, back.Loss?.KerasName);
            Assert.Equal(model.SnapshotWeights(), back.SnapshotWeights());
            var rng = new Rng(3);
            int time = model.InputShape.Time ?? 6;
            float[] x = model.Layers[0] is Embedding e
                ? Enumerable.Range(0, 4 * model.InputShape.Features).Select(_ => (float)Math.Floor(rng.Uniform(0, e.InputDim))).ToArray()
                : Enumerable.Range(0, 4 * time * model.InputShape.Features).Select(_ => (float)rng.Uniform(-1, 1)).ToArray();
            Tensor input = model.InputShape.IsSequence ? new Tensor(x, 4, time, model.InputShape.Features) : new Tensor(x, 4, model.InputShape.Features);
            Assert.Equal(Trainer.Predict(model, Dataset.Create(input, null, model)), Trainer.Predict(back, Dataset.Create(input, null, back)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ALayerKerasCannotHoldInASequentialIsRefused()
    {
        var model = new Sequential(SampleShape.Sequence(5, 3), "m", 1);
        model.Add(new Lstm(4, returnSequences: true));
        model.Add(new MultiHeadAttention(2, 2));
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-{Guid.NewGuid():N}.keras");
        ModelException e = Assert.Throws<ModelException>(() => KerasArchive.Save(path, model, overwrite: false));
        Assert.Equal(KerasArchive.ExportUnsupportedErrorId, e.ErrorId);
        Assert.False(File.Exists(path));
    }

    private static Sequential ConvNormPool()
    {
        var model = new Sequential(SampleShape.Sequence(null, 3), "conv_norm_pool", 5);
        model.Add(new Masking());
        model.Add(new Conv1D(4, 2, padding: Conv1DPadding.Causal, activation: ActivationKind.Relu));
        model.Add(new LayerNormalization());
        model.Add(new Gru(3, returnSequences: true, resetAfter: false));
        model.Add(new GlobalPooling1D(GlobalPoolingMode.Max));
        model.Add(new Dense(2, ActivationKind.Softmax));
        model.Add(new DropoutLayer(0.1f));
        model.Layers[5].SetRegularizer("kernel", new Regularizer("L2", 0f, 1e-3f));
        return model;
    }

    [Theory]
    [InlineData("SimpleRNN", "simple_rnn")]
    [InlineData("LSTM", "lstm")]
    [InlineData("GlobalAveragePooling1D", "global_average_pooling1d")]
    [InlineData("MultiHeadAttention", "multi_head_attention")]
    [InlineData("Conv1D", "conv1d")]
    [InlineData("LayerNormalization", "layer_normalization")]
    public void LayersAreFiledUnderKerasSnakeCaseNames(string className, string snake) => Assert.Equal(snake, KerasArchive.SnakeCase(className));

    private static ModelFormat? DetectOrDefault(string path)
    {
        try
        {
            return ModelFormats.Detect(path);
        }
        catch (DataFormatException)
        {
            return ModelFormat.Safetensors;
        }
    }
}
