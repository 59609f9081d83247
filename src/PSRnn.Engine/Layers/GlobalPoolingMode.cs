namespace PSRnn.Engine.Layers;

/// <summary>What <see cref="GlobalPooling1D"/> takes over a sequence's steps.</summary>
public enum GlobalPoolingMode
{
    /// <summary>The mean over the real steps (Keras's GlobalAveragePooling1D).</summary>
    Average,

    /// <summary>The largest value over the real steps (Keras's GlobalMaxPooling1D).</summary>
    Max,
}
