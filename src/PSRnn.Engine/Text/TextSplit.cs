namespace PSRnn.Engine.Text;

/// <summary>How standardized text is split into tokens (Keras TextVectorization's <c>split</c>).</summary>
public enum TextSplit
{
    /// <summary>Keras's <c>whitespace</c> (the default): runs of ASCII whitespace separate words; none are empty.</summary>
    Whitespace,

    /// <summary>Keras's <c>character</c>: every Unicode code point is a token, spaces included.</summary>
    Character,
}
