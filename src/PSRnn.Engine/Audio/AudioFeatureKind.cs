namespace PSRnn.Engine.Audio;

/// <summary>What <see cref="AudioFeatures"/> computes from the samples.</summary>
public enum AudioFeatureKind
{
    /// <summary>Mel-frequency cepstral coefficients: the orthonormal DCT-II of the log-mel spectrum.</summary>
    Mfcc,
    /// <summary>The log-mel spectrogram: natural log of the mel filter-bank energies.</summary>
    LogMel,
    /// <summary>The samples themselves, one feature a step.</summary>
    Raw,
}
