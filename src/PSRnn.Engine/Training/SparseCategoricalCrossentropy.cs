using PSRnn.Engine.Data;

namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's <c>sparse_categorical_crossentropy</c>: <c>L = −(1/rows) Σ_r log p_r[label_r]</c>, targets holding one
/// class index per row (stored as float). Same formulas as <see cref="CategoricalCrossentropy"/> with a one-hot y:
/// from logits the gradient is <c>(softmax − onehot)/rows</c>; from probabilities Keras renormalizes and clips.
/// </summary>
/// <remarks>A label that is not an integer in [0, width) throws <see cref="DataFormatException"/> with id
/// <c>LossLabelOutOfRange</c> (Keras would fail inside one_hot or silently read garbage).</remarks>
public sealed class SparseCategoricalCrossentropy : Loss
{
    /// <summary>The error id of a bad class index.</summary>
    public const string LabelOutOfRangeErrorId = "LossLabelOutOfRange";

    /// <inheritdoc/>
    public override string KerasName => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    public override OutputActivation? FusedActivation => OutputActivation.Softmax;

    private protected override int TargetsPerRow(int width) => 1;

    private protected override double ComputeCore(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int rows,
        int width, Span<float> gradient, bool fromLogits)
    {
        // Validate every label first, so a bad batch leaves the gradient untouched.
        for (int r = 0; r < rows; r++)
        {
            float label = targets[r];
            if (!(label >= 0 && label < width) || label != MathF.Floor(label))
            {
                throw new DataFormatException(LabelOutOfRangeErrorId, DataErrorKind.InvalidData, null,
                    $"Row {r} has label {label}, which is not a class index in 0..{width - 1}. Sparse targets hold "
                    + $"one integer class index per row; use one-hot targets with categorical_crossentropy, or give the "
                    + "model as many output units as there are classes.");
            }
        }

        double total = 0;
        double invRows = 1.0 / rows;
        bool wantGradient = !gradient.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> o = outputs.Slice(r * width, width);
            Span<float> g = wantGradient ? gradient.Slice(r * width, width) : default;
            int label = (int)targets[r];
            total += fromLogits
                ? CrossEntropyRows.FromLogits(o, default, label, invRows, g)
                : CrossEntropyRows.FromProbabilities(o, default, label, invRows, g);
        }

        return total * invRows;
    }
}
