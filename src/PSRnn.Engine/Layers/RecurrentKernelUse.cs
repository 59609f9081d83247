namespace PSRnn.Engine.Layers;

/// <summary>How a cell's step products read the recurrent kernel U (G = g·U columns).</summary>
internal enum RecurrentKernelUse
{
    /// <summary>Packed U for the forward steps' products and packed Uᵀ for the backward's (one product of all G columns a step).</summary>
    Packed,

    /// <summary>The stored U forward and a stored transpose Uᵀ backward (GRU reset_before, whose steps use column blocks of U).</summary>
    Blocks,
}
