using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Tests.Layers;

/// <summary>
/// Central-difference gradient checks for any <see cref="Layer"/>: with a fixed random upstream gradient G, the scalar
/// L(x, θ) = Σ G ⊙ Forward(x) has ∂L/∂θ = what Backward accumulates and ∂L/∂x = what it returns. Each derivative is
/// estimated as (L(θ+h) − L(θ−h)) / 2h with L summed in double.
/// </summary>
internal static class GradientCheck
{
    /// <summary>Checks every parameter element (or a sample of <paramref name="maxPerParameter"/>) and every input element.</summary>
    /// <param name="layer">A built, initialized layer.</param>
    /// <param name="input">The input batch (its values are perturbed and restored).</param>
    /// <param name="seed">Seeds the upstream gradient.</param>
    /// <param name="h">The finite-difference step.</param>
    /// <param name="tolerance">Allowed |numeric − analytic| / max(1, |numeric|).</param>
    /// <param name="checkInput">Whether to check ∂L/∂x (off for integer inputs such as Embedding's).</param>
    /// <param name="maxPerParameter">How many elements of each parameter to check at most.</param>
    public static void Check(Layer layer, Activations input, int seed = 1, float h = 1e-2f, double tolerance = 2e-3,
        bool checkInput = true, int maxPerParameter = 64)
    {
        var rng = new Rng((ulong)seed);
        Activations output = layer.Forward(input, training: false);
        var upstream = new float[output.Length];
        for (int i = 0; i < upstream.Length; i++)
        {
            upstream[i] = (float)rng.Uniform(-1, 1);
        }

        foreach (Parameter p in layer.Parameters)
        {
            p.ZeroGradient();
        }

        var grad = new Activations();
        grad.ResizeLike(output);
        upstream.CopyTo(grad.Span);
        Activations? dx = layer.Backward(grad, checkInput);
        float[] analyticInput = checkInput ? dx!.Span.ToArray() : [];

        foreach (Parameter p in layer.Parameters)
        {
            float[] analytic = (float[])p.Gradient.Clone();
            int step = Math.Max(1, p.Length / maxPerParameter);
            for (int i = 0; i < p.Length; i += step)
            {
                double numeric = Numeric(layer, input, upstream, p.Value, i, h);
                Assert.True(Close(numeric, analytic[i], tolerance),
                    $"{layer.Name}.{p.Name}[{i}]: numeric {numeric:G6}, backward {analytic[i]:G6}");
            }
        }

        if (checkInput)
        {
            float[] x = input.Buffer;
            int step = Math.Max(1, input.Length / 128);
            for (int i = 0; i < input.Length; i += step)
            {
                double numeric = Numeric(layer, input, upstream, x, i, h);
                Assert.True(Close(numeric, analyticInput[i], tolerance),
                    $"{layer.Name} input[{i}]: numeric {numeric:G6}, backward {analyticInput[i]:G6}");
            }
        }
    }

    private static double Numeric(Layer layer, Activations input, float[] upstream, float[] values, int i, float h)
    {
        float saved = values[i];
        values[i] = saved + h;
        double plus = Objective(layer, input, upstream);
        values[i] = saved - h;
        double minus = Objective(layer, input, upstream);
        values[i] = saved;
        return (plus - minus) / (2.0 * h);
    }

    private static double Objective(Layer layer, Activations input, float[] upstream)
    {
        Span<float> y = layer.Forward(input, training: false).Span;
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += (double)upstream[i] * y[i];
        }

        return sum;
    }

    private static bool Close(double numeric, double analytic, double tolerance) =>
        Math.Abs(numeric - analytic) <= tolerance * Math.Max(1.0, Math.Abs(numeric));

    /// <summary>A batch of uniform random values in [−1, 1).</summary>
    public static Activations RandomInput(int batch, int time, int features, bool isSequence, int seed)
    {
        var rng = new Rng((ulong)seed);
        var a = new Activations(batch, time, features, isSequence);
        Span<float> s = a.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)rng.Uniform(-1, 1);
        }

        return a;
    }
}
