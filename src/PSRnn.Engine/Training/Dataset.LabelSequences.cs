using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

// Label-sequence targets for sequence losses (CTC): packed rows (length, labels, zeros) in the targets' place.
public sealed partial class Dataset
{
    /// <summary>Whether the targets are label sequences (<see cref="LabelSequences"/>) for a sequence loss.</summary>
    public bool HasLabelSequences { get; private init; }

    /// <summary>
    /// Converts and checks <paramref name="x"/> for <paramref name="model"/> as <see cref="Create(Tensor, Tensor?, Sequential, string)"/>
    /// does, with label sequences as targets: one per sample, each label a symbol 1 … C − 1 of the per-step output's C.
    /// </summary>
    /// <exception cref="ModelException">SampleCountMismatch, CtcLabelIsBlank, LabelOutOfRange, or a problem of X.</exception>
    public static Dataset CreateWithLabelSequences(Tensor x, LabelSequences targets, Sequential model, string name = "X")
    {
        ArgumentNullException.ThrowIfNull(targets);
        Dataset inputs = Create(x, null, model, name);
        string yName = name == "X" ? "Y" : name;
        if (targets.Count != inputs.Count)
        {
            throw new ModelException("SampleCountMismatch", string.Create(CultureInfo.InvariantCulture,
                $"X has {inputs.Count} samples but {yName} has {targets.Count} label sequences; give one target per sample."));
        }

        targets.Check(model.OutputShape.Features, yName);
        int width = targets.MaxLength + 1;
        return new Dataset(inputs._x, inputs.Count, inputs.Time, inputs.Features, inputs.IsSequence, targets.Pack(width), width, false,
            inputs.InexactValues)
        {
            MaxAbsInput = inputs.MaxAbsInput,
            LooksUnscaled = inputs.LooksUnscaled,
            HasLabelSequences = true,
        };
    }

    /// <summary>
    /// The label sequences of a dataset made by <see cref="CreateWithLabelSequences"/>.
    /// </summary>
    public LabelSequences LabelTargets()
    {
        if (!HasLabelSequences)
        {
            throw new InvalidOperationException("The targets are not label sequences.");
        }

        int width = TargetsPerSample;
        var labels = new int[Count][];
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<float> row = TargetValues.Slice(i * width, width);
            labels[i] = new int[(int)row[0]];
            LabelSequences.Unpack(row, labels[i]);
        }

        return new LabelSequences(labels);
    }

    /// <summary>
    /// Each sample's real steps as the model's mask will see them: the steps a first Masking layer keeps (any feature
    /// not the mask value), the non-zero tokens of an Embedding with mask_zero, else every step.
    /// </summary>
    internal int[] RealSteps(Sequential model)
    {
        var real = new int[Count];
        Layer first = model.Layers[0];
        int sample = Time * Features;
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<float> x = _x.Span.Slice(i * sample, sample);
            if (first is Masking masking && IsSequence)
            {
                for (int t = 0; t < Time; t++)
                {
                    real[i] += x.Slice(t * Features, Features).IndexOfAnyExcept(masking.MaskValue) >= 0 ? 1 : 0;
                }
            }
            else if (first is Embedding embedding)
            {
                real[i] = embedding.MaskZero ? sample - CountZeros(x) : sample;
            }
            else
            {
                real[i] = Time;
            }
        }

        return real;
    }

    private static int CountZeros(ReadOnlySpan<float> x)
    {
        int zeros = 0;
        foreach (float v in x)
        {
            zeros += v == 0 ? 1 : 0;
        }

        return zeros;
    }
}
