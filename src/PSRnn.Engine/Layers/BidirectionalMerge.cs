namespace PSRnn.Engine.Layers;

/// <summary>
/// How <see cref="Bidirectional"/> merges its two directions' outputs f and g (g flipped in time back to the input's
/// order), as Keras's merge_mode. Keras's None (two outputs) has no place in a Sequential model.
/// </summary>
public enum BidirectionalMerge
{
    /// <summary>[f, g] on the feature axis (2U features): Keras's default, "concat".</summary>
    Concat,

    /// <summary>f + g (U features): "sum".</summary>
    Sum,

    /// <summary>f ⊙ g (U features): "mul".</summary>
    Mul,

    /// <summary>(f + g) / 2 (U features): "ave".</summary>
    Ave,
}
