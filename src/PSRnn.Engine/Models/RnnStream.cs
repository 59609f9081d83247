using System.Globalization;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Models;

/// <summary>
/// A model run as <see cref="Batch"/> endless streams (Keras's stateful=True, PyTorch's hx): every recurrent layer's
/// state (h, and c for LSTM) is kept between calls, so a sequence fed chunk by chunk gives the outputs of the whole
/// sequence. States start at zeros; <see cref="Reset()"/> zeroes them.
/// </summary>
/// <remarks>
/// Not thread-safe: one caller at a time (the layers' workspaces are shared with the model). Two streams of one model
/// are independent, each with its own states. Retraining the model between calls changes the weights the stream runs
/// with, not its states; adding or removing layers makes the stream refuse (<c>StreamModelChanged</c>).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix",
    Justification = "A stream of sequences, as New-RnnStream names it; not a System.IO.Stream.")]
public sealed class RnnStream
{
    private readonly Layer[] _layers;
    private readonly IStatefulLayer[] _recurrent;
    private readonly RecurrentState[] _states;
    private readonly Activations _input = new();

    /// <summary>A stream of <paramref name="batch"/> sequences through <paramref name="model"/>.</summary>
    /// <exception cref="ModelException"><c>StreamBidirectional</c> and <c>StreamGoBackwards</c>: those layers need the future;
    /// <c>StreamNoRecurrentLayer</c>: nothing to carry.</exception>
    public RnnStream(Sequential model, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        model.EnsureNotEmpty();
        if (model.Layers.FirstOrDefault(l => l is Bidirectional) is { } bi)
        {
            throw new ModelException("StreamBidirectional",
                $"Model '{model.Name}' has the Bidirectional layer '{bi.Name}', which reads each sequence from its end: a stream has no end. " +
                "Stream a model of forward layers only.");
        }

        if (model.Layers.OfType<IStatefulLayer>().FirstOrDefault(l => l.GoBackwards) is { } back)
        {
            throw new ModelException("StreamGoBackwards",
                $"Layer '{back.Name}' reads each sequence from its end (go_backwards): a stream has no end. Stream a model of forward layers only.");
        }

        if (model.Layers.FirstOrDefault(l => l.ReadsAcrossSteps) is { } across)
        {
            throw new ModelException("StreamAcrossSteps",
                $"Layer '{across.Name}' ({across.KerasClassName}) reads across the steps of a sequence, not only through a state: fed chunk by " +
                "chunk it would see each chunk's steps alone, and give what the whole sequence does not. Stream a model whose other layers " +
                "work step by step, or predict whole sequences (Invoke-RnnPrediction -X).");
        }

        Model = model;
        Batch = batch;
        _layers = [.. model.Layers];
        _recurrent = [.. model.Layers.OfType<IStatefulLayer>()];
        if (_recurrent.Length == 0)
        {
            throw new ModelException("StreamNoRecurrentLayer", $"Model '{model.Name}' has no recurrent layer, so it has no state to stream.");
        }

        if (_recurrent.FirstOrDefault(r => r.StateVectors is null) is { } other)
        {
            throw new ModelException("StreamUnsupportedLayer", $"Layer '{other.Name}' ({other.KerasClassName}) cannot carry a state.");
        }

        _states = [.. _recurrent.Select(r => new RecurrentState(batch, r.Units, r.StateVectors!.Value, r.StateWidth))];
    }

    /// <summary>The model.</summary>
    public Sequential Model { get; }

    /// <summary>The independent sequences.</summary>
    public int Batch { get; }

    /// <summary>Steps fed so far (since the last full reset).</summary>
    public long Steps { get; private set; }

    /// <summary>The recurrent layers and their states, in model order.</summary>
    public IReadOnlyList<(Layer Layer, RecurrentState State)> States => [.. _recurrent.Select(r => (Layer)r).Zip(_states)];

    /// <summary>
    /// Feeds a chunk (Batch, t, F) of any t ≥ 1 and returns the model's outputs for it: per step when the model returns
    /// sequences, else after the chunk's last step. The result is the model's own buffer, valid until the next call.
    /// </summary>
    /// <exception cref="ModelException"><c>StreamChunkShape</c> for a chunk of another batch or width;
    /// <c>StreamModelChanged</c> when the model's layers changed.</exception>
    public Activations Predict(ReadOnlySpan<float> chunk, int steps, SequenceMask? mask = null)
    {
        CheckModel();
        int features = Model.InputShape.Features;
        if (steps < 1 || chunk.Length != (long)Batch * steps * features)
        {
            throw new ModelException("StreamChunkShape", string.Create(CultureInfo.InvariantCulture,
                $"The stream takes chunks of {Batch} sequence(s) × t steps × {features} features; this one has {chunk.Length} values for {steps} step(s)."));
        }

        if (Model.InputShape.Time is { } fixedTime && fixedTime != steps)
        {
            throw new ModelException("StreamChunkShape", string.Create(CultureInfo.InvariantCulture,
                $"Model '{Model.Name}' was built for {fixedTime} steps; a stream needs any number: build it with -InputShape 0, {features}."));
        }

        _input.Resize(Batch, steps, features, true);
        chunk.CopyTo(_input.Span);
        _input.Mask = mask;
        for (int i = 0; i < _recurrent.Length; i++)
        {
            _recurrent[i].State = _states[i];
        }

        try
        {
            Activations y = Model.Forward(_input, training: false);
            Steps += steps;
            return y;
        }
        finally
        {
            foreach (IStatefulLayer r in _recurrent)
            {
                r.State = null;
            }
        }
    }

    /// <summary>Zeroes every sequence's state.</summary>
    public void Reset()
    {
        foreach (RecurrentState s in _states)
        {
            s.Reset();
        }

        Steps = 0;
    }

    /// <summary>Zeroes sequence <paramref name="index"/>'s state.</summary>
    public void Reset(int index)
    {
        if (index < 0 || index >= Batch)
        {
            throw new ModelException("StreamIndexOutOfRange", string.Create(CultureInfo.InvariantCulture,
                $"The stream has sequences 0 to {Batch - 1}; there is no sequence {index}."));
        }

        foreach (RecurrentState s in _states)
        {
            s.Reset(index);
        }
    }

    /// <summary>The states as named tensors' values: <c>layer.h</c>, <c>layer.c</c>, each (Batch, units), copies.</summary>
    public IReadOnlyDictionary<string, float[]> GetStates()
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < _recurrent.Length; i++)
        {
            result[$"{_recurrent[i].Name}.h"] = (float[])_states[i].H.Clone();
            if (_states[i].C is { } c)
            {
                result[$"{_recurrent[i].Name}.c"] = (float[])c.Clone();
            }
        }

        return result;
    }

    /// <summary>Sets one named state (<c>layer.h</c> or <c>layer.c</c>) from (Batch, units) values.</summary>
    /// <exception cref="ModelException"><c>StreamStateUnknown</c> for a name the stream does not have;
    /// <c>StreamStateShape</c> for values of another size.</exception>
    public void SetState(string name, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(name);
        CheckModel();
        for (int i = 0; i < _recurrent.Length; i++)
        {
            float[]? target = name == $"{_recurrent[i].Name}.h" ? _states[i].H : name == $"{_recurrent[i].Name}.c" ? _states[i].C : null;
            if (target is null)
            {
                continue;
            }

            if (values.Length != target.Length)
            {
                throw new ModelException("StreamStateShape", string.Create(CultureInfo.InvariantCulture,
                    $"State '{name}' is {Batch} × {target.Length / Batch}; the values given have {values.Length} elements."));
            }

            values.CopyTo(target);
            return;
        }

        throw new ModelException("StreamStateUnknown",
            $"The stream has no state '{name}'; it has {string.Join(", ", GetStates().Keys)}.");
    }

    private void CheckModel()
    {
        if (Model.Layers.Count != _layers.Length || !Model.Layers.SequenceEqual(_layers))
        {
            throw new ModelException("StreamModelChanged",
                $"Model '{Model.Name}' gained or lost layers since the stream was made; make a new stream (New-RnnStream).");
        }
    }
}
