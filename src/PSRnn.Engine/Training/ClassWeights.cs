using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// Keras's fit(class_weight=...): a weight per class turned into each training sample's weight, so that training with
/// class weights is training with the sample weights they imply; classes left out weigh 1.
/// </summary>
public static class ClassWeights
{
    /// <summary>
    /// scikit-learn's compute_class_weight('balanced') over <paramref name="train"/>'s targets: for each class present,
    /// <c>n_samples / (n_classes · count(class))</c>, n_classes the number of distinct classes in the targets.
    /// </summary>
    /// <exception cref="ModelException">As <see cref="Apply"/>.</exception>
    public static IReadOnlyDictionary<int, double> Balanced(Sequential model, Dataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        int[] classes = Classes(model, train);
        var counts = new SortedDictionary<int, long>();
        foreach (int c in classes)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }

        return counts.ToDictionary(kv => kv.Key, kv => classes.Length / (counts.Count * (double)kv.Value));
    }

    /// <summary><paramref name="train"/> with each sample weighted by its class's weight (float32, as Keras's floatx).</summary>
    /// <exception cref="ModelException">Per-step targets (ClassWeightPerStepTargets), a class the model does not have
    /// (ClassWeightUnknownClass), or a negative or non-finite weight (ClassWeightInvalid).</exception>
    public static Dataset Apply(Sequential model, Dataset train, IReadOnlyDictionary<int, double> classWeight)
    {
        ArgumentNullException.ThrowIfNull(classWeight);
        int[] classes = Classes(model, train);
        int count = ClassCount(model);
        foreach ((int c, double w) in classWeight)
        {
            if (c < 0 || c >= count)
            {
                throw new ModelException("ClassWeightUnknownClass", string.Create(CultureInfo.InvariantCulture,
                    $"-ClassWeight gives a weight to class {c}, but the model has {count} classes (0 to {count - 1})."));
            }

            if (!double.IsFinite(w) || w < 0)
            {
                throw new ModelException("ClassWeightInvalid", string.Create(CultureInfo.InvariantCulture,
                    $"-ClassWeight gives class {c} the weight {w}; class weights must be finite and not negative."));
            }
        }

        var weights = new float[classes.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)classWeight.GetValueOrDefault(classes[i], 1.0);
        }

        return train.WithSampleWeights(new Tensor(weights, weights.Length), "-ClassWeight");
    }

    // The classes of a classifier's outputs: its units, or 0 and 1 for a single (sigmoid) unit.
    private static int ClassCount(Sequential model) => Math.Max(model.OutputShape.Features, 2);

    private static int[] Classes(Sequential model, Dataset train)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        if (train.RowsPerSample > 1 || model.OutputShape.IsSequence)
        {
            // Keras 2 refused it ("`class_weight` not supported for 3+ dimensional targets."); Keras 3 fails on NumPy data.
            throw new ModelException("ClassWeightPerStepTargets",
                "-ClassWeight is not supported for per-step targets (Keras: \"`class_weight` not supported for 3+ dimensional targets.\"); "
                + "give a weight per step with -SampleWeight (N, T) instead.");
        }

        return train.TargetClasses();
    }
}
