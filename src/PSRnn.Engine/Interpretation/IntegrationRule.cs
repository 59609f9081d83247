using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Interpretation;

/// <summary>The interpolation points αₖ and weights wₖ of Captum's approximation_methods.py.</summary>
public static class IntegrationRule
{
    /// <summary>The n points and weights of <paramref name="method"/> on [0, 1].</summary>
    /// <exception cref="ModelException"><c>AttributionStepsInvalid</c>: fewer than 1 step (2 for the Riemann rules, as Captum asserts).</exception>
    public static (double[] Alphas, double[] Weights) Of(IntegrationMethod method, int n)
    {
        int least = method == IntegrationMethod.GaussLegendre ? 1 : 2;
        if (n < least)
        {
            throw new ModelException("AttributionStepsInvalid",
                $"Integrated gradients need at least {least} steps with {method}; -Steps is {n}.");
        }

        if (method == IntegrationMethod.GaussLegendre)
        {
            return GaussLegendre(n);
        }

        var alphas = new double[n];
        var weights = new double[n];
        (double from, double to) = method switch
        {
            IntegrationMethod.RiemannTrapezoid => (0.0, 1.0),
            IntegrationMethod.RiemannLeft => (0.0, 1 - (1.0 / n)),
            IntegrationMethod.RiemannRight => (1.0 / n, 1.0),
            _ => (1.0 / (2 * n), 1 - (1.0 / (2 * n))),
        };
        for (int k = 0; k < n; k++)
        {
            alphas[k] = from + ((to - from) * k / (n - 1));
            weights[k] = 1.0 / n;
        }

        if (method == IntegrationMethod.RiemannTrapezoid)
        {
            weights[0] /= 2;
            weights[^1] /= 2;
        }

        return (alphas, weights);
    }

    // numpy.polynomial.legendre.leggauss(n), mapped from [-1, 1] to [0, 1]: Newton's method on Pₙ from the Chebyshev
    // guesses, Pₙ and Pₙ′ by the three-term recurrence; w = 2 / ((1 − x²) Pₙ′(x)²), halved by the map.
    private static (double[] Alphas, double[] Weights) GaussLegendre(int n)
    {
        var alphas = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5));
            double derivative = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                double p0 = 1, p1 = x;
                for (int k = 2; k <= n; k++)
                {
                    (p0, p1) = (p1, (((2 * k) - 1) * x * p1 - ((k - 1) * p0)) / k);
                }

                double pn = n == 1 ? x : p1;
                double pPrev = n == 1 ? 1 : p0;
                derivative = n * ((x * pn) - pPrev) / ((x * x) - 1);
                double dx = pn / derivative;
                x -= dx;
                if (Math.Abs(dx) < 1e-16)
                {
                    break;
                }
            }

            // Ascending order, as numpy returns the nodes.
            int at = n - 1 - i;
            alphas[at] = 0.5 * (1 + x);
            weights[at] = 0.5 * 2 / ((1 - (x * x)) * derivative * derivative);
        }

        return (alphas, weights);
    }
}
