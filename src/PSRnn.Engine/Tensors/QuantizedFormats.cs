using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSRnn.Engine.Tensors;

/// <summary>
/// How <see cref="QuantizedGemm"/>'s kernels widen a <see cref="QuantizedMatrix"/>'s elements to float32 in registers.
/// Static abstract so each kernel is specialized per format and the loads inline.
/// </summary>
internal interface IQuantizedFormat
{
    /// <summary>Bytes an element.</summary>
    static abstract int Size { get; }

    /// <summary>16 consecutive elements as floats (AVX-512F).</summary>
    static abstract unsafe Vector512<float> Load512(byte* p);

    /// <summary>8 consecutive elements as floats (AVX2).</summary>
    static abstract unsafe Vector256<float> Load256(byte* p);

    /// <summary>Element <paramref name="j"/> from <paramref name="p"/> as a float (before the column's scale).</summary>
    static abstract unsafe float Load(byte* p, int j);
}

/// <summary>int8: sign-extended to int32 (vpmovsxbd) and converted (vcvtdq2ps); the column scale comes at the end.</summary>
internal readonly struct Int8Format : IQuantizedFormat
{
    public static int Size => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load512(byte* p) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Sse2.LoadVector128((sbyte*)p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load256(byte* p) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Load(byte* p, int j) => ((sbyte*)p)[j];
}

/// <summary>bfloat16: zero-extended to 32 bits (vpmovzxwd) and shifted into float32's upper half; exact.</summary>
internal readonly struct BFloat16Format : IQuantizedFormat
{
    public static int Size => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load512(byte* p) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Avx.LoadVector256((ushort*)p)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load256(byte* p) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)p), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Load(byte* p, int j) => BitConverter.UInt32BitsToSingle((uint)((ushort*)p)[j] << 16);
}
