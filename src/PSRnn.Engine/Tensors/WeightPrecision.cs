namespace PSRnn.Engine.Tensors;

/// <summary>
/// How prediction reads the kernels of Dense and the recurrent layers (W and U); activations and everything else stay
/// float32. Training always uses <see cref="Float32"/>.
/// </summary>
public enum WeightPrecision
{
    /// <summary>The float32 weights as they are: the default, and the same bits as without a setting.</summary>
    Float32,

    /// <summary>
    /// Symmetric per-column int8, as ONNX Runtime's dynamic quantization of weights: column j of a kernel is
    /// scale[j]·q[:, j] with q in [−127, 127] and scale[j] = max|W[:, j]| / 127; a quarter of the bytes.
    /// </summary>
    Int8,

    /// <summary>bfloat16 (float32's sign, exponent and top 7 mantissa bits, rounded to nearest even); half the bytes.</summary>
    BFloat16,
}
