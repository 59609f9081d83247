using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's Masking: a step whose features all equal <see cref="MaskValue"/> is padding. The layer zeroes those steps,
/// as Keras does, and hands the mask on: the recurrent layers after it skip masked steps, per-step layers pass the mask
/// on, and the loss and metrics leave the masked steps out.
/// <para>Shapes: x (B, T, F) → y (B, T, F), mask (B, T).</para>
/// <para>Forward: m_bt = ∃f: x_btf ≠ v;  y_bt = x_bt·m_bt.  Backward: dx_bt = dy_bt·m_bt.</para>
/// </summary>
/// <remarks>It must be the model's first layer: Keras's masks start at the input, and a mask made later would leave the
/// layers before it training on padding.</remarks>
public sealed class Masking : Layer
{
    private readonly Activations _y = new();
    private readonly Activations _dx = new();
    private readonly SequenceMask _mask = new();
    private bool _hasForward;

    /// <summary>Creates the layer.</summary>
    /// <param name="maskValue">The value every feature of a padding step holds (Keras's mask_value, 0 by default).</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    /// <exception cref="ArgumentOutOfRangeException">A NaN mask value (it equals nothing).</exception>
    public Masking(float maskValue = 0f, string? name = null)
        : base(name)
    {
        if (float.IsNaN(maskValue))
        {
            throw new ArgumentOutOfRangeException(nameof(maskValue), maskValue, "The mask value cannot be NaN: NaN equals nothing, so no step would ever be masked.");
        }

        MaskValue = maskValue;
    }

    /// <inheritdoc />
    public override string KerasClassName => "Masking";

    /// <summary>Keras's mask_value.</summary>
    public float MaskValue { get; }

    /// <summary>The mask of the last Forward.</summary>
    public SequenceMask Mask => _mask;

    /// <inheritdoc />
    public override void Initialize(Rng rng)
    {
    }

    /// <inheritdoc />
    public override Activations Forward(Activations input, bool training)
    {
        CheckInput(input);
        int batch = input.Batch, time = input.Time, features = input.Features;
        _mask.Resize(batch, time);
        Span<bool> real = _mask.Values;
        ReadOnlySpan<float> x = input.Span;
        if (MaskValue == 0f)
        {
            // y = x·m is x itself here, bit for bit (a padding step's ±0 times 0 keeps its sign, as in Keras): the output
            // is a view of the input, and only the mask is computed. The copy cost a serial pass over the whole batch.
            for (int r = 0; r < batch * time; r++)
            {
                real[r] = StepScan.AnyDiffers(x.Slice(r * features, features), 0f);
            }

            _y.ViewOf(input);
            _mask.Update();
            _hasForward = true;
            return _y;
        }

        _y.ResizeLike(input);
        Span<float> y = _y.Span;
        for (int r = 0; r < batch * time; r++)
        {
            ReadOnlySpan<float> step = x.Slice(r * features, features);
            // Any feature that differs from the value makes the step real (NaN differs from everything, as in Keras).
            bool isReal = StepScan.AnyDiffers(step, MaskValue);
            real[r] = isReal;
            if (isReal)
            {
                step.CopyTo(y.Slice(r * features, features));
            }
            else
            {
                y.Slice(r * features, features).Clear();
            }
        }

        _mask.Update();
        _hasForward = true;
        return _y;
    }

    /// <inheritdoc />
    internal override SequenceMask? ComputeMask(Activations input) => _mask;

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

        _dx.ResizeLike(outputGradient);
        ReadOnlySpan<float> dy = outputGradient.Span;
        Span<float> dx = _dx.Span;
        int features = outputGradient.Features;
        ReadOnlySpan<bool> real = _mask.Values;
        for (int r = 0; r < real.Length; r++)
        {
            if (real[r])
            {
                dy.Slice(r * features, features).CopyTo(dx.Slice(r * features, features));
            }
            else
            {
                dx.Slice(r * features, features).Clear();
            }
        }

        return _dx;
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["mask_value"] = (double)MaskValue,
    };

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        return input;
    }

    /// <summary>The value as Keras writes it in a configuration.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Masking(mask_value={MaskValue})");
}
