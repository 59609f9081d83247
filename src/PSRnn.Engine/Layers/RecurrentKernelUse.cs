namespace PSRnn.Engine.Layers;

/// <summary>How a cell's step products read the recurrent kernel U (G = g·U columns).</summary>
internal enum RecurrentKernelUse
{
    /// <summary>Packed U for the forward steps' products and packed Uᵀ for the backward's (one product of all G columns a step).</summary>
    Packed,

    /// <summary>The stored U forward and a stored transpose Uᵀ backward (GRU reset_before, whose steps use column blocks of U).</summary>
    Blocks,

    /// <summary>
    /// No matrix: U is a vector of U weights the step multiplies element-wise (IndRNN's u ⊙ h₋₁), so nothing is packed
    /// or transposed.
    /// </summary>
    Elementwise,
}
