using System.Runtime.Intrinsics;

namespace PSRnn.Engine.Training;

/// <summary>
/// The element-wise update rules of the optimizers, one pass over memory each. Every rule is written once,
/// generic over <see cref="ISimdOps{TVec}"/>, and run with the widest path allowed, then narrower ones for the
/// tail; all paths compute the same operations in the same order, so they agree bit for bit.
/// </summary>
internal static partial class OptimizerKernels
{
    /// <summary>The widest path this machine accelerates.</summary>
    public static VectorPath DetectedPath { get; } =
        Vector256.IsHardwareAccelerated ? VectorPath.Vector256
        : Vector128.IsHardwareAccelerated ? VectorPath.Vector128
        : VectorPath.Scalar;

    private static bool Use256(VectorPath path) => path >= VectorPath.Vector256 && Vector256.IsHardwareAccelerated;

    private static bool Use128(VectorPath path) => path >= VectorPath.Vector128 && Vector128.IsHardwareAccelerated;

    /// <summary>Keras's decoupled weight decay: <c>w = w − w·c</c>, c = weight_decay · lr.</summary>
    public static void Decay(VectorPath path, Span<float> w, float c)
    {
        int i = 0;
        if (Use256(path))
        {
            i = Decay<Simd256, Vector256<float>>(w, c, i);
        }

        if (Use128(path))
        {
            i = Decay<Simd128, Vector128<float>>(w, c, i);
        }

        Decay<SimdScalar, float>(w, c, i);
    }

    /// <summary>Plain SGD: <c>w = w − g·lr</c>.</summary>
    public static void Sgd(VectorPath path, Span<float> w, ReadOnlySpan<float> g, float lr)
    {
        Require(w.Length, g.Length, w.Length);
        int i = 0;
        if (Use256(path))
        {
            i = Sgd<Simd256, Vector256<float>>(w, g, lr, i);
        }

        if (Use128(path))
        {
            i = Sgd<Simd128, Vector128<float>>(w, g, lr, i);
        }

        Sgd<SimdScalar, float>(w, g, lr, i);
    }

    /// <summary>
    /// Keras's SGD with momentum: <c>m = m·μ − g·lr</c>; <c>w = w + m</c>, or with Nesterov
    /// <c>w = w + (m·μ − g·lr)</c>.
    /// </summary>
    public static void SgdMomentum(VectorPath path, Span<float> w, ReadOnlySpan<float> g, Span<float> m,
        float momentum, float lr, bool nesterov)
    {
        Require(w.Length, g.Length, m.Length);
        int i = 0;
        if (Use256(path))
        {
            i = SgdMomentum<Simd256, Vector256<float>>(w, g, m, momentum, lr, nesterov, i);
        }

        if (Use128(path))
        {
            i = SgdMomentum<Simd128, Vector128<float>>(w, g, m, momentum, lr, nesterov, i);
        }

        SgdMomentum<SimdScalar, float>(w, g, m, momentum, lr, nesterov, i);
    }

    /// <summary>
    /// Keras 3's RMSprop: <c>v = ρv + (1−ρ)g²</c>; centered: <c>a = ρa + (1−ρ)g</c>, <c>d = v − a² + ε</c>, else
    /// <c>d = v + ε</c>; <c>inc = lr·g / √d</c>; with momentum <c>mom = μ·mom + inc</c>, <c>w = w − mom</c>, else
    /// <c>w = w − inc</c>. <paramref name="mom"/> and <paramref name="avg"/> are empty when unused.
    /// </summary>
    public static void RmsProp(VectorPath path, Span<float> w, ReadOnlySpan<float> g, Span<float> v, Span<float> mom,
        Span<float> avg, in RmsPropScalars s)
    {
        // The generic loops load without bounds checks: every array must cover w.
        Require(w.Length, g.Length, v.Length);
        Require(w.Length, mom.IsEmpty ? w.Length : mom.Length, avg.IsEmpty ? w.Length : avg.Length);
        int i = 0;
        if (Use256(path))
        {
            i = RmsProp<Simd256, Vector256<float>>(w, g, v, mom, avg, s, i);
        }

        if (Use128(path))
        {
            i = RmsProp<Simd128, Vector128<float>>(w, g, v, mom, avg, s, i);
        }

        RmsProp<SimdScalar, float>(w, g, v, mom, avg, s, i);
    }

    /// <summary>
    /// Keras 3's Adam: <c>m = m + (g − m)(1−β1)</c>; <c>v = v + (g² − v)(1−β2)</c>; amsgrad: <c>v̂ = max(v̂, v)</c>
    /// used for v; <c>w = w − (m·α) / (√v + ε)</c>, α = lr·√(1−β2ᵗ)/(1−β1ᵗ). <paramref name="vHat"/> is empty
    /// without amsgrad.
    /// </summary>
    public static void Adam(VectorPath path, Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        Span<float> vHat, in AdamScalars s)
    {
        Require(w.Length, g.Length, m.Length);
        Require(w.Length, v.Length, vHat.IsEmpty ? w.Length : vHat.Length);
        int i = 0;
        if (Use256(path))
        {
            i = Adam<Simd256, Vector256<float>>(w, g, m, v, vHat, s, i);
        }

        if (Use128(path))
        {
            i = Adam<Simd128, Vector128<float>>(w, g, m, v, vHat, s, i);
        }

        Adam<SimdScalar, float>(w, g, m, v, vHat, s, i);
    }

    private static void Require(int length, int a, int b)
    {
        if (a != length || b != length)
        {
            throw new ArgumentException($"Optimizer arrays must all have {length} elements; got {a} and {b}.");
        }
    }

    private static int Decay<TOps, TVec>(Span<float> w, float c, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec vc = TOps.Splat(c);
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec x = TOps.Load(w, i);
            TOps.Store(TOps.Subtract(x, TOps.Multiply(x, vc)), w, i);
        }

        return i;
    }

    private static int Sgd<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, float lr, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec vlr = TOps.Splat(lr);
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TOps.Store(TOps.Subtract(TOps.Load(w, i), TOps.Multiply(TOps.LoadReadOnly(g, i), vlr)), w, i);
        }

        return i;
    }

    private static int SgdMomentum<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, Span<float> m, float momentum,
        float lr, bool nesterov, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec vlr = TOps.Splat(lr);
        TVec vmu = TOps.Splat(momentum);
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec step = TOps.Multiply(TOps.LoadReadOnly(g, i), vlr);
            TVec mi = TOps.Subtract(TOps.Multiply(TOps.Load(m, i), vmu), step);
            TOps.Store(mi, m, i);
            TVec delta = nesterov ? TOps.Subtract(TOps.Multiply(mi, vmu), step) : mi;
            TOps.Store(TOps.Add(TOps.Load(w, i), delta), w, i);
        }

        return i;
    }

    private static int RmsProp<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, Span<float> v, Span<float> mom,
        Span<float> avg, in RmsPropScalars s, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec rho = TOps.Splat(s.Rho);
        TVec oneMinusRho = TOps.Splat(s.OneMinusRho);
        TVec eps = TOps.Splat(s.Epsilon);
        TVec lr = TOps.Splat(s.LearningRate);
        TVec mu = TOps.Splat(s.Momentum);
        bool centered = !avg.IsEmpty;
        bool momentum = !mom.IsEmpty;
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec gi = TOps.LoadReadOnly(g, i);
            TVec vi = TOps.Add(TOps.Multiply(rho, TOps.Load(v, i)), TOps.Multiply(oneMinusRho, TOps.Multiply(gi, gi)));
            TOps.Store(vi, v, i);
            TVec denominator;
            if (centered)
            {
                TVec ai = TOps.Add(TOps.Multiply(rho, TOps.Load(avg, i)), TOps.Multiply(oneMinusRho, gi));
                TOps.Store(ai, avg, i);
                denominator = TOps.Add(TOps.Subtract(vi, TOps.Multiply(ai, ai)), eps);
            }
            else
            {
                denominator = TOps.Add(vi, eps);
            }

            TVec increment = TOps.Divide(TOps.Multiply(lr, gi), TOps.Sqrt(denominator));
            if (momentum)
            {
                increment = TOps.Add(TOps.Multiply(mu, TOps.Load(mom, i)), increment);
                TOps.Store(increment, mom, i);
            }

            TOps.Store(TOps.Subtract(TOps.Load(w, i), increment), w, i);
        }

        return i;
    }

    private static int Adam<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        Span<float> vHat, in AdamScalars s, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec oneMinusBeta1 = TOps.Splat(s.OneMinusBeta1);
        TVec oneMinusBeta2 = TOps.Splat(s.OneMinusBeta2);
        TVec alpha = TOps.Splat(s.Alpha);
        TVec eps = TOps.Splat(s.Epsilon);
        bool amsgrad = !vHat.IsEmpty;
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec gi = TOps.LoadReadOnly(g, i);
            TVec mi = MovingAverage<TOps, TVec>(m, i, gi, oneMinusBeta1);
            TVec vi = MovingAverage<TOps, TVec>(v, i, TOps.Multiply(gi, gi), oneMinusBeta2);
            if (amsgrad)
            {
                vi = TOps.Max(TOps.Load(vHat, i), vi);
                TOps.Store(vi, vHat, i);
            }

            TVec update = TOps.Divide(TOps.Multiply(mi, alpha), TOps.Add(TOps.Sqrt(vi), eps));
            TOps.Store(TOps.Subtract(TOps.Load(w, i), update), w, i);
        }

        return i;
    }
}
