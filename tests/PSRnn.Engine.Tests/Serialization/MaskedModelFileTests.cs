using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>
/// Masked models (a Masking layer first, an Embedding with mask_zero) in PSRnn's model files and checkpoints: the mask
/// settings come back, and the loaded model predicts and trains on ragged batches bit for bit as the saved one.
/// </summary>
public sealed class MaskedModelFileTests
{
    private const int Time = 7;
    private const int Features = 2;

    private static readonly Dictionary<string, Func<Sequential>> Models = new()
    {
        ["Masking"] = () => Build(SampleShape.Sequence(null, Features), new Masking(), new Lstm(5, returnSequences: true, dropout: 0.2f),
            new Bidirectional(new Gru(3, recurrentDropout: 0.1f)), new Dense(2, ActivationKind.Softmax)),
        ["Masking -0.1, go_backwards"] = () => Build(SampleShape.Sequence(Time, Features), new Masking(-0.1f),
            new Gru(4, returnSequences: true, goBackwards: true, resetAfter: false), new DropoutLayer(0.2f), new SimpleRnn(3), new Dense(2, ActivationKind.Softmax)),
        ["Embedding mask_zero"] = () => Build(SampleShape.Vector(Time), new Embedding(5, 3) { MaskZero = true },
            new Lstm(4, returnSequences: true), new Gru(3), new Dense(2, ActivationKind.Softmax)),
    };

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in Models.Keys)
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    public static TheoryData<string> Names() => new(Models.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripKeepsTheMaskAndPredictsAndTrainsOnBitForBit(string name, bool includeOptimizerState)
    {
        Sequential model = Models[name]();
        Dataset data = Ragged(model, 40, 3);
        Train(model, data, new Adam(0.01f), 2);

        Sequential loaded = ModelFileTests.RoundTrip(model, includeOptimizerState).Model;

        Assert.Equal(model.Summary(), loaded.Summary());
        switch (model.Layers[0])
        {
            case Masking masking:
                Assert.Equal(masking.MaskValue, Assert.IsType<Masking>(loaded.Layers[0]).MaskValue);
                break;
            case Embedding embedding:
                Assert.True(embedding.MaskZero);
                Assert.True(Assert.IsType<Embedding>(loaded.Layers[0]).MaskZero);
                break;
        }

        Assert.Equal(Trainer.Predict(model, data), Trainer.Predict(loaded, data));
        Optimizer next = includeOptimizerState ? model.Optimizer! : new Adam(0.01f);
        Optimizer loadedNext = includeOptimizerState ? loaded.Optimizer! : new Adam(0.01f);
        Train(model, data, next, 2);
        Train(loaded, data, loadedNext, 2);
        Assert.Equal(model.SnapshotWeights(), loaded.SnapshotWeights());
        Assert.Equal(model.History.Select(r => r.Loss), loaded.History.Select(r => r.Loss));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ResumingAMaskedModelFromACheckpointEndsBitIdenticalToAnUninterruptedRun(string name)
    {
        Sequential straight = Models[name]();
        Dataset data = Ragged(straight, 36, 5);
        Dataset validation = Ragged(straight, 12, 6);
        Loss loss = Trainer.ResolveLoss(straight, null, data);
        Trainer.Fit(straight, data, validation, loss, new Adam(0.01f), new FitOptions { Epochs = 3, BatchSize = 8 });

        LoadedModel loaded = InterruptedRun.Checkpoint(Models[name](), data, validation, loss, epochs: 3, stopAfter: 1);
        FitState state = Assert.IsType<FitState>(loaded.Checkpoint);
        Sequential resumed = loaded.Model;
        Assert.Equal(straight.Layers[0].KerasClassName, resumed.Layers[0].KerasClassName);
        Trainer.Fit(resumed, data, validation, resumed.Loss!, resumed.Optimizer!, new FitOptions { Epochs = 3, BatchSize = 8, Resume = state });

        Assert.Equal(straight.SnapshotWeights(), resumed.SnapshotWeights());
        Assert.Equal(straight.History.Select(r => r.Loss), resumed.History.Select(r => r.Loss));
        Assert.Equal(straight.History.Select(r => r.ValidationLoss), resumed.History.Select(r => r.ValidationLoss));
    }

    [Fact]
    public void TheLoadedModelStillMasks()
    {
        // Padding before and after the data changes nothing in what the loaded model predicts.
        Sequential model = Models["Masking"]();
        Sequential loaded = ModelFileTests.RoundTrip(model, false).Model;
        float[] real = OnnxExportTests.RandomValues(3 * Features, 4);
        var padded = new float[(3 + 4) * Features];
        real.CopyTo(padded, 2 * Features);
        float[] bare = Trainer.Predict(loaded, Dataset.Create(new Tensor(real, 1, 3, Features), null, loaded));
        float[] masked = Trainer.Predict(loaded, Dataset.Create(new Tensor(padded, 1, 7, Features), null, loaded));
        Assert.Equal(bare.Length, masked.Length);
        for (int i = 0; i < bare.Length; i++)
        {
            Assert.True(Math.Abs(bare[i] - masked[i]) <= 1e-6, $"[{i}] {bare[i]} unpadded, {masked[i]} padded");
        }
    }

    private static Sequential Build(SampleShape input, params Layer[] layers)
    {
        var model = new Sequential(input, "masked", 13);
        foreach (Layer layer in layers)
        {
            model.Add(layer);
        }

        return model;
    }

    private static void Train(Sequential model, Dataset data, Optimizer optimizer, int epochs) =>
        Trainer.Fit(model, data, null, model.Loss ?? Trainer.ResolveLoss(model, null, data), optimizer, new FitOptions { Epochs = epochs, BatchSize = 16 });

    /// <summary>Samples of 1 to <see cref="Time"/> real steps, padded before or after (alternately) with the mask value or id 0.</summary>
    private static Dataset Ragged(Sequential model, int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        bool tokens = model.Layers[0] is Embedding;
        float pad = model.Layers[0] is Masking m ? m.MaskValue : 0f;
        int width = tokens ? 1 : Features;
        var x = new float[count * Time * width];
        var y = new long[count];
        for (int n = 0; n < count; n++)
        {
            int length = 1 + rng.NextInt(Time), start = n % 2 == 0 ? 0 : Time - length;
            double sum = 0;
            for (int t = 0; t < Time; t++)
            {
                Span<float> step = x.AsSpan(((n * Time) + t) * width, width);
                if (t < start || t >= start + length)
                {
                    step.Fill(pad);
                    continue;
                }

                for (int f = 0; f < width; f++)
                {
                    step[f] = tokens ? 1 + rng.NextInt(4) : (float)rng.Uniform(-1, 1);
                    sum += tokens ? step[f] - 2.5 : step[f];
                }
            }

            y[n] = sum > 0 ? 1 : 0;
        }

        Tensor tx = tokens ? new Tensor(x, count, Time) : new Tensor(x, count, Time, Features);
        return Dataset.Create(tx, new Tensor(y, count), model);
    }
}
