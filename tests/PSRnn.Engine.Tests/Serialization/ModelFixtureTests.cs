using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>The files in fixtures/models: one written by check_safetensors.py from the spec, one written by PSRnn.</summary>
public sealed class ModelFixtureTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "models");

    [Fact]
    public void APythonMadeFilePredictsWhatNumpyComputed()
    {
        Sequential model = ModelFile.Load(Path.Combine(Dir, "python_made.safetensors"));
        Assert.Equal("python_made", model.Name);
        Tensor x = NumpyFile.Load(Path.Combine(Dir, "python_made_x.npy"))[0];
        float[] expected = (float[])NumpyFile.Load(Path.Combine(Dir, "python_made_y.npy"))[0].Data;
        float[] actual = Trainer.Predict(model, Dataset.Create(x, null, model));
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public void ThePsrnnMadeFileStillLoadsWithItsOptimizerState()
    {
        string path = Path.Combine(Dir, "psrnn_made.safetensors");
        Sequential model = ModelFile.Load(path);
        Assert.Equal(["LSTM", "Bidirectional", "Dense"], model.Layers.Select(l => l.KerasClassName));
        Assert.Equal(4, model.Optimizer!.Iterations);
        Assert.Equal(2, model.History.Count);

        // Written again, the file is byte for byte the same: the format is stable.
        using var buffer = new MemoryStream();
        ModelFile.ToSafetensors(model, true).Write(buffer);
        Assert.Equal(File.ReadAllBytes(path), buffer.ToArray());
    }
}
