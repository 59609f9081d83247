using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PSRnn.Engine.Layers;

/// <summary>
/// Whether a step has a feature that differs from the mask value — Keras's Masking: <c>any(x != mask_value)</c>, IEEE
/// comparison, so −0 equals 0 and a NaN feature differs from every value. Masking runs it over every step of every
/// batch on the calling thread; <c>IndexOfAnyExcept</c> on floats is a scalar loop of <c>float.Equals</c> (a NaN equals a
/// NaN there, so it cannot be vectorized): 8 µs for W6's 896 steps, against about 2 µs here. Here one compare a vector, the step's
/// last vector overlapping the one before it (every load inside the step), and the result the same for any mask value
/// but NaN, which Masking refuses.
/// </summary>
internal static class StepScan
{
    /// <summary>Whether some element of <paramref name="step"/> is not equal to <paramref name="value"/> (not NaN).</summary>
    public static bool AnyDiffers(ReadOnlySpan<float> step, float value) => AnyDiffers(step, value, 512);

    /// <summary>As <see cref="AnyDiffers(ReadOnlySpan{float}, float)"/>, with vectors at most <paramref name="widestBits"/>
    /// wide (512, 256, 128; anything else: scalar), so tests reach every path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool AnyDiffers(ReadOnlySpan<float> step, float value, int widestBits)
    {
        ref float start = ref MemoryMarshal.GetReference(step);
        int n = step.Length;
        if (widestBits >= 512 && Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            return Any<W512>(ref start, n, value);
        }

        if (widestBits >= 256 && Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            return Any<W256>(ref start, n, value);
        }

        if (widestBits >= 128 && Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            return Any<W128>(ref start, n, value);
        }

        foreach (float x in step)
        {
            if (x != value)
            {
                return true;
            }
        }

        return false;
    }

    // One loop for every width: whole vectors, then the last one ending at the step's end.
    private static bool Any<TWidth>(ref float start, int n, float value)
        where TWidth : struct, IWidth
    {
        int last = n - TWidth.Count;
        for (int i = 0; i < last; i += TWidth.Count)
        {
            if (!TWidth.AllEqual(ref start, i, value))
            {
                return true;
            }
        }

        return !TWidth.AllEqual(ref start, last, value);
    }

    private interface IWidth
    {
        static abstract int Count { get; }

        static abstract bool AllEqual(ref float start, int i, float value);
    }

    private readonly struct W512 : IWidth
    {
        public static int Count => Vector512<float>.Count;

        public static bool AllEqual(ref float start, int i, float value) =>
            Vector512.EqualsAll(Vector512.LoadUnsafe(ref start, (nuint)i), Vector512.Create(value));
    }

    private readonly struct W256 : IWidth
    {
        public static int Count => Vector256<float>.Count;

        public static bool AllEqual(ref float start, int i, float value) =>
            Vector256.EqualsAll(Vector256.LoadUnsafe(ref start, (nuint)i), Vector256.Create(value));
    }

    private readonly struct W128 : IWidth
    {
        public static int Count => Vector128<float>.Count;

        public static bool AllEqual(ref float start, int i, float value) =>
            Vector128.EqualsAll(Vector128.LoadUnsafe(ref start, (nuint)i), Vector128.Create(value));
    }
}
