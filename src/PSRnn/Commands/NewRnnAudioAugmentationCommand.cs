using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Creates augmentation settings for Import-RnnAudio -Augment: speed perturbation, time shift, reverberation, noise, gain and VTLP.</para>
/// <para type="description">Returns the settings Import-RnnAudio -Augment applies to each file's samples after
/// resampling and -TrimSilence, before the features, to make -Copies augmented versions of every file beside the
/// original. In order: -Speed, Kaldi's speed perturbation (the samples are read as if recorded at rate × factor and
/// resampled with the same polyphase filter as -SampleRate, so a factor of 1.1 makes the file 1/1.1 as long and every
/// frequency, the pitch included, 1.1 times as high); the factors are taken in turn, copy after copy, so -Speed 0.9,
/// 1.1 with -Copies 2 is Kaldi's three-way perturbation. -ShiftMs moves the samples by a whole number of samples drawn
/// uniformly up to that many ms either way, zeros shifted in, the length kept. -ReverbRt60 convolves with a simulated
/// room impulse response, exponentially decaying Gaussian noise whose energy falls 60 dB in a reverberation time drawn
/// uniformly from the range in seconds, scaled to unit energy (the length kept: the tail past the end is dropped).
/// -NoiseSnr then adds Gaussian noise of a
/// colour drawn from -NoiseColor (White flat, Pink 1/f, Brown 1/f²) scaled to an SNR drawn uniformly from the range
/// (10 · log10 of the signal's power over the noise's power, exactly); silent files get no noise. -GainDb multiplies by
/// a gain drawn uniformly from the range in dB. -VtlpWarp is vocal tract length perturbation (Jaitly and Hinton 2013):
/// each copy's features go through a mel filter bank whose edge frequencies are warped by a factor α drawn uniformly
/// from the range, with Kaldi's VTLN warp (f/α between 100 Hz·max(1, α) and (half the rate − 500 Hz)·min(1, α), linear
/// from there to 0 and to half the rate): above 1 the features look as if the formants were higher, a shorter vocal
/// tract, below 1 a longer one. It draws
/// from a stream of its own: adding it leaves every other draw of a seed as it was. A range is two numbers, low then
/// high, or one for a fixed value.</para>
/// <para type="description">A cmdlet rather than a hashtable, so that every setting is checked once, here, with a
/// clear error (a hashtable's misspelt key would be silently ignored), completes with Tab and has help, and one
/// settings object can be kept and reused.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnAudioAugmentation -Speed 0.9, 1.1 -NoiseSnr 10, 30 -NoiseColor White, Pink -GainDb -6, 6 -ShiftMs 100
///   </code>
///   <para>Runs as written: the settings, printed on one line.</para>
/// </example>
/// <example>
///   <code>
///     $augment = New-RnnAudioAugmentation -Speed 0.9, 1.1 -NoiseSnr 15, 40 -NoiseColor White, Pink, Brown
///     $train = Get-ChildItem ./train -Recurse -Filter *.wav |
///         Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Frames 100 -Augment $augment -Copies 2 -Seed 1 -Stack
///   </code>
///   <para>Three versions of every training file (the original, 0.9 and 1.1 speed, each with noise); augment the
///   training files only, never the test files.</para>
/// </example>
/// <example>
///   <code>
///     $augment = New-RnnAudioAugmentation -VtlpWarp 0.9, 1.1
///     $train = Get-ChildItem ./train -Recurse -Filter *.wav | Import-RnnAudio -LabelFrom Directory -Normalize -Augment $augment -Copies 3 -Seed 1 -Stack
///   </code>
///   <para>Each training file and three copies heard through vocal tracts up to 10 % longer or shorter.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "RnnAudioAugmentation")]
[OutputType(typeof(WaveformAugmentation))]
public sealed class NewRnnAudioAugmentationCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">Speed factors from 0.5 to 2, taken in turn for the copies (Kaldi: 0.9, 1.1 beside the
    /// original). The duration is divided by the factor and the pitch multiplied by it.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public double[]? Speed { get; set; }

    /// <summary>
    /// <para type="description">The signal-to-noise ratio range in dB of the added noise: low, high (or one value).
    /// Without it no noise is added.</para>
    /// </summary>
    [Parameter]
    [ValidateCount(1, 2)]
    public double[]? NoiseSnr { get; set; }

    /// <summary>
    /// <para type="description">The noise colours drawn from, each equally likely: White, Pink, Brown. White by default.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public NoiseColor[]? NoiseColor { get; set; }

    /// <summary>
    /// <para type="description">The gain range in dB: low, high (or one value), e.g. -6, 6.</para>
    /// </summary>
    [Parameter]
    [ValidateCount(1, 2)]
    public double[]? GainDb { get; set; }

    /// <summary>
    /// <para type="description">The largest time shift in milliseconds, either way.</para>
    /// </summary>
    [Parameter]
    public double ShiftMs { get; set; }

    /// <summary>
    /// <para type="description">The reverberation time (RT60) range in seconds of a simulated room: low, high (or one
    /// value), above 0 and at most 5; rooms are about 0.2 to 1 s.</para>
    /// </summary>
    [Parameter]
    [ValidateCount(1, 2)]
    public double[]? ReverbRt60 { get; set; }

    /// <summary>
    /// <para type="description">The VTLP warp factor range: low, high (or one value), within 0.7 to 1.4; VTLP draws from
    /// 0.9 to 1.1. Needs -SampleRate 8000 or more and MFCC or log-mel features in Import-RnnAudio.</para>
    /// </summary>
    [Parameter]
    [ValidateCount(1, 2)]
    public double[]? VtlpWarp { get; set; }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (NoiseColor is not null && NoiseSnr is null)
        {
            ThrowTerminatingError(Errors.Create("AudioAugmentationNoiseColorWithoutSnr", ErrorCategory.InvalidArgument, null,
                "-NoiseColor chooses the colour of the added noise; add -NoiseSnr (low, high in dB) to add noise."));
        }

        if (Speed is null && NoiseSnr is null && GainDb is null && ShiftMs == 0 && ReverbRt60 is null && VtlpWarp is null)
        {
            ThrowTerminatingError(Errors.Create("AudioAugmentationEmpty", ErrorCategory.InvalidArgument, null,
                "The augmentation changes nothing: give at least one of -Speed, -NoiseSnr, -GainDb, -ShiftMs, -ReverbRt60 or -VtlpWarp."));
        }

        try
        {
            WriteObject(new WaveformAugmentation(Speed, Range(NoiseSnr), NoiseColor, Range(GainDb), ShiftMs, Range(ReverbRt60), Range(VtlpWarp)));
        }
        catch (ArgumentOutOfRangeException e)
        {
            ThrowTerminatingError(Errors.Create("AudioAugmentationInvalid", ErrorCategory.InvalidArgument, null, Errors.Describe(e), e));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("AudioAugmentationRangeReversed", ErrorCategory.InvalidArgument, null, Errors.Describe(e), e));
        }
    }

    private static (double, double)? Range(double[]? values) => values is null ? null : (values[0], values[^1]);
}
