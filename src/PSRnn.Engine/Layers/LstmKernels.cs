using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Layers;

/// <summary>
/// The LSTM's per-step element-wise work for the default activations (sigmoid gates, tanh cell) as one pass over a
/// sample's gate row, instead of a dozen separate span operations: every value is loaded and stored once.
/// <see cref="Vector{T}"/> (256-bit on AVX2, 128-bit on ARM64/SSE) with a scalar loop for the tail and for machines
/// without SIMD; both follow the same formulas (exp by Cephes's polynomial, about 2 ulp; the vector path fuses its
/// multiply-adds where FMA exists).
/// </summary>
internal static class LstmKernels
{
    // e^88 still leaves 2^n a normal float (n ≤ 127); sigmoid and tanh are saturated long before.
    private const float ExpHigh = 88f;
    private const float ExpLow = -87.3365447505531f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500E-4f;
    private const float P1 = 1.3981999507E-3f;
    private const float P2 = 8.3334519073E-3f;
    private const float P3 = 4.1665795894E-2f;
    private const float P4 = 1.6666665459E-1f;
    private const float P5 = 5.0000001201E-1f;

    /// <summary>
    /// One sample, one step. <paramref name="z"/> (4U) holds the pre-activations (i, f, c, o); writes the activated
    /// gates to <paramref name="a"/> (4U), and c = f⊙c₋₁ + i⊙g, tc = tanh(c), h = o⊙tc (each U). An empty
    /// <paramref name="cPrev"/> means c₋₁ = 0. <paramref name="vectorize"/> false forces the scalar path (tests).
    /// </summary>
    // A kernel of its own (never inlined into the layer's loop, where the inliner's budget ran out and left Exp as a
    // call taking vectors through memory: measured 2 % of a W2 training step in Exp's prologues) whose helpers inline.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> z, Span<float> a, ReadOnlySpan<float> cPrev, Span<float> c,
        Span<float> tc, Span<float> h, int u, bool vectorize = true)
    {
        if (z.Length < 4 * u || a.Length < 4 * u || c.Length < u || tc.Length < u || h.Length < u || (!cPrev.IsEmpty && cPrev.Length < u))
        {
            throw new ArgumentException("The gate rows need 4U elements and the state rows U.");
        }

        bool first = cPrev.IsEmpty;
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float cpr = ref MemoryMarshal.GetReference(cPrev);
        ref float cr = ref MemoryMarshal.GetReference(c);
        ref float tcr = ref MemoryMarshal.GetReference(tc);
        ref float hr = ref MemoryMarshal.GetReference(h);
        int j = 0;
        if (vectorize && Vector<float>.Count == 8 && Avx512F.IsSupported && Fma.IsSupported)
        {
            // Sixteen units a turn with the same formulas lane for lane as the 8-wide loop below (and its AVX2 exp),
            // so the bits do not depend on which of the two ran: half the instructions of the cell's exp-heavy pass.
            for (; j <= u - 16; j += 16)
            {
                Vector512<float> i = Sigmoid512(Load512(ref zr, j));
                Vector512<float> f = Sigmoid512(Load512(ref zr, u + j));
                Vector512<float> g = Tanh512(Load512(ref zr, (2 * u) + j));
                Vector512<float> o = Sigmoid512(Load512(ref zr, (3 * u) + j));
                Store512(i, ref ar, j);
                Store512(f, ref ar, u + j);
                Store512(g, ref ar, (2 * u) + j);
                Store512(o, ref ar, (3 * u) + j);
                Vector512<float> cv = Avx512F.Multiply(i, g);
                if (!first)
                {
                    cv = Avx512F.Add(cv, Avx512F.Multiply(f, Load512(ref cpr, j)));
                }

                Vector512<float> t = Tanh512(cv);
                Store512(cv, ref cr, j);
                Store512(t, ref tcr, j);
                Store512(Avx512F.Multiply(o, t), ref hr, j);
            }
        }

        if (vectorize && Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; j <= u - w; j += w)
            {
                Vector<float> i = Sigmoid(Load(ref zr, j));
                Vector<float> f = Sigmoid(Load(ref zr, u + j));
                Vector<float> g = Tanh(Load(ref zr, (2 * u) + j));
                Vector<float> o = Sigmoid(Load(ref zr, (3 * u) + j));
                Store(i, ref ar, j);
                Store(f, ref ar, u + j);
                Store(g, ref ar, (2 * u) + j);
                Store(o, ref ar, (3 * u) + j);

                // c = f⊙c₋₁ + i⊙g;  h = o⊙tanh(c)
                Vector<float> cv = i * g;
                if (!first)
                {
                    cv += f * Load(ref cpr, j);
                }

                Vector<float> t = Tanh(cv);
                Store(cv, ref cr, j);
                Store(t, ref tcr, j);
                Store(o * t, ref hr, j);
            }
        }

        for (; j < u; j++)
        {
            float i = Sigmoid(Unsafe.Add(ref zr, j));
            float f = Sigmoid(Unsafe.Add(ref zr, u + j));
            float g = Tanh(Unsafe.Add(ref zr, (2 * u) + j));
            float o = Sigmoid(Unsafe.Add(ref zr, (3 * u) + j));
            Unsafe.Add(ref ar, j) = i;
            Unsafe.Add(ref ar, u + j) = f;
            Unsafe.Add(ref ar, (2 * u) + j) = g;
            Unsafe.Add(ref ar, (3 * u) + j) = o;
            float cv = i * g;
            if (!first)
            {
                cv += f * Unsafe.Add(ref cpr, j);
            }

            float t = Tanh(cv);
            Unsafe.Add(ref cr, j) = cv;
            Unsafe.Add(ref tcr, j) = t;
            Unsafe.Add(ref hr, j) = o * t;
        }
    }

    /// <summary>
    /// One sample, one step back. From dh (U), the activated gates <paramref name="a"/> (4U), c₋₁ (empty: zero) and
    /// tc = tanh(c) (U), writes dz (4U) and replaces the carried <paramref name="dcCarry"/> (dc of the later step, U)
    /// by dc⊙f:
    /// dc = carry + dh⊙o⊙(1 − tc²);  dz_i = dc⊙g⊙i(1 − i);  dz_f = dc⊙c₋₁⊙f(1 − f);  dz_c = dc⊙i⊙(1 − g²);
    /// dz_o = dh⊙tc⊙o(1 − o).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> a, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> tc,
        ReadOnlySpan<float> dh, Span<float> dz, Span<float> dcCarry, int u, bool vectorize = true)
    {
        if (a.Length < 4 * u || dz.Length < 4 * u || tc.Length < u || dh.Length < u || dcCarry.Length < u || (!cPrev.IsEmpty && cPrev.Length < u))
        {
            throw new ArgumentException("The gate rows need 4U elements and the state rows U.");
        }

        bool first = cPrev.IsEmpty;
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float cpr = ref MemoryMarshal.GetReference(cPrev);
        ref float tcr = ref MemoryMarshal.GetReference(tc);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dzr = ref MemoryMarshal.GetReference(dz);
        ref float dcr = ref MemoryMarshal.GetReference(dcCarry);
        int j = 0;
        if (vectorize && Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            Vector<float> one = Vector<float>.One;
            for (; j <= u - w; j += w)
            {
                Vector<float> i = Load(ref ar, j);
                Vector<float> f = Load(ref ar, u + j);
                Vector<float> g = Load(ref ar, (2 * u) + j);
                Vector<float> o = Load(ref ar, (3 * u) + j);
                Vector<float> t = Load(ref tcr, j);
                Vector<float> d = Load(ref dhr, j);
                Vector<float> dc = Load(ref dcr, j) + (d * o * (one - (t * t)));
                Store(dc * g * i * (one - i), ref dzr, j);
                Store(first ? Vector<float>.Zero : dc * Load(ref cpr, j) * f * (one - f), ref dzr, u + j);
                Store(dc * i * (one - (g * g)), ref dzr, (2 * u) + j);
                Store(d * t * o * (one - o), ref dzr, (3 * u) + j);
                Store(dc * f, ref dcr, j);
            }
        }

        for (; j < u; j++)
        {
            float i = Unsafe.Add(ref ar, j);
            float f = Unsafe.Add(ref ar, u + j);
            float g = Unsafe.Add(ref ar, (2 * u) + j);
            float o = Unsafe.Add(ref ar, (3 * u) + j);
            float t = Unsafe.Add(ref tcr, j);
            float d = Unsafe.Add(ref dhr, j);
            float dc = Unsafe.Add(ref dcr, j) + (d * o * (1f - (t * t)));
            Unsafe.Add(ref dzr, j) = dc * g * i * (1f - i);
            Unsafe.Add(ref dzr, u + j) = first ? 0f : dc * Unsafe.Add(ref cpr, j) * f * (1f - f);
            Unsafe.Add(ref dzr, (2 * u) + j) = dc * i * (1f - (g * g));
            Unsafe.Add(ref dzr, (3 * u) + j) = d * t * o * (1f - o);
            Unsafe.Add(ref dcr, j) = dc * f;
        }
    }

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Exp(-x));

    /// <summary>tanh(x) = sign(x)·(1 − e)/(1 + e) with e = e^−2|x| (no overflow, no cancellation for large |x|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> e = Exp(Vector.Abs(x) * new Vector<float>(-2f));
        Vector<float> r = (Vector<float>.One - e) / (Vector<float>.One + e);
        // Copy x's sign bit onto r (r ≥ 0).
        Vector<uint> sign = Vector.AsVectorUInt32(x) & new Vector<uint>(0x8000_0000u);
        return Vector.AsVectorSingle(Vector.AsVectorUInt32(r) | sign);
    }

    /// <summary>e^x, Cephes expf: x = n·ln2 + r, e^r by a degree-5 polynomial, 2^n through the exponent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Exp(Vector<float> x)
    {
        if (Vector<float>.Count == 8 && Avx2.IsSupported && Fma.IsSupported)
        {
            return Exp256(x.AsVector256()).AsVector();
        }

        x = Vector.Min(Vector.Max(x, new Vector<float>(ExpLow)), new Vector<float>(ExpHigh));
        Vector<float> n = Vector.Floor(MultiplyAdd(x, new Vector<float>(Log2E), new Vector<float>(0.5f)));
        Vector<float> r = MultiplyAdd(n, new Vector<float>(-Ln2Lo), MultiplyAdd(n, new Vector<float>(-Ln2Hi), x));
        Vector<float> r2 = r * r;
        Vector<float> p = new Vector<float>(P0);
        p = MultiplyAdd(p, r, new Vector<float>(P1));
        p = MultiplyAdd(p, r, new Vector<float>(P2));
        p = MultiplyAdd(p, r, new Vector<float>(P3));
        p = MultiplyAdd(p, r, new Vector<float>(P4));
        p = MultiplyAdd(p, r, new Vector<float>(P5));
        p = MultiplyAdd(p, r2, r + Vector<float>.One);
        Vector<int> bits = Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23);
        return p * Vector.AsVectorSingle(bits);
    }

    // The same formula in AVX2 instructions. Vector.Min/Max and ConvertToInt32 follow IEEE and .NET's saturating
    // conversion on current runtimes, which costs a dozen fix-up instructions per call (vrangeps, vfixupimmps); here the
    // clamp is vmaxps/vminps with the constant first, so a NaN input (the second operand) still comes out as NaN, and
    // n is integral and within ±127 before it is converted.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp256(Vector256<float> x)
    {
        x = Avx.Min(Vector256.Create(ExpHigh), Avx.Max(Vector256.Create(ExpLow), x));
        Vector256<float> n = Avx.RoundToNegativeInfinity(Fma.MultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(0.5f)));
        Vector256<float> r = Fma.MultiplyAdd(n, Vector256.Create(-Ln2Lo), Fma.MultiplyAdd(n, Vector256.Create(-Ln2Hi), x));
        Vector256<float> r2 = Avx.Multiply(r, r);
        Vector256<float> p = Vector256.Create(P0);
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P1));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P2));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P3));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P4));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P5));
        p = Fma.MultiplyAdd(p, r2, Avx.Add(r, Vector256.Create(1f)));
        Vector256<int> bits = Avx2.ShiftLeftLogical(
            Avx2.Add(Avx.ConvertToVector256Int32WithTruncation(n), Vector256.Create(127)), 23);
        return Avx.Multiply(p, bits.AsSingle());
    }

    // σ, tanh and exp on 16 lanes, operation for operation as Sigmoid, Tanh and Exp256 on 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Sigmoid512(Vector512<float> x) =>
        Avx512F.Divide(Vector512<float>.One, Avx512F.Add(Vector512<float>.One, Exp512(-x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Tanh512(Vector512<float> x)
    {
        Vector512<float> e = Exp512(Avx512F.Multiply(Vector512.Abs(x), Vector512.Create(-2f)));
        Vector512<float> r = Avx512F.Divide(Avx512F.Subtract(Vector512<float>.One, e), Avx512F.Add(Vector512<float>.One, e));
        Vector512<uint> sign = Avx512F.And(x.AsUInt32(), Vector512.Create(0x8000_0000u));
        return Avx512F.Or(r.AsUInt32(), sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp512(Vector512<float> x)
    {
        x = Avx512F.Min(Vector512.Create(ExpHigh), Avx512F.Max(Vector512.Create(ExpLow), x));
        // RoundScale 0x09: round toward −∞, no precision exception (floor).
        Vector512<float> n = Avx512F.RoundScale(Avx512F.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(0.5f)), 0x09);
        Vector512<float> r = Avx512F.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), Avx512F.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x));
        Vector512<float> r2 = Avx512F.Multiply(r, r);
        Vector512<float> p = Vector512.Create(P0);
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P1));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Avx512F.FusedMultiplyAdd(p, r2, Avx512F.Add(r, Vector512<float>.One));
        Vector512<int> bits = Avx512F.ShiftLeftLogical(
            Avx512F.Add(Avx512F.ConvertToVector512Int32WithTruncation(n), Vector512.Create(127)), 23);
        return Avx512F.Multiply(p, bits.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load512(ref float source, int offset) =>
        Unsafe.ReadUnaligned<Vector512<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref source, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(Vector512<float> value, ref float destination, int offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref destination, offset)), value);

    /// <summary>Scalar σ with the same formula as the vector path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    /// <summary>Scalar tanh with the same formula as the vector path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Tanh(float x)
    {
        float e = Exp(-2f * MathF.Abs(x));
        return MathF.CopySign((1f - e) / (1f + e), x);
    }

    /// <summary>Scalar e^x with the same formula as the vector path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Exp(float x)
    {
        x = MathF.Min(MathF.Max(x, ExpLow), ExpHigh);
        float n = MathF.Floor((x * Log2E) + 0.5f);
        float r = x - (n * Ln2Hi) - (n * Ln2Lo);
        float r2 = r * r;
        float p = (((((((((P0 * r) + P1) * r) + P2) * r) + P3) * r) + P4) * r) + P5;
        p = (p * r2) + r + 1f;
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    // a·b + c, fused where the vector is 256-bit and the CPU has FMA (the JIT drops the untaken branch); the scalar
    // path does not fuse, so the two paths may differ in the last bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) =>
        Vector<float>.Count == 8 && Fma.IsSupported
            ? Fma.MultiplyAdd(a.AsVector256(), b.AsVector256(), c.AsVector256()).AsVector()
            : (a * b) + c;

    /// <summary>The vector at <paramref name="source"/>[<paramref name="offset"/>], unchecked (the caller bounds the loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Load(ref float source, int offset) =>
        Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref source, offset)));

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/>[<paramref name="offset"/>], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(Vector<float> value, ref float destination, int offset) =>
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref destination, offset)), value);
}
