using System.Runtime.CompilerServices;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// One layer of a sequential model, with Keras's semantics: it is built for the shape of its input
/// (<see cref="Build"/>), initialized from a seeded stream (<see cref="Initialize"/>), and then runs
/// <see cref="Forward"/> and <see cref="Backward"/> on batches.
/// </summary>
/// <remarks>
/// Contract for implementers:
/// <list type="bullet">
/// <item>Forward returns an <see cref="Activations"/> the layer owns; it stays valid until the next Forward. The layer
/// caches what Backward needs (inputs, gate values).</item>
/// <item>Backward takes d(loss)/d(output of the last Forward), ADDS the parameter gradients into
/// <see cref="Parameter.Gradient"/> (the model zeroes them once per batch), and returns d(loss)/d(input) in a buffer the
/// layer owns — or null when computeInputGradient is false (the first layer: nothing needs it).</item>
/// <item>After the first batch of a given size, neither allocates.</item>
/// </list>
/// </remarks>
public abstract class Layer
{
    private readonly List<Parameter> _parameters = [];
    private string _name;

    /// <summary>Creates a layer with a name (Keras style: <c>lstm</c>, <c>lstm_1</c>, …; the model assigns one when empty).</summary>
    protected Layer(string? name) => _name = name ?? "";

    /// <summary>A size of the layer's configuration (units, a dimension), checked to be at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is 0 or negative; the message names it and its value.</exception>
    private protected static int RequirePositive(int value, [CallerArgumentExpression(nameof(value))] string name = "") =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; it must be at least 1.");

    /// <summary>The layer's name, unique within its model.</summary>
    public string Name
    {
        get => _name;
        set
        {
            string old = _name;
            _name = value ?? "";
            // The model indexes its layers' names (linear naming of thousands of layers); it hears of every rename.
            Owner?.LayerRenamed(old, _name);
        }
    }

    /// <summary>The model the layer was added to, if any.</summary>
    internal Sequential? Owner { get; set; }

    /// <summary>
    /// Set by readers (<c>LayerFactory</c>, the ONNX importer) for a layer whose every weight will be set from a file:
    /// <see cref="Sequential.Add"/> then builds it — shapes only, no weight memory — and seeds its random streams
    /// (<see cref="InitializeStreams"/>), but draws no initial weights (an LSTM(2048)'s orthogonal QR alone took 87 s).
    /// Cleared by Add. The reader must check the file's tensors against <see cref="Parameters"/>' shapes and then fill
    /// every one; a weight left unfilled stays zero.
    /// </summary>
    internal bool WeightsFromFile { get; set; }

    /// <summary>Keras's class name: <c>LSTM</c>, <c>Dense</c>, <c>Bidirectional</c>, ….</summary>
    public abstract string KerasClassName { get; }

    /// <summary>The input shape it was built for.</summary>
    public SampleShape InputShape { get; private set; }

    /// <summary>The output shape for that input.</summary>
    public SampleShape OutputShape { get; private set; }

    /// <summary>Whether <see cref="Build"/> has run.</summary>
    public bool IsBuilt { get; private set; }

    /// <summary>The trainable and non-trainable weights, in Keras's get_weights order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>
    /// The names the parameters go by outside the layer (model files, Get-RnnLayerWeight), in the order of
    /// <see cref="Parameters"/>: the Keras names, or <c>forward.kernel</c>, <c>backward.kernel</c>, … for a wrapper.
    /// </summary>
    public virtual IReadOnlyList<string> ParameterNames => _parameters.Select(p => p.Name).ToArray();

    /// <summary>The number of weights, as Keras's summary counts them.</summary>
    public long ParameterCount => _parameters.Sum(p => (long)p.Length);

    /// <summary>
    /// The layer's own random generators (dropout masks), in a fixed order, empty before <see cref="Initialize"/> or
    /// when the layer draws nothing. Model files and checkpoints save and restore their states so that training resumed
    /// from a file draws the same masks as training that never stopped.
    /// </summary>
    internal virtual IReadOnlyList<Rng> RandomStreams => [];

    /// <summary>
    /// Whether an output step depends on other input steps than its own through something other than a carried state
    /// (attention over the sequence, a convolution's window, pooling over time): such a layer fed a chunk or a window of a
    /// sequence gives what the whole sequence would not, so streams and truncated BPTT refuse it.
    /// </summary>
    internal virtual bool ReadsAcrossSteps => false;

    /// <summary>Creates the parameters for <paramref name="input"/> and fixes the output shape.</summary>
    /// <exception cref="ModelException">The input shape does not suit the layer.</exception>
    public void Build(SampleShape input)
    {
        _parameters.Clear();
        _borrowed.Clear();
        OutputShape = OnBuild(input);
        ApplyRegularizers();
        InputShape = input;
        IsBuilt = true;
    }

    // Keras's kernel_regularizer and the like, by the weight they apply to (kernel, recurrent_kernel, bias, embeddings).
    private readonly Dictionary<string, Regularizer> _regularizers = [];
    private readonly HashSet<Parameter> _borrowed = [];

    /// <summary>The weights' regularizers (Keras's kernel_regularizer, recurrent_regularizer, bias_regularizer,
    /// embeddings_regularizer), by weight name.</summary>
    public IReadOnlyDictionary<string, Regularizer> Regularizers => _regularizers;

    /// <summary>
    /// Sets (or with null removes) the regularizer of the weight named <paramref name="parameterName"/> (<c>kernel</c>,
    /// <c>recurrent_kernel</c>, <c>bias</c>, <c>embeddings</c>); it counts in the loss from the next training step.
    /// </summary>
    public void SetRegularizer(string parameterName, Regularizer? regularizer)
    {
        ArgumentNullException.ThrowIfNull(parameterName);
        if (regularizer is null)
        {
            _regularizers.Remove(parameterName);
        }
        else
        {
            _regularizers[parameterName] = regularizer;
        }

        ApplyRegularizers();
    }

    /// <summary>Writes the set regularizers into a Keras config as <c>&lt;key&gt;_regularizer</c> entries.</summary>
    protected void AddRegularizerConfig(IDictionary<string, object?> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach ((string weight, Regularizer regularizer) in _regularizers)
        {
            config[RegularizerKey(weight)] = regularizer.ToKerasConfig();
        }
    }

    /// <summary>Keras's config key for a weight's regularizer: recurrent_kernel → recurrent_regularizer, kernel → kernel_regularizer.</summary>
    internal static string RegularizerKey(string parameterName) =>
        (parameterName == "recurrent_kernel" ? "recurrent" : parameterName) + "_regularizer";

    private void ApplyRegularizers()
    {
        foreach (Parameter p in _parameters)
        {
            // A wrapper's parameters are its inner layers': theirs to set.
            if (!_borrowed.Contains(p))
            {
                p.Regularizer = _regularizers.GetValueOrDefault(p.Name);
            }
        }
    }

    /// <summary>Fills the parameters from Keras's initializers, drawing from <paramref name="rng"/>.</summary>
    public abstract void Initialize(Rng rng);

    /// <summary>
    /// Seeds the layer's own random streams (dropout masks) from <paramref name="rng"/> without drawing initial weights:
    /// for a layer whose weights come from a file (<see cref="WeightsFromFile"/>). A file that records the streams'
    /// states (every PSRnn model file does) then puts those back.
    /// </summary>
    internal virtual void InitializeStreams(Rng rng)
    {
    }

    /// <summary>Runs the layer on a batch. <paramref name="training"/> enables dropout.</summary>
    public abstract Activations Forward(Activations input, bool training);

    /// <summary>
    /// The sequence mask of this layer's output for <paramref name="input"/> (Keras's compute_mask), after
    /// <see cref="Forward"/>: by default the input's mask when the output is a sequence of the same steps, else none.
    /// </summary>
    internal virtual SequenceMask? ComputeMask(Activations input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return IsBuilt && OutputShape.IsSequence && InputShape.IsSequence && InputShape.Time == OutputShape.Time ? input.Mask : null;
    }

    /// <summary>Back-propagates through the last Forward; see the class remarks.</summary>
    public abstract Activations? Backward(Activations outputGradient, bool computeInputGradient);

    /// <summary>Keras's get_config: the layer's settings by Keras name (units, activation, return_sequences, …).</summary>
    public abstract IReadOnlyDictionary<string, object?> GetConfig();

    /// <summary>Creates the parameters and returns the output shape; called by <see cref="Build"/>.</summary>
    protected abstract SampleShape OnBuild(SampleShape input);

    /// <summary>Registers a parameter (in get_weights order) and returns it.</summary>
    /// <exception cref="ModelException"><c>LayerTooLarge</c>: the shape holds more values than one .NET array.</exception>
    protected Parameter AddParameter(string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = Parameter.ElementCount(shape);
        if (count > Array.MaxLength)
        {
            throw Parameter.TooLarge($"The {name} of layer '{Name}' ({KerasClassName})", shape, count);
        }

        var parameter = new Parameter(name, shape);
        _parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Registers an existing parameter (a wrapper exposing its inner layers' weights).</summary>
    protected void AddParameter(Parameter parameter)
    {
        _parameters.Add(parameter);
        _borrowed.Add(parameter);
    }

    /// <summary>Throws the standard error for a layer that needs (batch, time, features) input.</summary>
    protected void RequireSequence(SampleShape input)
    {
        if (!input.IsSequence)
        {
            throw new ModelException("LayerNeedsSequence",
                $"Layer '{Name}' ({KerasClassName}) needs sequences (batch, time, features), but its input is {input}. " +
                "Set -ReturnSequences on the recurrent layer before it, or give 3-D input.");
        }
    }

    /// <summary>Throws the standard error when a batch does not match the shape the layer was built for.</summary>
    protected void CheckInput(Activations input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Features != InputShape.Features || input.IsSequence != InputShape.IsSequence
            || (InputShape.IsSequence && InputShape.Time is { } t && input.Time != t))
        {
            throw new ModelException("LayerInputMismatch",
                $"Layer '{Name}' was built for input {InputShape} but got {input.SampleShape}.");
        }
    }
}
