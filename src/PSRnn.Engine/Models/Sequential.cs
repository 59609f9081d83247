using System.Globalization;
using System.Text;
using PSRnn.Engine.IO;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Models;

/// <summary>
/// Keras's Sequential model: an input shape and a stack of layers, each built for the previous one's output. Layers are
/// initialized as they are added, each from its own stream of the model's seed, so the same seed gives the same
/// initial weights. The model keeps its training history and, once trained, its loss and optimizer, so training can
/// go on where it stopped.
/// </summary>
public sealed class Sequential
{
    /// <summary>The most layers a model may have: far beyond any real stack, a bound on what a file can make PSRnn build.</summary>
    public const int MaxLayers = 65_536;

    private readonly List<Layer> _layers = [];

    // What Layers hands out: a script's $model.Layers.Clear() must not reach the list (it would bypass the name index,
    // and empty the model under a training run).
    private readonly System.Collections.ObjectModel.ReadOnlyCollection<Layer> _layersView;
    private readonly List<EpochRecord> _history = [];

    // Names in use (case-insensitive, with how many layers hold each) and, per default stem, the first suffix that may
    // be free: naming n unnamed layers is O(n), not a scan of every layer for every candidate (20,000 Dropouts never
    // finished). Renames reach the index through Layer.Owner.
    private readonly Dictionary<string, int> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.Ordinal);
    private long _weightCount;

    /// <summary>Creates an empty model.</summary>
    /// <param name="inputShape">One sample's shape: (time, features) — time null for variable length — or (tokens) for an Embedding model.</param>
    /// <param name="name">The model name (Keras default <c>sequential</c>).</param>
    /// <param name="seed">The seed of every random choice (weights, shuffles, dropout); null draws one.</param>
    public Sequential(SampleShape inputShape, string? name = null, ulong? seed = null)
    {
        if (inputShape.Features <= 0 || inputShape.Time is <= 0)
        {
            throw new ModelException("ModelBadInputShape",
                $"The input shape {inputShape} has a dimension that is not positive.");
        }

        _layersView = _layers.AsReadOnly();
        InputShape = inputShape;
        Name = string.IsNullOrWhiteSpace(name) ? "sequential" : name;
        Seed = seed ?? Rng.NewSeed();
    }

    /// <summary>The model name.</summary>
    public string Name { get; set; }

    /// <summary>One sample's input shape.</summary>
    public SampleShape InputShape { get; }

    /// <summary>The seed every random stream derives from.</summary>
    public ulong Seed { get; }

    /// <summary>The layers, first to last.</summary>
    public IReadOnlyList<Layer> Layers => _layersView;

    /// <summary>One sample's output shape (the input shape while the model is empty).</summary>
    public SampleShape OutputShape => _layers.Count == 0 ? InputShape : _layers[^1].OutputShape;

    /// <summary>Every parameter, layer by layer, in Keras get_weights order.</summary>
    public IReadOnlyList<Parameter> Parameters => _layers.SelectMany(l => l.Parameters).ToArray();

    /// <summary>The number of weights.</summary>
    public long ParameterCount => _layers.Sum(l => l.ParameterCount);

    /// <summary>One record per completed training epoch, over every training run.</summary>
    public IReadOnlyList<EpochRecord> History => _history;

    /// <summary>The loss of the last training run, or null before training.</summary>
    public Loss? Loss { get; internal set; }

    /// <summary>The optimizer of the last training run, with its state, or null before training.</summary>
    public Optimizer? Optimizer { get; internal set; }

    /// <summary>Whether a training run is under way (set by the trainer): a callback of the run may read, predict with,
    /// evaluate and save the model, but not train it again or add layers.</summary>
    public bool InTraining { get; internal set; }

    /// <summary>Fails while the model is being trained (a callback that trains or grows its own model).</summary>
    internal void ThrowIfTraining()
    {
        if (InTraining)
        {
            throw new ModelException("ModelInTraining",
                $"Model '{Name}' is being trained; it cannot be trained again or get new layers until that run ends " +
                "(a -OnEpochEnd or -OnBatchEnd callback may read, save, evaluate and predict with it).");
        }
    }

    /// <summary>
    /// How audio becomes this model's input (Import-RnnAudio's settings and the class names), saved in its model file;
    /// null when the model was not given one.
    /// </summary>
    public Audio.AudioRecipe? AudioRecipe { get; set; }

    /// <summary>
    /// How raw text becomes this model's input (the vocabulary, sequence length and class names), saved in its model file;
    /// null when the model was not given one.
    /// </summary>
    public Text.TextRecipe? TextRecipe { get; set; }

    /// <summary>How many random streams the model has handed out (layers and training runs), so none repeats.</summary>
    internal ulong StreamsUsed { get; set; }

    /// <summary>Adds a layer: names it if unnamed, builds it for the current output shape, and initializes it.</summary>
    /// <exception cref="ModelException">The layer does not fit after the current last layer, or its name is taken, or the
    /// model would exceed <see cref="MaxLayers"/> (<c>ModelTooManyLayers</c>), one array per weight (<c>LayerTooLarge</c>)
    /// or this process's memory (<c>InsufficientMemory</c>), or the model is being trained (<c>ModelInTraining</c>).</exception>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ThrowIfTraining();
        if (_layers.Count >= MaxLayers)
        {
            throw new ModelException("ModelTooManyLayers",
                string.Create(CultureInfo.InvariantCulture, $"Model '{Name}' has {_layers.Count:N0} layers, the most PSRnn builds."));
        }

        if (layer.Owner is { } owner && owner != this && owner._layers.Contains(layer))
        {
            throw new ModelException("LayerInUse",
                $"Layer '{layer.Name}' belongs to model '{owner.Name}'; a layer can be in one model only. Add a new layer.");
        }

        if (layer.Owner == this)
        {
            throw new ModelException("LayerNameTaken", $"The model already has the layer '{layer.Name}'; layer names must be unique.");
        }

        string name = layer.Name;
        if (string.IsNullOrEmpty(name))
        {
            name = UniqueName(DefaultName(layer));
        }
        else if (_names.ContainsKey(name))
        {
            throw new ModelException("LayerNameTaken", $"The model already has a layer named '{name}'; layer names must be unique.");
        }

        if (layer is Embedding && _layers.Count > 0)
        {
            throw new ModelException("EmbeddingNotFirst",
                "An Embedding layer reads token ids, so it must be the model's first layer.");
        }

        if (layer is Masking && _layers.Count > 0)
        {
            // Keras masks start at the input: a mask made later leaves the layers before it training on padding, and an
            // Embedding already masks with mask_zero.
            throw new ModelException(_layers[0] is Embedding ? "MaskingAfterEmbedding" : "MaskingNotFirst",
                _layers[0] is Embedding
                    ? "A Masking layer cannot follow an Embedding: build the Embedding with -MaskZero to mask padding tokens (id 0)."
                    : "A Masking layer must be the model's first layer (index 0): the mask describes the input's padding steps.");
        }

        layer.Name = name;
        layer.Build(OutputShape);
        long weights = _weightCount + layer.ParameterCount;
        bool fromFile = layer.WeightsFromFile;
        layer.WeightsFromFile = false;
        Rng rng = Rng.Fork(Seed, (ulong)_layers.Count);
        if (fromFile)
        {
            // The reader checks the file's tensors against the shapes, and the memory they take, before filling them.
            layer.InitializeStreams(rng);
        }
        else
        {
            EnsureMemory(layer, weights);
            layer.Initialize(rng);
        }

        _layers.Add(layer);
        _weightCount = weights;
        layer.Owner = this;
        _names[name] = _names.GetValueOrDefault(name) + 1;
        StreamsUsed = Math.Max(StreamsUsed, (ulong)_layers.Count);
    }

    /// <summary>Fails with <c>InsufficientMemory</c> unless <paramref name="weights"/> values (and as many gradients) fit.</summary>
    internal void EnsureMemory(Layer? layer, long weights)
    {
        // Values now, gradients in training: both are what the model needs.
        long bytes = weights > long.MaxValue / 8 ? long.MaxValue : weights * 2 * sizeof(float);
        if (!MemoryBudget.Fits(bytes))
        {
            string with = layer is null ? "" : $" with layer '{layer.Name}' ({layer.KerasClassName})";
            throw new ModelException("InsufficientMemory", string.Create(CultureInfo.InvariantCulture,
                $"Model '{Name}'{with} has {weights:N0} weights; with their gradients it {MemoryBudget.Shortfall(bytes)}. Use fewer units, features or layers."));
        }
    }

    /// <summary>A layer of this model was renamed: keeps the name index right.</summary>
    internal void LayerRenamed(string oldName, string newName)
    {
        if (_names.TryGetValue(oldName, out int count))
        {
            if (count > 1)
            {
                _names[oldName] = count - 1;
            }
            else
            {
                _names.Remove(oldName);
            }
        }

        _names[newName] = _names.GetValueOrDefault(newName) + 1;
        // A freed name may be the first free one of its stem again: start the searches over.
        _nextSuffix.Clear();
    }

    /// <summary>Runs every layer. The result belongs to the last layer.</summary>
    public Activations Forward(Activations input, bool training) => ForwardThrough(input, _layers.Count, training);

    /// <summary>Runs the first <paramref name="count"/> layers (what the next one receives). The result belongs to the last run.</summary>
    internal Activations ForwardThrough(Activations input, int count, bool training)
    {
        RequireLayers();
        Activations x = input;
        // Indexed: this runs every batch and must not allocate.
        for (int i = 0; i < count; i++)
        {
            Layer layer = _layers[i];
            Activations y = layer.Forward(x, training);
            // Keras's mask propagation: each layer says what mask its output carries (a recurrent layer without
            // return_sequences none, a Masking layer its own).
            y.Mask = layer.ComputeMask(x);
            x = y;
        }

        return x;
    }

    /// <summary>
    /// Back-propagates d(loss)/d(output) through every layer, accumulating parameter gradients. A layer's input gradient
    /// is computed only when a layer before it has parameters: below the first such layer (a Masking or Dropout layer
    /// in front of the first recurrent one) nothing would read it, and it costs a product as big as the input weights'.
    /// </summary>
    public void Backward(Activations outputGradient)
    {
        int first = 0;
        // Frozen parameters (a Normalization's statistics) need no gradient either.
        while (first < _layers.Count && !HasTrainable(_layers[first]))
        {
            first++;
        }

        BackwardFrom(outputGradient, first);
    }

    /// <summary>
    /// Back-propagates d(f)/d(output) through every layer, as <see cref="Backward(Activations)"/>, and returns d(f)/d(input)
    /// (B, T, F): every layer, the first included, computes its input gradient. What attribution methods need (saliency,
    /// integrated gradients); parameter gradients are accumulated as usual. The result is the first layer's buffer, valid
    /// until its next Backward.
    /// </summary>
    /// <exception cref="ModelException"><c>InputGradientUnavailable</c>: the first layer is an Embedding (token ids have
    /// no gradient).</exception>
    public Activations BackwardToInput(Activations outputGradient)
    {
        RequireLayers();
        if (_layers[0] is Embedding)
        {
            throw new ModelException("InputGradientUnavailable",
                $"Model '{Name}' starts with an Embedding layer: its inputs are token ids, which have no gradient. " +
                "Gradient attributions need feature inputs (samples, time steps, features).");
        }

        return BackwardFrom(outputGradient, -1)!;
    }

    // Input gradients for the layers after `first` (-1: every layer); returns the last one computed.
    private Activations? BackwardFrom(Activations outputGradient, int first)
    {
        Activations? grad = outputGradient;
        for (int i = _layers.Count - 1; i >= 0 && grad is not null; i--)
        {
            grad = _layers[i].Backward(grad, computeInputGradient: i > first);
        }

        return grad;
    }

    /// <summary>Sets every parameter's gradient to zero.</summary>
    public void ZeroGradients()
    {
        // Indexed loops: foreach over IReadOnlyList boxes an enumerator, and this runs every batch.
        for (int l = 0; l < _layers.Count; l++)
        {
            IReadOnlyList<Parameter> parameters = _layers[l].Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                parameters[i].ZeroGradient();
            }
        }
    }

    // Held weakly: a trained model in a long session should not keep a third copy of its weights alive, but back-to-back
    // runs (Fit called an epoch at a time) find it still there and reuse it.
    private WeakReference<float[]>? _trainingSnapshot;

    /// <summary>The trainer's buffer for the last completed epoch's weights, kept for the next run unless collected.</summary>
    internal float[]? TrainingSnapshot
    {
        get => _trainingSnapshot is not null && _trainingSnapshot.TryGetTarget(out float[]? buffer) ? buffer : null;
        set => _trainingSnapshot = value is null ? null : new WeakReference<float[]>(value);
    }

    /// <summary>Copies every weight into one array (for restoring after an interrupted or failed epoch).</summary>
    public float[] SnapshotWeights(float[]? into = null)
    {
        var all = Parameters;
        long count = all.Sum(p => (long)p.Length);
        if (count > Array.MaxLength)
        {
            throw new ModelException("InsufficientMemory", string.Create(CultureInfo.InvariantCulture,
                $"Model '{Name}' has {count:N0} weights, more than one .NET array holds, so it cannot keep a copy of them for training."));
        }

        int total = (int)count;
        float[] snapshot = into is not null && into.Length == total ? into : new float[total];
        int offset = 0;
        foreach (Parameter p in all)
        {
            p.Value.CopyTo(snapshot, offset);
            offset += p.Length;
        }

        return snapshot;
    }

    /// <summary>Restores weights taken by <see cref="SnapshotWeights"/>.</summary>
    public void RestoreWeights(float[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        int offset = 0;
        foreach (Parameter p in Parameters)
        {
            snapshot.AsSpan(offset, p.Length).CopyTo(p.Value);
            p.MarkChanged();
            offset += p.Length;
        }
    }

    /// <summary>Finds a layer by index (negative counts from the end) or by name.</summary>
    public Layer GetLayer(object indexOrName)
    {
        ArgumentNullException.ThrowIfNull(indexOrName);
        if (indexOrName is int or long or short or byte)
        {
            int index = Convert.ToInt32(indexOrName, CultureInfo.InvariantCulture);
            int i = index < 0 ? index + _layers.Count : index;
            if ((uint)i >= (uint)_layers.Count)
            {
                throw new ModelException("LayerNotFound", $"The model has {_layers.Count} layers (0 to {_layers.Count - 1}); there is no layer {index}.");
            }

            return _layers[i];
        }

        string name = indexOrName.ToString() ?? "";
        if (int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed))
        {
            return GetLayer(parsed);
        }

        return _layers.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ModelException("LayerNotFound",
                $"The model has no layer named '{name}'. Its layers: {string.Join(", ", _layers.Select(l => l.Name))}.");
    }

    /// <summary>Adds a history record (the trainer does, once per completed epoch).</summary>
    internal void AddHistory(EpochRecord record) => _history.Add(record);

    /// <summary>Replaces the history (a model read from a file or restored from a checkpoint).</summary>
    internal void ReplaceHistory(IEnumerable<EpochRecord> records)
    {
        _history.Clear();
        _history.AddRange(records);
    }

    /// <summary>Keras's model.summary() table.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        text.Append("Model: \"").Append(Name).Append("\"\n");
        string[] headers = ["Layer (type)", "Output Shape", "Param #"];
        var rows = _layers.Select(l => new[]
        {
            $"{l.Name} ({l.KerasClassName})",
            l.OutputShape.ToString(),
            l.ParameterCount.ToString("N0", CultureInfo.InvariantCulture),
        }).ToList();
        int[] widths = [30, 26, 12];
        for (int c = 0; c < 3; c++)
        {
            widths[c] = Math.Max(widths[c], rows.Select(r => r[c].Length + 2).DefaultIfEmpty(0).Max());
        }

        string rule = new('━', widths.Sum() + 4);
        text.Append(rule).Append('\n');
        text.Append(' ').Append(headers[0].PadRight(widths[0])).Append(' ').Append(headers[1].PadRight(widths[1]))
            .Append(' ').Append(headers[2].PadLeft(widths[2])).Append('\n');
        text.Append(rule).Append('\n');
        foreach (string[] r in rows)
        {
            text.Append(' ').Append(r[0].PadRight(widths[0])).Append(' ').Append(r[1].PadRight(widths[1])).Append(' ')
                .Append(r[2].PadLeft(widths[2])).Append('\n');
        }

        text.Append(rule).Append('\n');
        long total = ParameterCount;
        long trainable = _layers.Sum(l => l.Parameters.Where(p => p.Trainable).Sum(p => (long)p.Length));
        text.Append(" Total params: ").Append(total.ToString("N0", CultureInfo.InvariantCulture)).Append(Bytes(total)).Append('\n');
        text.Append(" Trainable params: ").Append(trainable.ToString("N0", CultureInfo.InvariantCulture)).Append(Bytes(trainable)).Append('\n');
        text.Append(" Non-trainable params: ").Append((total - trainable).ToString("N0", CultureInfo.InvariantCulture)).Append(Bytes(total - trainable));
        return text.ToString();

        static string Bytes(long count)
        {
            double bytes = count * 4.0;
            string size = bytes >= 1 << 20 ? $"{bytes / (1 << 20):F2} MB" : $"{bytes / 1024:F2} KB";
            return string.Create(CultureInfo.InvariantCulture, $" ({size})");
        }
    }

    /// <inheritdoc />
    public override string ToString() => Summary();

    private void RequireLayers()
    {
        if (_layers.Count == 0)
        {
            throw new ModelException("ModelEmpty", $"Model '{Name}' has no layers; add some (Add-LstmLayer, Add-DenseLayer, …) first.");
        }
    }

    /// <summary>Fails unless the model has layers.</summary>
    internal void EnsureNotEmpty() => RequireLayers();

    // A loop, not LINQ: Backward runs every batch and must not allocate.
    private static bool HasTrainable(Layer layer)
    {
        IReadOnlyList<Parameter> parameters = layer.Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Trainable)
            {
                return true;
            }
        }

        return false;
    }

    private static string DefaultName(Layer layer) => layer.KerasClassName switch
    {
        "SimpleRNN" => "simple_rnn",
        "LSTM" => "lstm",
        "GRU" => "gru",
        "IndRNN" => "ind_rnn",
        "Dense" => "dense",
        "Dropout" => "dropout",
        "Embedding" => "embedding",
        "Bidirectional" => "bidirectional",
        "Masking" => "masking",
        "SpecAugment" => "spec_augment",
        "Normalization" => "normalization",
        "GlobalAveragePooling1D" => "global_average_pooling1d",
        "GlobalMaxPooling1D" => "global_max_pooling1d",
        "LayerNormalization" => "layer_normalization",
        "Conv1D" => "conv1d",
        "Attention" => "attention",
        "MultiHeadAttention" => "multi_head_attention",
        "MinGRU" => "min_gru",
        "MinLSTM" => "min_lstm",
        _ => layer.KerasClassName.ToLowerInvariant(),
    };

    private string UniqueName(string stem)
    {
        // Keras's choice — stem, stem_1, stem_2, …, the first not taken — resumed where the last search for this stem
        // ended: names only accumulate between renames, so every suffix before that one is still taken.
        for (int i = _nextSuffix.GetValueOrDefault(stem); ; i++)
        {
            string candidate = i == 0 ? stem : string.Create(CultureInfo.InvariantCulture, $"{stem}_{i}");
            if (!_names.ContainsKey(candidate))
            {
                _nextSuffix[stem] = i;
                return candidate;
            }
        }
    }
}
