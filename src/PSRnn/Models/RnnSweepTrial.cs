using System.Collections.Specialized;
using PSRnn.Engine.Models;

namespace PSRnn.Models;

/// <summary>One trial of Invoke-RnnSweep: its parameters and seed, where and how long it ran, and its last epoch's figures.</summary>
public sealed class RnnSweepTrial
{
    internal RnnSweepTrial(int trial, OrderedDictionary parameters, ulong seed)
    {
        Trial = trial;
        Parameters = parameters;
        Seed = seed;
    }

    /// <summary>The trial's number, from 1, in the order of the grid (or of the random draws).</summary>
    public int Trial { get; }

    /// <summary>The trial's value of each swept parameter, in the order of -Parameters.</summary>
    public OrderedDictionary Parameters { get; }

    /// <summary>The trial's seed, derived from the sweep's seed and the parameters: the model's and the shuffles' seed.</summary>
    public ulong Seed { get; }

    /// <summary>The epochs trained (fewer than asked when early stopping ended the run).</summary>
    public int Epochs { get; internal set; }

    /// <summary>The last epoch's training loss, or null when the trial failed.</summary>
    public double? Loss { get; internal set; }

    /// <summary>The last epoch's validation loss, or null without validation data.</summary>
    public double? ValLoss { get; internal set; }

    /// <summary>The last epoch's training metrics, by Keras name.</summary>
    public OrderedDictionary Metrics { get; internal set; } = [];

    /// <summary>The last epoch's validation metrics, by Keras name.</summary>
    public OrderedDictionary ValMetrics { get; internal set; } = [];

    /// <summary>How long the trial took where it ran: building the model and training it.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>The machine that ran the trial.</summary>
    public string? Machine { get; internal set; }

    /// <summary>Why the trial failed ("[ErrorId] message"), or null when it succeeded.</summary>
    public string? Error { get; internal set; }

    /// <summary>Whether the trial was read back from -ResultPath's file instead of run again.</summary>
    public bool Resumed { get; internal set; }

    /// <summary>The trained model (null when the trial failed or was resumed from the result file).</summary>
    public Sequential? Model { get; internal set; }

    /// <summary>The figure -Monitor names (val_loss, loss, val_accuracy, ...) for this trial, or null if it has none.</summary>
    public double? Figure(string monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        if (string.Equals(monitor, "loss", StringComparison.OrdinalIgnoreCase))
        {
            return Loss;
        }

        if (string.Equals(monitor, "val_loss", StringComparison.OrdinalIgnoreCase))
        {
            return ValLoss;
        }

        bool validation = monitor.StartsWith("val_", StringComparison.OrdinalIgnoreCase);
        OrderedDictionary figures = validation ? ValMetrics : Metrics;
        string name = validation ? monitor[4..] : monitor;
        foreach (System.Collections.DictionaryEntry entry in figures)
        {
            if (string.Equals((string)entry.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return (double)entry.Value!;
            }
        }

        return null;
    }
}
