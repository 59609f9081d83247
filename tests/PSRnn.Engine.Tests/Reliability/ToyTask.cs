using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Reliability;

/// <summary>A small learnable sequence task (label 1 when the first feature sums above zero) and models for it.</summary>
internal static class ToyTask
{
    public static (Tensor X, Tensor Y) Data(int count, int time, int features, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[count * time * features];
        var y = new long[count];
        for (int n = 0; n < count; n++)
        {
            double sum = 0;
            for (int t = 0; t < time; t++)
            {
                for (int f = 0; f < features; f++)
                {
                    float v = (float)rng.Uniform(-1, 1);
                    x[(((n * time) + t) * features) + f] = v;
                    sum += f == 0 ? v : 0;
                }
            }

            y[n] = sum > 0 ? 1 : 0;
        }

        return (new Tensor(x, count, time, features), new Tensor(y, count));
    }

    /// <summary>Trains <paramref name="model"/> with Adam on (x, y) and returns its history.</summary>
    public static IReadOnlyList<EpochRecord> Fit(Sequential model, Tensor x, Tensor y, FitOptions options)
    {
        Dataset data = Dataset.Create(x, y, model);
        return Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(0.01f), options);
    }

    public static Sequential Lstm(ulong seed, int time, int features, int units)
    {
        var model = new Sequential(SampleShape.Sequence(time, features), seed: seed);
        model.Add(new Lstm(units));
        model.Add(new Dense(2, ActivationKind.Softmax));
        return model;
    }
}
