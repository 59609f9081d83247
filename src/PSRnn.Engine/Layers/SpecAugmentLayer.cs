using System.Globalization;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// SpecAugment's frequency and time masks (Park et al. 2019), drawn as torchaudio's FrequencyMasking and TimeMasking with
/// iid_masks (mask_along_axis_iid), active only in training like Dropout.
/// <para>Shapes: x, y (B, T, F): T steps (time) of F features (frequency bins or coefficients).</para>
/// <para>Draws, per sample and mask, from the layer's own seeded stream (u ~ U[0, 1)): v = u₁·W, start = ⌊u₂·(L − v)⌋,
/// width = ⌊v⌋, masked indices [start, start + width): the width is uniform in {0, …, W − 1} and the start uniform in
/// [0, L − v). For frequency masks L = F; for time masks L is the sample's real steps under a sequence mask (all T
/// otherwise), the indices count real steps only, and W is min(W, ⌊L·p⌋) when the proportion p &lt; 1 (torchaudio's
/// p), and at most L. A mask with W &lt; 1 draws nothing.</para>
/// <para>Forward (training): y = x ⊙ k + c·(1 − k), k the keep mask (0 on masked values), c = 0 or the sample's mean
/// μ_b = (1/N_b) Σ x over its N_b real values. Forward (inference): y = x.</para>
/// <para>Backward: dx = dy ⊙ k, plus for the mean (1/N_b) Σ_masked dy on each real value of sample b (μ depends on x).</para>
/// </summary>
public sealed class SpecAugmentLayer : TrainingNoiseLayer
{
    private float[] _keep = [];
    private double[] _count = [];
    private SequenceMask? _mask;

    /// <summary>Creates the layer.</summary>
    /// <param name="frequencyMasks">Frequency masks per sample (Park et al.'s m_F), 0 or more.</param>
    /// <param name="frequencyMaskWidth">The frequency masks' width bound F (torchaudio's freq_mask_param), 0 or more.</param>
    /// <param name="timeMasks">Time masks per sample (m_T), 0 or more.</param>
    /// <param name="timeMaskWidth">The time masks' width bound T (time_mask_param), 0 or more.</param>
    /// <param name="timeMaskProportion">The largest fraction of a sample's steps one time mask covers (p), in (0, 1].</param>
    /// <param name="maskValue">What the masks write.</param>
    /// <param name="name">The layer name, or null for the model to assign one.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or width, or p outside (0, 1].</exception>
    public SpecAugmentLayer(int frequencyMasks, int frequencyMaskWidth, int timeMasks, int timeMaskWidth,
        double timeMaskProportion = 1.0, SpecAugmentMaskValue maskValue = SpecAugmentMaskValue.Zero, string? name = null)
        : base(name)
    {
        FrequencyMasks = RequireNonNegative(frequencyMasks);
        FrequencyMaskWidth = RequireNonNegative(frequencyMaskWidth);
        TimeMasks = RequireNonNegative(timeMasks);
        TimeMaskWidth = RequireNonNegative(timeMaskWidth);
        if (!(timeMaskProportion is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(timeMaskProportion), timeMaskProportion,
                string.Create(CultureInfo.InvariantCulture, $"The time mask proportion is {timeMaskProportion}; it must be above 0 and at most 1."));
        }

        TimeMaskProportion = timeMaskProportion;
        MaskValue = Enum.IsDefined(maskValue) ? maskValue : throw new ArgumentOutOfRangeException(nameof(maskValue), maskValue, "The mask value must be Zero or Mean.");
    }

    /// <inheritdoc />
    public override string KerasClassName => "SpecAugment";

    /// <summary>Frequency masks per sample.</summary>
    public int FrequencyMasks { get; }

    /// <summary>The frequency masks' width bound: widths are drawn from {0, …, W − 1}.</summary>
    public int FrequencyMaskWidth { get; }

    /// <summary>Time masks per sample.</summary>
    public int TimeMasks { get; }

    /// <summary>The time masks' width bound.</summary>
    public int TimeMaskWidth { get; }

    /// <summary>The largest fraction of a sample's real steps one time mask may cover.</summary>
    public double TimeMaskProportion { get; }

    /// <summary>What the masks write.</summary>
    public SpecAugmentMaskValue MaskValue { get; }

    /// <inheritdoc />
    protected override bool IsActive => FrequencyMasks > 0 || TimeMasks > 0;

    /// <inheritdoc />
    protected override void TrainingForward(Activations input, Activations output, Rng rng)
    {
        int batch = input.Batch, time = input.Time, features = input.Features;
        if (_keep.Length < input.Length)
        {
            _keep = new float[input.Length];
        }

        if (_count.Length < batch)
        {
            _count = new double[batch];
        }

        _mask = input.Mask is { AllReal: false } m ? m : null;
        Span<float> keep = _keep.AsSpan(0, input.Length);
        keep.Fill(1f);
        ReadOnlySpan<float> x = input.Span;
        Span<float> y = output.Span;
        x.CopyTo(y);
        for (int b = 0; b < batch; b++)
        {
            int steps = _mask?.RealSteps(b) ?? time;
            Span<float> sampleKeep = keep.Slice(b * time * features, time * features);
            for (int i = 0; i < FrequencyMasks; i++)
            {
                (int start, int width) = Draw(rng, FrequencyMaskWidth, features);
                for (int t = 0; t < time; t++)
                {
                    if (IsReal(b, t))
                    {
                        sampleKeep.Slice((t * features) + start, width).Clear();
                    }
                }
            }

            int timeWidth = Math.Min(TimeMaskProportion < 1 ? Math.Min(TimeMaskWidth, (int)(steps * TimeMaskProportion)) : TimeMaskWidth, steps);
            for (int i = 0; i < TimeMasks; i++)
            {
                (int start, int width) = Draw(rng, timeWidth, steps);
                // The start-th real step and the width real steps after it.
                for (int t = 0, real = 0; t < time && real < start + width; t++)
                {
                    if (IsReal(b, t))
                    {
                        if (real >= start)
                        {
                            sampleKeep.Slice(t * features, features).Clear();
                        }

                        real++;
                    }
                }
            }

            _count[b] = (double)steps * features;
            float fill = 0f;
            if (MaskValue == SpecAugmentMaskValue.Mean)
            {
                double sum = 0;
                for (int t = 0; t < time; t++)
                {
                    if (IsReal(b, t))
                    {
                        foreach (float v in x.Slice(((b * time) + t) * features, features))
                        {
                            sum += v;
                        }
                    }
                }

                fill = steps == 0 ? 0f : (float)(sum / _count[b]);
            }

            Span<float> sampleY = y.Slice(b * time * features, time * features);
            for (int j = 0; j < sampleY.Length; j++)
            {
                if (sampleKeep[j] == 0f)
                {
                    sampleY[j] = fill;
                }
            }
        }
    }

    // torchaudio's draw: v = u·W, start = ⌊u'·(L − v)⌋, end = start + ⌊v⌋ (nothing drawn when W < 1).
    private static (int Start, int Width) Draw(Rng rng, int bound, int length)
    {
        if (bound < 1)
        {
            return (0, 0);
        }

        double value = rng.NextDouble() * bound;
        double min = rng.NextDouble() * (length - value);
        return ((int)min, (int)value);
    }

    private bool IsReal(int b, int t) => _mask is not { } m || m[b, t];

    /// <inheritdoc />
    protected override void TrainingBackward(Activations outputGradient, Activations inputGradient)
    {
        ReadOnlySpan<float> dy = outputGradient.Span;
        Span<float> dx = inputGradient.Span;
        int time = outputGradient.Time, features = outputGradient.Features, size = time * features;
        ReadOnlySpan<float> keep = _keep.AsSpan(0, outputGradient.Length);
        for (int b = 0; b < outputGradient.Batch; b++)
        {
            // dx = dy ⊙ k, and the mean's share: ∂μ_b/∂x = 1/N_b on every real value of the sample.
            double maskedSum = 0;
            for (int j = b * size; j < (b + 1) * size; j++)
            {
                dx[j] = dy[j] * keep[j];
                maskedSum += keep[j] == 0f ? dy[j] : 0;
            }

            if (MaskValue == SpecAugmentMaskValue.Mean && maskedSum != 0 && _count[b] > 0)
            {
                float share = (float)(maskedSum / _count[b]);
                for (int t = 0; t < time; t++)
                {
                    if (IsReal(b, t))
                    {
                        Span<float> row = dx.Slice(((b * time) + t) * features, features);
                        for (int f = 0; f < features; f++)
                        {
                            row[f] += share;
                        }
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["frequency_masks"] = FrequencyMasks,
        ["frequency_mask_width"] = FrequencyMaskWidth,
        ["time_masks"] = TimeMasks,
        ["time_mask_width"] = TimeMaskWidth,
        ["time_mask_proportion"] = TimeMaskProportion,
        ["mask_value"] = MaskValue == SpecAugmentMaskValue.Mean ? "mean" : "zero",
    };

    /// <inheritdoc />
    protected override SampleShape OnBuild(SampleShape input)
    {
        RequireSequence(input);
        if (FrequencyMaskWidth > input.Features)
        {
            throw new ModelException("SpecAugmentWidthTooLarge",
                $"Layer '{Name}' (SpecAugment) has -FrequencyMaskWidth {FrequencyMaskWidth}, but its input has only {input.Features} features; give at most {input.Features}.");
        }

        if (input.Time is { } t && TimeMaskWidth > t)
        {
            throw new ModelException("SpecAugmentWidthTooLarge",
                $"Layer '{Name}' (SpecAugment) has -TimeMaskWidth {TimeMaskWidth}, but its input has only {t} steps; give at most {t}.");
        }

        return input;
    }

    private static int RequireNonNegative(int value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string name = "") =>
        value >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; it must be 0 or more.");
}
