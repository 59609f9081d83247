using System.Numerics.Tensors;
using System.Text;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Bidirectional(layer, merge_mode): the recurrent layer runs over the input as given
/// (<see cref="ForwardLayer"/>) and a twin with go_backwards runs over it from the last step to the first
/// (<see cref="BackwardLayer"/>); their outputs are merged (<see cref="MergeMode"/>).
/// <para>Shapes: x (B, T, F); each direction outputs (B, T, U) with return_sequences, else (B, U); y (B, T, M) or (B, M),
/// M = 2U for concat, else U.</para>
/// <para>Forward, as keras/src/layers/rnn/bidirectional.py: yf = fwd(x); yb = bwd(x), whose returned sequence is in its
/// processing order, so with return_sequences it is flipped in time before the merge: with f = yf[b, t] and
/// g = yb[b, T − 1 − t] (without return_sequences, each direction's last state), y[b, t] = [f, g] (concat), f + g (sum),
/// f ⊙ g (mul) or (f + g) / 2 (ave).</para>
/// <para>Backward: concat dyf[b, t] = dy[b, t, :U], dyb[b, T − 1 − t] = dy[b, t, U:]; sum dyf = dyb = dy; ave both dy / 2;
/// mul dyf = dy ⊙ g, dyb = dy ⊙ f; both directions see the same input, so dx = fwdᵀ(dyf) + bwdᵀ(dyb).</para>
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
    private Activations? _yf, _yb;

    /// <summary>Wraps <paramref name="layer"/> (the forward direction) and a go_backwards twin of it.</summary>
    /// <param name="layer">The recurrent layer; it must not itself go backwards (Keras raises then too).</param>
    /// <param name="name">The wrapper's name, or null for the model to assign one.</param>
    /// <param name="mergeMode">How the directions' outputs merge (Keras's default: concat).</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> has go_backwards set.</exception>
    public Bidirectional(RecurrentLayer layer, string? name = null, BidirectionalMerge mergeMode = BidirectionalMerge.Concat)
        : base(name)
    {
        if (!Enum.IsDefined(mergeMode))
        {
            throw new ArgumentOutOfRangeException(nameof(mergeMode), mergeMode, "The merge mode is concat, sum, mul or ave.");
        }

        MergeMode = mergeMode;
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

    /// <summary>How the directions' outputs merge (Keras's merge_mode).</summary>
    public BidirectionalMerge MergeMode { get; }

    /// <summary>Keras's name of a merge mode: concat, sum, mul, ave.</summary>
    public static string KerasMergeName(BidirectionalMerge mode) => mode.ToString().ToLowerInvariant();

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
        int batch = input.Batch, units = yf.Features, width = MergeMode == BidirectionalMerge.Concat ? 2 * units : units;
        int time = ReturnSequences ? input.Time : 1;
        _yf = yf;
        _yb = yb;
        _y.Resize(batch, time, width, isSequence: ReturnSequences);
        ReadOnlySpan<float> forward = yf.Span, backward = yb.Span;
        Span<float> y = _y.Span;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                // f = yf[b, t], g = yb[b, T − 1 − t] (time is 1 for vectors: each direction's last state).
                int row = (b * time) + t, flipped = (b * time) + (time - 1 - t);
                ReadOnlySpan<float> f = forward.Slice(row * units, units), g = backward.Slice(flipped * units, units);
                Span<float> merged = y.Slice(row * width, width);
                switch (MergeMode)
                {
                    case BidirectionalMerge.Concat:
                        f.CopyTo(merged);
                        g.CopyTo(merged[units..]);
                        break;
                    case BidirectionalMerge.Sum:
                        TensorPrimitives.Add(f, g, merged);
                        break;
                    case BidirectionalMerge.Mul:
                        TensorPrimitives.Multiply(f, g, merged);
                        break;
                    default:
                        // (f + g) / 2: halving is exact, so this is Keras's (y + y_rev) / 2 to the bit.
                        TensorPrimitives.Add(f, g, merged);
                        TensorPrimitives.Multiply(merged, 0.5f, merged);
                        break;
                }
            }
        }

        // Keras's Bidirectional sets zero_output_for_mask = return_sequences on both directions: masked steps are zeros.
        _zeroMasked = ReturnSequences && input.Mask is { AllReal: false } ? input.Mask : null;
        if (_zeroMasked is not null)
        {
            ZeroMaskedRows(_y.Span, _zeroMasked, width);
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

        int batch = _y.Batch, time = _y.Time, width = _y.Features, units = _yf!.Features;
        ReadOnlySpan<float> dy = outputGradient.Span, forward = _yf.Span, backward = _yb!.Span;
        _dForward.Resize(batch, time, units, _y.IsSequence);
        _dBackward.Resize(batch, time, units, _y.IsSequence);
        Span<float> dForward = _dForward.Span, dBackward = _dBackward.Span;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < time; t++)
            {
                // The merge's gradient to each direction; the backward direction's rows are flipped in time.
                int row = (b * time) + t, flipped = (b * time) + (time - 1 - t);
                ReadOnlySpan<float> d = dy.Slice(row * width, width);
                Span<float> df = dForward.Slice(row * units, units), dg = dBackward.Slice(flipped * units, units);
                switch (MergeMode)
                {
                    case BidirectionalMerge.Concat:
                        d[..units].CopyTo(df);
                        d[units..].CopyTo(dg);
                        break;
                    case BidirectionalMerge.Sum:
                        d.CopyTo(df);
                        d.CopyTo(dg);
                        break;
                    case BidirectionalMerge.Mul:
                        TensorPrimitives.Multiply(d, backward.Slice(flipped * units, units), df);
                        TensorPrimitives.Multiply(d, forward.Slice(row * units, units), dg);
                        break;
                    default:
                        TensorPrimitives.Multiply(d, 0.5f, df);
                        df.CopyTo(dg);
                        break;
                }
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
        ["merge_mode"] = KerasMergeName(MergeMode),
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
        return MergeMode == BidirectionalMerge.Concat ? inner with { Features = 2 * inner.Features } : inner;
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
