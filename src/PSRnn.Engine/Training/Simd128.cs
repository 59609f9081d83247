using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PSRnn.Engine.Training;

/// <summary>128-bit lanes.</summary>
internal readonly struct Simd128 : ISimdOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(Span<float> source, int i) =>
        Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadReadOnly(ReadOnlySpan<float> source, int i) =>
        Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, Span<float> destination, int i) =>
        value.StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)i);

    public static Vector128<float> Splat(float value) => Vector128.Create(value);

    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    public static Vector128<float> Sqrt(Vector128<float> a) => Vector128.Sqrt(a);

    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
}
