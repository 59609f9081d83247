using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Training;

/// <summary>
/// The regularization term of Keras's loss (<c>model.losses</c>): the sum of each trainable weight's
/// <see cref="Regularizer"/> penalty, added to every training step's loss and to evaluation's (Keras's compute_loss
/// counts it in val_loss and evaluate too), its gradient added to the weights' gradients before clipping and the step.
/// </summary>
internal static class WeightPenalty
{
    /// <summary>The penalty at the current weights, without touching gradients (evaluation).</summary>
    public static double Of(IReadOnlyList<Parameter> parameters)
    {
        double total = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i] is { Trainable: true, Regularizer: { } r } p)
            {
                total += r.Penalty(p.Value);
            }
        }

        return total;
    }

    /// <summary>Adds each penalty's gradient to its weight's gradient (after backward) and returns the penalty.</summary>
    public static double AddGradients(IReadOnlyList<Parameter> parameters)
    {
        // Indexed, not foreach: an interface enumerator would allocate on every training step.
        double total = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i] is { Trainable: true, Regularizer: { } r } p)
            {
                total += r.Penalty(p.Value);
                r.AddGradient(p.Value, p.Gradient);
            }
        }

        return total;
    }
}
