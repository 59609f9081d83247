using System.Numerics.Tensors;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Keras's weight initializers, by their Keras names. Fans follow Keras's <c>compute_fans</c>: for a 2-D shape
/// (in, out) fan_in = in and fan_out = out (so an LSTM kernel (in, 4u) has fan_out 4u); for 1-D both are the length.
/// The random streams are PSRnn's own (<see cref="Rng"/>): the distributions are Keras's, the draws are not.
/// </summary>
public static class Initializers
{
    /// <summary>The names <see cref="Initialize"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
        "orthogonal", "random_uniform", "random_normal", "zeros", "ones",
    ];

    /// <summary>Fills <paramref name="values"/> (of Keras shape <paramref name="shape"/>) by the named initializer.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static void Initialize(string name, Span<float> values, IReadOnlyList<int> shape, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(rng);
        (double fanIn, double fanOut) = Fans(shape);
        switch (name.ToLowerInvariant())
        {
            case "glorot_uniform":
                Uniform(values, Math.Sqrt(6.0 / (fanIn + fanOut)), rng);
                break;
            case "glorot_normal":
                TruncatedNormal(values, Math.Sqrt(2.0 / (fanIn + fanOut)), rng);
                break;
            case "he_uniform":
                Uniform(values, Math.Sqrt(6.0 / fanIn), rng);
                break;
            case "he_normal":
                TruncatedNormal(values, Math.Sqrt(2.0 / fanIn), rng);
                break;
            case "lecun_uniform":
                Uniform(values, Math.Sqrt(3.0 / fanIn), rng);
                break;
            case "lecun_normal":
                TruncatedNormal(values, Math.Sqrt(1.0 / fanIn), rng);
                break;
            case "orthogonal":
                Orthogonal(values, shape, 1.0, rng);
                break;
            case "random_uniform":
                Uniform(values, 0.05, rng);
                break;
            case "random_normal":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(0.05 * rng.Normal());
                }

                break;
            case "zeros":
                values.Clear();
                break;
            case "ones":
                values.Fill(1f);
                break;
            default:
                throw new ArgumentException($"Unknown initializer '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));
        }
    }

    /// <summary>Keras's compute_fans.</summary>
    public static (double FanIn, double FanOut) Fans(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Count switch
        {
            0 => (1, 1),
            1 => (shape[0], shape[0]),
            2 => (shape[0], shape[1]),
            _ => Receptive(shape),
        };

        static (double, double) Receptive(IReadOnlyList<int> shape)
        {
            double field = 1;
            for (int i = 0; i < shape.Count - 2; i++)
            {
                field *= shape[i];
            }

            return (shape[^2] * field, shape[^1] * field);
        }
    }

    /// <summary>U(−limit, limit).</summary>
    public static void Uniform(Span<float> values, double limit, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)rng.Uniform(-limit, limit);
        }
    }

    /// <summary>
    /// Keras's VarianceScaling normal: a normal truncated at two standard deviations, scaled so that the
    /// truncated distribution has standard deviation <paramref name="stddev"/> (the 0.8796… factor).
    /// </summary>
    public static void TruncatedNormal(Span<float> values, double stddev, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double scale = stddev / 0.87962566103423978;
        for (int i = 0; i < values.Length; i++)
        {
            double z;
            do
            {
                z = rng.Normal();
            }
            while (Math.Abs(z) > 2.0);

            values[i] = (float)(scale * z);
        }
    }

    /// <summary>
    /// Keras's Orthogonal: a normal matrix of shape (max(r, c), min(r, c)), its QR factorization, Q's columns signed by
    /// diag(R) so the result is unique, transposed when r &lt; c, times <paramref name="gain"/>. r is the product of all
    /// dimensions but the last, c the last.
    /// </summary>
    public static void Orthogonal(Span<float> values, IReadOnlyList<int> shape, double gain, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(rng);
        int cols = shape.Count == 0 ? 1 : shape[^1];
        int rows = values.Length / Math.Max(cols, 1);
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        var a = new double[m * n];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rng.Normal();
        }

        double[] q = OrthonormalColumns(a, m, n);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                // q is (m, n); the result is q itself when rows >= cols, else its transpose.
                double v = rows >= cols ? q[(r * n) + c] : q[(c * n) + r];
                values[(r * cols) + c] = (float)(gain * v);
            }
        }
    }

    /// <summary>
    /// The Q of a reduced Householder QR of the row-major (m, n) matrix <paramref name="a"/> (m ≥ n), with each column
    /// multiplied by the sign of R's diagonal entry, as Keras does after <c>qr</c>.
    /// </summary>
    internal static double[] OrthonormalColumns(double[] a, int m, int n)
    {
        var vs = new double[n][];
        var diag = new double[n];
        var dots = new double[n];
        for (int k = 0; k < n; k++)
        {
            double norm = 0;
            for (int i = k; i < m; i++)
            {
                norm += a[(i * n) + k] * a[(i * n) + k];
            }

            norm = Math.Sqrt(norm);
            double x0 = a[(k * n) + k];
            double alpha = x0 >= 0 ? -norm : norm;
            var v = new double[m - k];
            for (int i = k; i < m; i++)
            {
                v[i - k] = a[(i * n) + k];
            }

            v[0] -= alpha;
            double vnorm = 0;
            foreach (double x in v)
            {
                vnorm += x * x;
            }

            vnorm = Math.Sqrt(vnorm);
            if (vnorm > 0)
            {
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] /= vnorm;
                }
            }

            // A[k:, k:] -= 2 v (vᵀ A[k:, k:])
            Reflect(a, m, n, k, k, v, dots);

            vs[k] = v;
            diag[k] = a[(k * n) + k];
        }

        // Q = H0 H1 … H(n−1) applied to the first n columns of the identity.
        var q = new double[m * n];
        for (int i = 0; i < n; i++)
        {
            q[(i * n) + i] = 1;
        }

        for (int k = n - 1; k >= 0; k--)
        {
            Reflect(q, m, n, k, 0, vs[k], dots);
        }

        for (int j = 0; j < n; j++)
        {
            if (diag[j] < 0)
            {
                for (int i = 0; i < m; i++)
                {
                    q[(i * n) + j] = -q[(i * n) + j];
                }
            }
        }

        return q;
    }

    /// <summary>
    /// Applies the reflection I − 2vvᵀ to rows k.. and columns j0.. of the row-major (m, n) matrix x:
    /// x[k:, j0:] −= 2 v (vᵀ x[k:, j0:]). Row by row over contiguous memory, each column's dot product summed over the
    /// rows in ascending order; an LSTM(512)'s orthogonal recurrent kernel (a 2048×512 QR) took 10 s column by column
    /// and takes a third of a second this way.
    /// </summary>
    private static void Reflect(double[] x, int m, int n, int k, int j0, double[] v, double[] dots)
    {
        int width = n - j0;
        Span<double> dot = dots.AsSpan(j0, width);
        dot.Clear();
        for (int i = k; i < m; i++)
        {
            // dot += v_i·row
            TensorPrimitives.MultiplyAdd(x.AsSpan((i * n) + j0, width), v[i - k], dot, dot);
        }

        for (int i = k; i < m; i++)
        {
            // row −= (2v_i)·dot
            Span<double> row = x.AsSpan((i * n) + j0, width);
            TensorPrimitives.MultiplyAdd(dot, -(2 * v[i - k]), row, row);
        }
    }
}
