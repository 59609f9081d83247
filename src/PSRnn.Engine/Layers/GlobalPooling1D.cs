using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's GlobalAveragePooling1D and GlobalMaxPooling1D (channels_last, keepdims false): one vector a sequence, taken
/// over its real steps when the input carries a mask.
/// <para>Shapes: x (B, T, F), m (B, T) the mask (all ones without one), y (B, F).</para>
/// <para>Average, as Keras: y_b = Σ_t m_bt·x_bt / Σ_t m_bt;  dx_bt = m_bt·dy_b / Σ_t m_bt.</para>
/// <para>Max: y_bf = max over real t of x_btf;  dx_btf = dy_bf at the first real step that holds the maximum, 0 elsewhere
/// (PyTorch's max(dim) sends the gradient to one index; TensorFlow's reduce_max splits it among ties — they differ
/// only when two steps tie exactly).</para>
/// <para>A sample with no real step gives zeros and no gradient (Keras's average would divide 0 by 0). Keras's
/// GlobalMaxPooling1D ignores a mask; PSRnn's honours it, as a padded step is not part of the sequence.</para>
/// </summary>
public sealed class GlobalPooling1D : Layer
{
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private int[] _argmax = [];
    private float[] _scale = [];
    private SequenceMask? _mask;
    private int _time;
    private bool _hasForward;

    /// <summary>Creates the layer.</summary>
    /// <param name="mode">Average or max.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    public GlobalPooling1D(GlobalPoolingMode mode, string? name = null)
        : base(name)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "The pooling is Average or Max.");
        }

        Mode = mode;
    }

    /// <summary>Average or max.</summary>
    public GlobalPoolingMode Mode { get; }

    /// <inheritdoc />
    public override string KerasClassName => Mode == GlobalPoolingMode.Average ? "GlobalAveragePooling1D" : "GlobalMaxPooling1D";

    /// <inheritdoc />
    /// <remarks>True: it pools over every step.</remarks>
    internal override bool ReadsAcrossSteps => true;

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int batch = input.Batch, time = input.Time, features = input.Features;
        _mask = input.Mask is { AllReal: false } m ? m : null;
        _time = time;
        _y.Resize(batch, 1, features, isSequence: false);
        ReadOnlySpan<float> x = input.Span;
        Span<float> y = _y.Span;
        if (Mode == GlobalPoolingMode.Average)
        {
            if (_scale.Length < batch)
            {
                _scale = new float[batch];
            }

            for (int b = 0; b < batch; b++)
            {
                Span<float> row = y.Slice(b * features, features);
                row.Clear();
                int real = 0;
                for (int t = 0; t < time; t++)
                {
                    if (_mask is null || _mask[b, t])
                    {
                        TensorPrimitives.Add(row, x.Slice(((b * time) + t) * features, features), row);
                        real++;
                    }
                }

                // Σ m·x / Σ m; no real step: zeros (the sum is zero) and no gradient.
                _scale[b] = real == 0 ? 0f : 1f / real;
                if (real > 0)
                {
                    TensorPrimitives.Divide(row, real, row);
                }
            }
        }
        else
        {
            if (_argmax.Length < batch * features)
            {
                _argmax = new int[batch * features];
            }

            for (int b = 0; b < batch; b++)
            {
                Span<float> row = y.Slice(b * features, features);
                Span<int> arg = _argmax.AsSpan(b * features, features);
                arg.Fill(-1);
                row.Clear();
                for (int t = 0; t < time; t++)
                {
                    if (_mask is not null && !_mask[b, t])
                    {
                        continue;
                    }

                    ReadOnlySpan<float> step = x.Slice(((b * time) + t) * features, features);
                    for (int f = 0; f < features; f++)
                    {
                        // The first step with the largest value wins; NaN propagates as in ops.max.
                        if (arg[f] < 0 || step[f] > row[f] || (float.IsNaN(step[f]) && !float.IsNaN(row[f])))
                        {
                            row[f] = step[f];
                            arg[f] = t;
                        }
                    }
                }
            }
        }

        _hasForward = true;
        return _y;
    }

    /// <inheritdoc />
    public override Activations? Backward(Activations outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!_hasForward)
        {
            throw new InvalidOperationException("Backward needs a Forward first.");
        }

        if (!computeInputGradient)
        {
            return null;
        }

        int batch = _y.Batch, features = _y.Features, time = _time;
        if (outputGradient.Length != _y.Length)
        {
            throw new ArgumentException($"The output gradient has {outputGradient.Length} elements; the last output had {_y.Length}.", nameof(outputGradient));
        }

        _dx.Resize(batch, time, features, isSequence: true);
        Span<float> dx = _dx.Span;
        ReadOnlySpan<float> dy = outputGradient.Span;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> d = dy.Slice(b * features, features);
            for (int t = 0; t < time; t++)
            {
                Span<float> row = dx.Slice(((b * time) + t) * features, features);
                if (Mode == GlobalPoolingMode.Average)
                {
                    if (_mask is not null && !_mask[b, t])
                    {
                        row.Clear();
                    }
                    else
                    {
                        // dx = m·dy / Σ m
                        TensorPrimitives.Multiply(d, _scale[b], row);
                    }

                    continue;
                }

                ReadOnlySpan<int> arg = _argmax.AsSpan(b * features, features);
                for (int f = 0; f < features; f++)
                {
                    row[f] = arg[f] == t ? d[f] : 0f;
                }
            }
        }

        return _dx;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["data_format"] = "channels_last",
        ["keepdims"] = false,
    };

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        return SampleShape.Vector(input.Features);
    }
}
