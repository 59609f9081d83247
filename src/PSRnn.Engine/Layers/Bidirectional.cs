using System.Numerics.Tensors;
using System.Text;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Bidirectional(layer, merge_mode="concat"): the recurrent layer runs over the input as given
/// (<see cref="ForwardLayer"/>) and a twin with go_backwards runs over it from the last step to the first
/// (<see cref="BackwardLayer"/>); their outputs are concatenated on the feature axis.
/// <para>Shapes: x (B, T, F); each direction outputs (B, T, U) with return_sequences, else (B, U); y (B, T, 2U) or (B, 2U).</para>
/// <para>Forward, as keras/src/layers/rnn/bidirectional.py: yf = fwd(x); yb = bwd(x), whose returned sequence is in its
/// processing order, so with return_sequences it is flipped in time before the merge:
/// y[b, t] = [yf[b, t], yb[b, T − 1 − t]]; without, y[b] = [yf[b], yb[b]] (each direction's last state).</para>
/// <para>Backward: dyf[b, t] = dy[b, t, :U]; dyb[b, T − 1 − t] = dy[b, t, U:]; both directions see the same input, so
/// dx = fwdᵀ(dyf) + bwdᵀ(dyb).</para>
/// Parameters are the forward layer's followed by the backward layer's (Keras's get_weights order), named
/// <c>forward.kernel</c>, …, <c>backward.kernel</c>, … outside the layer.
/// </summary>
public sealed class Bidirectional : Layer
{
    private readonly Activations _y = new();
    private readonly Activations _dForward = new();
    private readonly Activations _dBackward = new();
    private readonly Activations _dx = new();
    private bool _hasForward;

    /// <summary>Wraps <paramref name="layer"/> (the forward direction) and a go_backwards twin of it.</summary>
    /// <param name="layer">The recurrent layer; it must not itself go backwards (Keras raises then too).</param>
    /// <param name="name">The wrapper's name, or null for the model to assign one.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> has go_backwards set.</exception>
    public Bidirectional(RecurrentLayer layer, string? name = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.GoBackwards)
        {
            throw new ArgumentException(
                "Bidirectional takes a layer that goes forwards; it creates the go_backwards twin itself.", nameof(layer));
        }

        // Keras names the directions forward_<name> and backward_<name>.
        string inner = layer.Name.Length > 0 ? layer.Name : SnakeCase(layer.KerasClassName);
        layer.Name = "forward_" + RemovePrefix(inner, "forward_");
        ForwardLayer = layer;
        BackwardLayer = layer.CreateTwin(goBackwards: true, "backward_" + RemovePrefix(inner, "backward_"));
        foreach ((string weight, Regularizer regularizer) in layer.Regularizers)
        {
            BackwardLayer.SetRegularizer(weight, regularizer); // Keras's backward layer is a copy of the forward's config
        }

    }

    /// <inheritdoc />
    public override string KerasClassName => "Bidirectional";

    /// <summary>Keras's merge_mode; only "concat" is supported.</summary>
    public string MergeMode { get; } = "concat";

    /// <summary>The direction that reads the input from the first step to the last.</summary>
    public RecurrentLayer ForwardLayer { get; }

    /// <summary>The twin that reads the input from the last step to the first (go_backwards).</summary>
    public RecurrentLayer BackwardLayer { get; }

    /// <summary>Whether the output is a sequence (the wrapped layer's return_sequences).</summary>
    public bool ReturnSequences => ForwardLayer.ReturnSequences;

    /// <inheritdoc />
    public override IReadOnlyList<string> ParameterNames =>
        ForwardLayer.Parameters.Select(p => "forward." + p.Name)
            .Concat(BackwardLayer.Parameters.Select(p => "backward." + p.Name)).ToArray();

    /// <inheritdoc />
    internal override IReadOnlyList<Rng> RandomStreams => [.. ForwardLayer.RandomStreams, .. BackwardLayer.RandomStreams];

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ForwardLayer.Initialize(rng);
        BackwardLayer.Initialize(rng);
    }

    /// <inheritdoc />
    internal override void InitializeStreams(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ForwardLayer.InitializeStreams(rng);
        BackwardLayer.InitializeStreams(rng);
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        Activations yf = ForwardLayer.Forward(input, training);
        Activations yb = BackwardLayer.Forward(input, training);
        int batch = input.Batch, units = yf.Features, width = 2 * units;
        Span<float> forward = yf.Span, backward = yb.Span;
        if (ReturnSequences)
        {
            int time = input.Time;
            _y.Resize(batch, time, width, isSequence: true);
            Span<float> y = _y.Span;
            for (int b = 0; b < batch; b++)
            {
                for (int t = 0; t < time; t++)
                {
                    // y[b, t] = [yf[b, t], yb[b, T − 1 − t]]
                    int row = (b * time) + t, flipped = (b * time) + (time - 1 - t);
                    forward.Slice(row * units, units).CopyTo(y.Slice(row * width, units));
                    backward.Slice(flipped * units, units).CopyTo(y.Slice((row * width) + units, units));
                }
            }
        }
        else
        {
            _y.Resize(batch, 1, width, isSequence: false);
            Span<float> y = _y.Span;
            for (int b = 0; b < batch; b++)
            {
                // y[b] = [yf[b], yb[b]]
                forward.Slice(b * units, units).CopyTo(y.Slice(b * width, units));
                backward.Slice(b * units, units).CopyTo(y.Slice((b * width) + units, units));
            }
        }

        // Keras's Bidirectional sets zero_output_for_mask = return_sequences on both directions: masked steps are zeros.
        _zeroMasked = ReturnSequences && input.Mask is { AllReal: false } ? input.Mask : null;
        if (_zeroMasked is not null)
        {
            ZeroMaskedRows(_y.Span, _zeroMasked, 2 * units);
        }

        _hasForward = true;
        return _y;
    }

    private SequenceMask? _zeroMasked;

    // Rows (b, t) of a (B, T, width) sequence that the mask masks, set to zero.
    private static void ZeroMaskedRows(Span<float> rows, SequenceMask mask, int width)
    {
        ReadOnlySpan<bool> real = mask.Values;
        for (int r = 0; r < real.Length; r++)
        {
            if (!real[r])
            {
                rows.Slice(r * width, width).Clear();
            }
        }
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!_hasForward)
        {
            throw new InvalidOperationException("Backward needs a Forward first.");
        }

        if (outputGradient.Length != _y.Length)
        {
            throw new ArgumentException($"The output gradient has {outputGradient.Length} elements; the last output had {_y.Length}.", nameof(outputGradient));
        }

        int batch = _y.Batch, time = _y.Time, width = _y.Features, units = width / 2;
        ReadOnlySpan<float> dy = outputGradient.Span;
        _dForward.Resize(batch, time, units, _y.IsSequence);
        _dBackward.Resize(batch, time, units, _y.IsSequence);
        Span<float> dForward = _dForward.Span, dBackward = _dBackward.Span;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                // The split undoes the merge: dyf[b, t] = dy[b, t, :U]; dyb[b, T − 1 − t] = dy[b, t, U:] (time is 1 for vectors).
                int row = (b * time) + t, flipped = (b * time) + (time - 1 - t);
                dy.Slice(row * width, units).CopyTo(dForward.Slice(row * units, units));
                dy.Slice((row * width) + units, units).CopyTo(dBackward.Slice(flipped * units, units));
            }
        }

        if (_zeroMasked is not null)
        {
            // The zeroed outputs depend on nothing: dy there reaches neither direction. Backward's rows are flipped, so
            // zero them where the flipped step is masked.
            for (int b = 0; b < batch; b++)
            {
                for (int t = 0; t < time; t++)
                {
                    if (!_zeroMasked[b, t])
                    {
                        dForward.Slice(((b * time) + t) * units, units).Clear();
                        dBackward.Slice(((b * time) + (time - 1 - t)) * units, units).Clear();
                    }
                }
            }
        }

        Activations? dxForward = ForwardLayer.Backward(_dForward, computeInputGradient);
        Activations? dxBackward = BackwardLayer.Backward(_dBackward, computeInputGradient);
        if (!computeInputGradient)
        {
            return null;
        }

        // dx = dxf + dxb: both directions read the same input.
        _dx.ResizeLike(dxForward!);
        TensorPrimitives.Add(dxForward!.Span, dxBackward!.Span, _dx.Span);
        return _dx;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["merge_mode"] = MergeMode,
        ["layer"] = Serialize(ForwardLayer),
        ["backward_layer"] = Serialize(BackwardLayer),
    };

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        ForwardLayer.Build(input);
        BackwardLayer.Build(input);
        foreach (Parameter p in ForwardLayer.Parameters)
        {
            AddParameter(p);
        }

        foreach (Parameter p in BackwardLayer.Parameters)
        {
            AddParameter(p);
        }

        SampleShape inner = ForwardLayer.OutputShape;
        return inner with { Features = 2 * inner.Features };
    }

    // Keras's serialize_keras_object: {"class_name": …, "config": {…}}.
    private static Dictionary<string, object?> Serialize(Layer layer) => new()
    {
        ["class_name"] = layer.KerasClassName,
        ["config"] = layer.GetConfig(),
    };

    private static string RemovePrefix(string value, string prefix) =>
        value.StartsWith(prefix, StringComparison.Ordinal) ? value[prefix.Length..] : value;

    // Keras's to_snake_case: SimpleRNN → simple_rnn, LSTM → lstm, GRU → gru.
    private static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool boundary = i > 0 && char.IsUpper(c)
                && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && i > 0));
            if (boundary)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
