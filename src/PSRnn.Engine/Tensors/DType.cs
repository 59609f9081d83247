namespace PSRnn.Engine.Tensors;

/// <summary>
/// Element types a <see cref="Tensor"/> can hold: NumPy's numeric dtypes, kept exactly as read.
/// The names follow NumPy (<c>float32</c>, <c>uint8</c>, …); see <see cref="DTypeInfo"/>.
/// </summary>
public enum DType
{
    /// <summary>NumPy <c>bool</c>, held as <see cref="bool"/>.</summary>
    Bool,
    /// <summary>NumPy <c>int8</c>, held as <see cref="sbyte"/>.</summary>
    Int8,
    /// <summary>NumPy <c>uint8</c>, held as <see cref="byte"/>.</summary>
    UInt8,
    /// <summary>NumPy <c>int16</c>, held as <see cref="short"/>.</summary>
    Int16,
    /// <summary>NumPy <c>uint16</c>, held as <see cref="ushort"/>.</summary>
    UInt16,
    /// <summary>NumPy <c>int32</c>, held as <see cref="int"/>.</summary>
    Int32,
    /// <summary>NumPy <c>uint32</c>, held as <see cref="uint"/>.</summary>
    UInt32,
    /// <summary>NumPy <c>int64</c>, held as <see cref="long"/>.</summary>
    Int64,
    /// <summary>NumPy <c>uint64</c>, held as <see cref="ulong"/>.</summary>
    UInt64,
    /// <summary>NumPy <c>float16</c>, held as <see cref="Half"/>.</summary>
    Float16,
    /// <summary>NumPy <c>float32</c>, held as <see cref="float"/>: what the engine computes in.</summary>
    Float32,
    /// <summary>NumPy <c>float64</c>, held as <see cref="double"/>.</summary>
    Float64,
}
