using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using Xunit.Abstractions;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// Keras HDF5 import: the files of fixtures/keras (written by make_fixtures.py in Keras 2's layout) predict what a
/// float64 NumPy implementation of Keras's equations computed, within 1e-5; weights-only files load into a model.
/// </summary>
public sealed class KerasHdf5Tests(ITestOutputHelper output)
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "keras");

    public static TheoryData<string> Fixtures() => new("lstm_gru_dense", "bidirectional_rnn_gru", "embedding_lstm",
        "masking_lstm_bidir_rnn", "embedding_mask_zero_gru");

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void AKerasModelFilePredictsWhatKerasEquationsGive(string name)
    {
        Sequential model = KerasHdf5File.Load(Path.Combine(Dir, name + ".h5"));
        AssertPredicts(model, name);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void AWeightsFileLoadsIntoAModelOfTheSameLayers(string name)
    {
        Sequential reference = KerasHdf5File.Load(Path.Combine(Dir, name + ".h5"));
        Sequential model = Rebuild(reference, seed: 99);
        KerasHdf5File.LoadWeightsInto(Path.Combine(Dir, name + ".weights.h5"), model);
        AssertPredicts(model, name);
    }

    [Fact]
    public void TheConfigurationBecomesTheKerasLayers()
    {
        Sequential m = KerasHdf5File.Load(Path.Combine(Dir, "lstm_gru_dense.h5"));
        Assert.Equal("lstm_gru_dense", m.Name);
        Assert.Equal(["LSTM", "Dropout", "GRU", "Dense"], m.Layers.Select(l => l.KerasClassName));
        Assert.Equal(SampleShape.Sequence(5, 3), m.InputShape);
        Assert.Equal("glorot_uniform", ((Lstm)m.Layers[0]).KernelInitializer);

        m = KerasHdf5File.Load(Path.Combine(Dir, "bidirectional_rnn_gru.h5"));
        Assert.Equal(SampleShape.Sequence(null, 3), m.InputShape);
        Assert.False(((Gru)((Bidirectional)m.Layers[1]).ForwardLayer).ResetAfter);

        m = KerasHdf5File.Load(Path.Combine(Dir, "embedding_lstm.h5"));
        Assert.Equal(SampleShape.Vector(6), m.InputShape);
    }

    [Fact]
    public void AMaskingConfigurationBecomesAMaskedModel()
    {
        // Ragged batches padded before, after and around the data: the expected values come from Keras's masked equations.
        Sequential m = KerasHdf5File.Load(Path.Combine(Dir, "masking_lstm_bidir_rnn.h5"));
        Assert.Equal(["Masking", "LSTM", "Bidirectional", "SimpleRNN", "Dense"], m.Layers.Select(l => l.KerasClassName));
        Assert.Equal(-1f, ((Masking)m.Layers[0]).MaskValue);
        Assert.True(((SimpleRnn)m.Layers[3]).GoBackwards);

        m = KerasHdf5File.Load(Path.Combine(Dir, "embedding_mask_zero_gru.h5"));
        Assert.True(((Embedding)m.Layers[0]).MaskZero);

        // It masks: at the padding after a sample's data, the per-step output repeats the last real step's.
        Tensor x = NumpyFile.Load(Path.Combine(Dir, "embedding_mask_zero_gru.x.npy"))[0];
        float[] y = Trainer.Predict(m, Dataset.Create(x, null, m));
        int time = x.Shape[1], width = m.OutputShape.Features;
        // Sample 1 has real steps 0..3, then padding.
        for (int t = 4; t < time; t++)
        {
            Assert.Equal(y.AsSpan(((1 * time) + 3) * width, width).ToArray(), y.AsSpan(((1 * time) + t) * width, width).ToArray());
        }
    }

    [Fact]
    public void AWeightsFileIsNotAModel()
    {
        var e = Assert.Throws<DataFormatException>(() => KerasHdf5File.Load(Path.Combine(Dir, "lstm_gru_dense.weights.h5")));
        Assert.Equal("KerasNoModelConfig", e.ErrorId);
    }

    [Fact]
    public void WeightsForOtherLayersLeaveTheModelUnchanged()
    {
        Sequential model = KerasHdf5File.Load(Path.Combine(Dir, "bidirectional_rnn_gru.h5"));
        float[] before = model.SnapshotWeights();
        var e = Assert.Throws<DataFormatException>(() => KerasHdf5File.LoadWeightsInto(Path.Combine(Dir, "lstm_gru_dense.weights.h5"), model));
        Assert.Equal("KerasWeightMismatch", e.ErrorId);
        Assert.Equal(before, model.SnapshotWeights());
    }

    [Fact]
    public void ATruncatedFileIsCorrupt()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Dir, "lstm_gru_dense.h5"));
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-truncated-{Guid.NewGuid():N}.h5");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        try
        {
            var e = Assert.Throws<DataFormatException>(() => KerasHdf5File.Load(path));
            Assert.Equal("KerasCorrupt", e.ErrorId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private void AssertPredicts(Sequential model, string name)
    {
        Tensor x = NumpyFile.Load(Path.Combine(Dir, name + ".x.npy"))[0];
        double[] expected = (double[])NumpyFile.Load(Path.Combine(Dir, name + ".y.npy"))[0].Data;
        float[] actual = Trainer.Predict(model, Dataset.Create(new Tensor(x.ToSingleArray(out _), x.Shape), null, model));
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Select((e, i) => Math.Abs(e - actual[i])).Max();
        output.WriteLine($"{name}: max |Δ| = {worst:E2}");
        Assert.True(worst <= 1e-5, $"{name}: max |Δ| {worst:E2}");
    }

    private static Sequential Rebuild(Sequential reference, ulong seed)
    {
        // Same architecture through PSRnn's own file format, then fresh weights: a model the user built by hand.
        string path = Path.Combine(Path.GetTempPath(), $"psrnn-rebuild-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(path, reference, includeOptimizerState: false, overwrite: false);
            Sequential copy = ModelFile.Load(path);
            var rng = new Rng(seed);
            foreach (Parameter p in copy.Parameters)
            {
                for (int i = 0; i < p.Length; i++)
                {
                    p.Value[i] = (float)rng.Uniform(-1, 1);
                }
            }

            return copy;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
