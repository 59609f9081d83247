namespace PSRnn.Engine.Text;

/// <summary>How text is standardized before it is split (Keras TextVectorization's <c>standardize</c>).</summary>
public enum TextStandardize
{
    /// <summary>Keras's <c>lower_and_strip_punctuation</c> (the default): lowercase, then strip punctuation.</summary>
    LowerAndStripPunctuation,

    /// <summary>Keras's <c>lower</c>: lowercase only.</summary>
    Lower,

    /// <summary>Keras's <c>strip_punctuation</c>: strip punctuation only.</summary>
    StripPunctuation,

    /// <summary>Keras's <c>None</c>: the text as given.</summary>
    None,
}
