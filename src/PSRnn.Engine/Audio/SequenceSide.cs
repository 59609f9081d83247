namespace PSRnn.Engine.Audio;

/// <summary>Which end of a sequence padding is added to, or truncation removes from (Keras's <c>pad_sequences</c> 'pre'/'post').</summary>
public enum SequenceSide
{
    /// <summary>The start: padded sequences end with their last real step.</summary>
    Pre,
    /// <summary>The end.</summary>
    Post,
}
