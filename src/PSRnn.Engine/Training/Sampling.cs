using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Training;

/// <summary>
/// Draws class indices from predicted probabilities with a temperature, as Keras's text-generation examples do:
/// each row is resampled from <c>softmax(log(p) / T)</c>, i.e. with weights <c>p^(1/T)</c>. T = 1 draws from the model's
/// distribution, T &lt; 1 sharpens it towards the most probable class, T &gt; 1 flattens it, and T = 0 is argmax.
/// </summary>
public static class Sampling
{
    /// <summary>Error id: the temperature is negative, NaN or infinite.</summary>
    public const string BadTemperatureErrorId = "SampleTemperatureInvalid";

    /// <summary>Error id: a row holds a negative, NaN or infinite probability, or sums to zero.</summary>
    public const string BadProbabilitiesErrorId = "SampleNotProbabilities";

    /// <summary>Draws one class per row of <paramref name="probabilities"/>.</summary>
    /// <param name="probabilities">Rows of <paramref name="width"/> non-negative values (they need not sum to 1);
    /// a single value per row is a sigmoid's P(class 1), sampled against 1 − p.</param>
    /// <param name="width">Values per row (classes), at least 1.</param>
    /// <param name="temperature">T ≥ 0; 0 picks the first most probable class (NumPy's argmax).</param>
    /// <param name="rng">The generator the draws come from: one uniform number per row, in row order.</param>
    /// <returns>A class index per row.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is negative or not finite (report it as
    /// <see cref="BadTemperatureErrorId"/>), or the width is not positive.</exception>
    /// <exception cref="ArgumentException">A row is not a distribution (report it as <see cref="BadProbabilitiesErrorId"/>).</exception>
    public static long[] Sample(ReadOnlySpan<float> probabilities, int width, double temperature, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentNullException.ThrowIfNull(rng);
        if (!double.IsFinite(temperature) || temperature < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                "The temperature must be 0 (argmax) or more; 1 samples the model's own distribution.");
        }

        int rows = probabilities.Length / width;
        var classes = new long[rows];
        // A sigmoid output is the two-class distribution (1 − p, p).
        Span<double> weights = width == 1 ? stackalloc double[2] : new double[width];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = probabilities.Slice(r * width, width);
            if (width == 1)
            {
                weights[0] = 1.0 - row[0];
                weights[1] = row[0];
            }
            else
            {
                for (int j = 0; j < width; j++)
                {
                    weights[j] = row[j];
                }
            }

            classes[r] = SampleRow(weights, temperature, rng, r);
        }

        return classes;
    }

    private static int SampleRow(Span<double> weights, double temperature, Rng rng, int row)
    {
        int best = 0;
        for (int j = 0; j < weights.Length; j++)
        {
            double p = weights[j];
            if (!double.IsFinite(p) || p < 0)
            {
                throw new ArgumentException(
                    $"Row {row} holds {p} at class {j}, which is not a probability. Sampling needs a softmax or sigmoid output.",
                    nameof(weights));
            }

            if (p > weights[best])
            {
                best = j;
            }
        }

        double max = weights[best];
        if (max <= 0)
        {
            throw new ArgumentException($"Row {row} is all zeros, so there is nothing to sample from.", nameof(weights));
        }

        // Draw a number even for T = 0, so the stream position never depends on the temperature.
        double u = rng.NextDouble();
        if (temperature == 0)
        {
            return best;
        }

        // p^(1/T) relative to the largest p: exp((log p − log max) / T) stays in (0, 1], never overflows,
        // and underflows to 0 for everything but the maxima as T → 0.
        double inverse = 1.0 / temperature;
        double sum = 0;
        for (int j = 0; j < weights.Length; j++)
        {
            double w = weights[j] == 0 ? 0 : Math.Exp((Math.Log(weights[j]) - Math.Log(max)) * inverse);
            weights[j] = w;
            sum += w;
        }

        double target = u * sum;
        double cumulative = 0;
        int last = best;
        for (int j = 0; j < weights.Length; j++)
        {
            if (weights[j] == 0)
            {
                continue;
            }

            cumulative += weights[j];
            last = j;
            if (target < cumulative)
            {
                return j;
            }
        }

        // Rounding can leave target ≥ the running sum at the very end: the last class with weight takes it.
        return last;
    }
}
