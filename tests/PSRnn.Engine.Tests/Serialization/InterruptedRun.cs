using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Serialization;

/// <summary>A training run stopped after some epochs (as Ctrl+C would), read back from its last checkpoint as a new process would.</summary>
internal static class InterruptedRun
{
    /// <summary>Trains <paramref name="model"/> with Adam(0.01), batch 8, for up to <paramref name="epochs"/> and stops after <paramref name="stopAfter"/>.</summary>
    public static LoadedModel Checkpoint(Sequential model, Dataset data, Dataset? validation, Loss loss, int epochs, int stopAfter)
    {
        using var stop = new CancellationTokenSource();
        byte[]? checkpoint = null;
        var options = new FitOptions
        {
            Epochs = epochs,
            BatchSize = 8,
            Cancellation = stop.Token,
            EpochCompleted = (_, state) =>
            {
                using var buffer = new MemoryStream();
                ModelFile.ToSafetensors(model, true, state).Write(buffer);
                checkpoint = buffer.ToArray();
                if (state.EpochsDone == stopAfter)
                {
                    stop.Cancel();
                }
            },
        };
        Assert.Throws<OperationCanceledException>(() => Trainer.Fit(model, data, validation, loss, new Adam(0.01f), options));
        return ModelFile.FromSafetensors(SafetensorsFile.Read(new MemoryStream(checkpoint!), null), null);
    }
}
