namespace PSRnn.Engine.Audio;

/// <summary>
/// The settings of <see cref="AudioFeatures"/>. The fixed parts of the recipe (25 ms Hamming frames every 10 ms,
/// pre-emphasis 0.97, FFT of the next power of two, HTK mel scale) are constants here; the rest can be chosen.
/// </summary>
public sealed record AudioFeatureOptions
{
    /// <summary>The analysis frame length in seconds (rounded to whole samples).</summary>
    public const double FrameSeconds = 0.025;

    /// <summary>The hop between frames in seconds (rounded to whole samples).</summary>
    public const double HopSeconds = 0.010;

    /// <summary>The pre-emphasis coefficient: y[n] = x[n] − 0.97·x[n−1].</summary>
    public const double PreEmphasis = 0.97;

    /// <summary>Mel energies below this are raised to it before the log (ln 1e-10 ≈ −23).</summary>
    public const float LogFloor = 1e-10f;

    /// <summary>The rate the audio is resampled to, in Hz (16,000 by default).</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>What to compute (MFCC by default).</summary>
    public AudioFeatureKind Feature { get; init; } = AudioFeatureKind.Mfcc;

    /// <summary>MFCCs kept per frame, c0 included (13 by default); at most <see cref="MelBands"/>.</summary>
    public int Coefficients { get; init; } = 13;

    /// <summary>Mel filters (40 by default).</summary>
    public int MelBands { get; init; } = 40;

    /// <summary>Appends deltas and delta-deltas (HTK regression over ±2 frames), tripling the features.</summary>
    public bool Deltas { get; init; }

    /// <summary>When set, leading and trailing frames quieter than this many dB below the loudest frame are cut.</summary>
    public double? TrimSilenceDb { get; init; }

    /// <summary>Scales each feature of an utterance to mean 0 and variance 1.</summary>
    public bool Normalize { get; init; }

    /// <summary>The most frames one step may stack (<see cref="StackFrames"/>).</summary>
    public const int MaxStackFrames = 64;

    /// <summary>
    /// Frames per step (1 by default: none stacked). With k, each run of k consecutive frames becomes one step of k times
    /// the features, side by side in time order, the last step completed with zeros: the low-frame-rate features of
    /// speech recognizers (FunASR's LFR with its skip equal to the stack, Kaldi's frame subsampling by stacking). Applied
    /// last, after deltas and normalization. A recurrent layer then runs k times fewer steps over the same audio.
    /// </summary>
    public int StackFrames { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SampleRate, WavReader.MinSampleRate, nameof(SampleRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SampleRate, WavReader.MaxSampleRate, nameof(SampleRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(MelBands, 1, nameof(MelBands));
        ArgumentOutOfRangeException.ThrowIfLessThan(Coefficients, 1, nameof(Coefficients));
        if (Feature == AudioFeatureKind.Mfcc && Coefficients > MelBands)
        {
            throw new ArgumentException($"{Coefficients} coefficients need at least as many mel bands (there are {MelBands}).", nameof(Coefficients));
        }

        if (TrimSilenceDb is double db && !(db > 0 && double.IsFinite(db)))
        {
            throw new ArgumentOutOfRangeException(nameof(TrimSilenceDb), db, "The silence threshold must be a positive number of dB.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(StackFrames, 1, nameof(StackFrames));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StackFrames, MaxStackFrames, nameof(StackFrames));
        if (Deltas && Feature == AudioFeatureKind.Raw)
        {
            throw new ArgumentException("Deltas apply to MFCC and log-mel features, not to raw samples.", nameof(Deltas));
        }
    }
}
