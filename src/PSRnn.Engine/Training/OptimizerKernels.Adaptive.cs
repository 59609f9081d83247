using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PSRnn.Engine.Training;

/// <summary>The update rules of Adagrad, Adadelta, Nadam and Adamax, written as the others (one generic body per rule).</summary>
internal static partial class OptimizerKernels
{
    /// <summary>Keras 3's Adagrad: <c>acc = acc + g²</c>; <c>w = w − lr·g / √(acc + ε)</c>.</summary>
    public static void Adagrad(VectorPath path, Span<float> w, ReadOnlySpan<float> g, Span<float> acc, float lr, float epsilon)
    {
        Require(w.Length, g.Length, acc.Length);
        int i = 0;
        if (Use256(path))
        {
            i = Adagrad<Simd256, Vector256<float>>(w, g, acc, lr, epsilon, i);
        }

        if (Use128(path))
        {
            i = Adagrad<Simd128, Vector128<float>>(w, g, acc, lr, epsilon, i);
        }

        Adagrad<SimdScalar, float>(w, g, acc, lr, epsilon, i);
    }

    /// <summary>
    /// Keras 3's Adadelta: <c>a = ρa + (1−ρ)g²</c>; <c>Δ = −√(d + ε)·g / √(a + ε)</c>; <c>d = ρd + (1−ρ)Δ²</c>;
    /// <c>w = w + lr·Δ</c> (a is accumulated_grad, d accumulated_delta_var).
    /// </summary>
    public static void Adadelta(VectorPath path, Span<float> w, ReadOnlySpan<float> g, Span<float> a, Span<float> d,
        float lr, float rho, float epsilon)
    {
        Require(w.Length, g.Length, a.Length);
        Require(w.Length, d.Length, w.Length);
        int i = 0;
        if (Use256(path))
        {
            i = Adadelta<Simd256, Vector256<float>>(w, g, a, d, lr, rho, epsilon, i);
        }

        if (Use128(path))
        {
            i = Adadelta<Simd128, Vector128<float>>(w, g, a, d, lr, rho, epsilon, i);
        }

        Adadelta<SimdScalar, float>(w, g, a, d, lr, rho, epsilon, i);
    }

    /// <summary>
    /// Keras 3's Nadam: <c>m = m + (g − m)(1−β1)</c>; <c>v = v + (g² − v)(1−β2)</c>;
    /// <c>m̂ = m·c1 + g·c2</c> with c1 = u₍ₜ₊₁₎/(1 − Πu₍ₜ₊₁₎), c2 = (1 − uₜ)/(1 − Πuₜ);
    /// <c>w = w − m̂·lr / (√(v / (1−β2ᵗ)) + ε)</c>.
    /// </summary>
    public static void Nadam(VectorPath path, Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        in NadamScalars s)
    {
        Require(w.Length, g.Length, m.Length);
        Require(w.Length, v.Length, w.Length);
        int i = 0;
        if (Use256(path))
        {
            i = Nadam<Simd256, Vector256<float>>(w, g, m, v, s, i);
        }

        if (Use128(path))
        {
            i = Nadam<Simd128, Vector128<float>>(w, g, m, v, s, i);
        }

        Nadam<SimdScalar, float>(w, g, m, v, s, i);
    }

    /// <summary>
    /// Keras 3's Adamax: <c>m = m + (g − m)(1−β1)</c>; <c>u = max(β2·u, |g|)</c>; <c>w = w − m·α / (u + ε)</c>,
    /// α = lr/(1−β1ᵗ).
    /// </summary>
    public static void Adamax(VectorPath path, Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> u,
        float oneMinusBeta1, float beta2, float alpha, float epsilon)
    {
        Require(w.Length, g.Length, m.Length);
        Require(w.Length, u.Length, w.Length);
        int i = 0;
        if (Use256(path))
        {
            i = Adamax<Simd256, Vector256<float>>(w, g, m, u, oneMinusBeta1, beta2, alpha, epsilon, i);
        }

        if (Use128(path))
        {
            i = Adamax<Simd128, Vector128<float>>(w, g, m, u, oneMinusBeta1, beta2, alpha, epsilon, i);
        }

        Adamax<SimdScalar, float>(w, g, m, u, oneMinusBeta1, beta2, alpha, epsilon, i);
    }

    private static int Adagrad<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, Span<float> acc, float lr, float epsilon, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec vlr = TOps.Splat(lr);
        TVec eps = TOps.Splat(epsilon);
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec gi = TOps.LoadReadOnly(g, i);
            TVec ai = TOps.Add(TOps.Load(acc, i), TOps.Multiply(gi, gi));
            TOps.Store(ai, acc, i);
            TVec update = TOps.Divide(TOps.Multiply(vlr, gi), TOps.Sqrt(TOps.Add(ai, eps)));
            TOps.Store(TOps.Subtract(TOps.Load(w, i), update), w, i);
        }

        return i;
    }

    private static int Adadelta<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, Span<float> a, Span<float> d,
        float lr, float rho, float epsilon, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec vlr = TOps.Splat(lr);
        TVec vrho = TOps.Splat(rho);
        TVec oneMinusRho = TOps.Splat(1 - rho);
        TVec eps = TOps.Splat(epsilon);
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec gi = TOps.LoadReadOnly(g, i);
            TVec ai = TOps.Add(TOps.Multiply(vrho, TOps.Load(a, i)), TOps.Multiply(oneMinusRho, TOps.Multiply(gi, gi)));
            TOps.Store(ai, a, i);
            TVec di = TOps.Load(d, i);
            // Δ is kept with its sign flipped (−Δ): its square is the same and w = w − lr·(−Δ).
            TVec negDelta = TOps.Divide(TOps.Multiply(TOps.Sqrt(TOps.Add(di, eps)), gi), TOps.Sqrt(TOps.Add(ai, eps)));
            TOps.Store(TOps.Add(TOps.Multiply(vrho, di), TOps.Multiply(oneMinusRho, TOps.Multiply(negDelta, negDelta))), d, i);
            TOps.Store(TOps.Subtract(TOps.Load(w, i), TOps.Multiply(vlr, negDelta)), w, i);
        }

        return i;
    }

    private static int Nadam<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        in NadamScalars s, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec oneMinusBeta1 = TOps.Splat(s.OneMinusBeta1);
        TVec oneMinusBeta2 = TOps.Splat(s.OneMinusBeta2);
        TVec c1 = TOps.Splat(s.MomentumFactor);
        TVec c2 = TOps.Splat(s.GradientFactor);
        TVec correction = TOps.Splat(s.OneMinusBeta2Power);
        TVec lr = TOps.Splat(s.LearningRate);
        TVec eps = TOps.Splat(s.Epsilon);
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec gi = TOps.LoadReadOnly(g, i);
            TVec mi = MovingAverage<TOps, TVec>(m, i, gi, oneMinusBeta1);
            TVec vi = MovingAverage<TOps, TVec>(v, i, TOps.Multiply(gi, gi), oneMinusBeta2);
            TVec mHat = TOps.Add(TOps.Multiply(mi, c1), TOps.Multiply(gi, c2));
            TVec denominator = TOps.Add(TOps.Sqrt(TOps.Divide(vi, correction)), eps);
            TOps.Store(TOps.Subtract(TOps.Load(w, i), TOps.Divide(TOps.Multiply(mHat, lr), denominator)), w, i);
        }

        return i;
    }

    private static int Adamax<TOps, TVec>(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> u,
        float oneMinusBeta1, float beta2, float alpha, float epsilon, int i)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec vOneMinusBeta1 = TOps.Splat(oneMinusBeta1);
        TVec vBeta2 = TOps.Splat(beta2);
        TVec vAlpha = TOps.Splat(alpha);
        TVec eps = TOps.Splat(epsilon);
        TVec zero = TOps.Splat(0f);
        for (; i <= w.Length - TOps.Count; i += TOps.Count)
        {
            TVec gi = TOps.LoadReadOnly(g, i);
            TVec mi = MovingAverage<TOps, TVec>(m, i, gi, vOneMinusBeta1);
            // |g| as max(g, 0 − g): exact, and the interface needs no Abs.
            TVec ui = TOps.Max(TOps.Multiply(vBeta2, TOps.Load(u, i)), TOps.Max(gi, TOps.Subtract(zero, gi)));
            TOps.Store(ui, u, i);
            TOps.Store(TOps.Subtract(TOps.Load(w, i), TOps.Divide(TOps.Multiply(mi, vAlpha), TOps.Add(ui, eps))), w, i);
        }

        return i;
    }

    /// <summary>Keras's moment update <c>s = s + (x − s)(1−β)</c> at lane block <paramref name="i"/>; returns the new s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec MovingAverage<TOps, TVec>(Span<float> s, int i, TVec x, TVec oneMinusBeta)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec si = TOps.Load(s, i);
        si = TOps.Add(si, TOps.Multiply(TOps.Subtract(x, si), oneMinusBeta));
        TOps.Store(si, s, i);
        return si;
    }
}
