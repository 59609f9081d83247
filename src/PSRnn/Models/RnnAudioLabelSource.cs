namespace PSRnn.Models;

/// <summary>Where Import-RnnAudio takes each file's label from.</summary>
public enum RnnAudioLabelSource
{
    /// <summary>No labels.</summary>
    None,
    /// <summary>The name of the folder that holds the file (data/yes/1.wav is 'yes').</summary>
    Directory,
    /// <summary>The CSV file given by -LabelCsv (columns file,label).</summary>
    Csv,
}
