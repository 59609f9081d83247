using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;
using PSRnn.Models;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Reads WAV files as feature sequences (MFCC, log-mel spectrogram or raw samples) for recurrent networks.</para>
/// <para type="description">Reads WAV files (8-bit unsigned, 16/24/32-bit signed PCM, 32/64-bit float, plain or
/// WAVE_FORMAT_EXTENSIBLE; mono, or stereo averaged to mono; sample rates from 1,000 to 768,000 Hz), resamples them to -SampleRate with a
/// polyphase filter equal to SciPy's resample_poly, optionally trims leading and trailing silence, and computes
/// features: 25 ms Hamming frames every 10 ms, pre-emphasis 0.97, an FFT of the next power of two (512 at 16 kHz),
/// the power spectrum, an HTK-scale mel filter bank from 0 Hz to half the sample rate (triangles linear in Hz, as
/// librosa's htk=True, norm=None), the natural log (floor 1e-10), and for MFCC the orthonormal DCT-II with c0 kept.
/// -Deltas appends deltas and delta-deltas (HTK regression over 2 frames). -Normalize scales each feature of each
/// file to mean 0 and variance 1; without it the cmdlet warns when the values look unscaled, because recurrent
/// networks learn poorly from raw MFCC values.</para>
/// <para type="description">Each file gives an RnnAudioFeatures object (Path, Label, Features as a float32
/// (frames, features) tensor, SampleRate, Duration, Frames). With -Frames, sequences are padded with zeros or
/// truncated to that length; padding goes before the speech by default (-Padding Pre, as Keras's pad_sequences),
/// truncation drops the end (-Truncating Post). -Stack returns one RnnAudioDataset instead: X (N, frames, features),
/// Y (int64 class indexes), Classes (the sorted label names) and Paths, ready for Invoke-RnnTraining.</para>
/// <para type="description">Files that cannot be read give non-terminating errors with stable IDs naming the file
/// (WavNotRiff, WavTruncated, WavUnsupportedEncoding, WavInvalidFormat, WavSampleRateUnsupported (rates outside
/// 1,000 to 768,000 Hz), WavEmpty, DataNotFinite (NaN samples, or features that overflow), FileNotRegular (a FIFO or
/// device), AudioLabelNotFound); the other files are still imported. Progress is reported over many files.</para>
/// </summary>
/// <example>
///   <code>
///     $clip = Import-RnnAudio ./digits/seven/a.wav -TrimSilence 40 -Normalize
///     $clip.Features.Shape
///   </code>
///   <para>13 MFCCs per 10 ms frame of one file, silence trimmed, normalized.</para>
/// </example>
/// <example>
///   <code>
///     $data = Get-ChildItem ./digits -Recurse -Filter *.wav |
///         Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Frames 100 -Stack
///     $data.X.Shape        # N, 100, 13
///     $data.Classes        # the folder names, sorted; $data.Y indexes them
///   </code>
///   <para>A labelled training set from a folder per class, padded before the speech to 100 frames.</para>
/// </example>
/// <example>
///   <code>
///     Import-RnnAudio ./clips/*.wav -Feature LogMel -MelBands 64 -LabelCsv ./clips/labels.csv -Stack
///   </code>
///   <para>Log-mel spectrograms, labels from a CSV with columns file,label; sequences padded to the longest.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $le = { param($v) [BitConverter]::GetBytes($v) }
///     $pcm = [int16[]] (0..15999 | ForEach-Object { 8000 * [math]::Sin($_ * 2 * [math]::PI * 440 / 16000) })
///     $bytes = [byte[]]::new(32000); [Buffer]::BlockCopy($pcm, 0, $bytes, 0, 32000)
///     $header = [Text.Encoding]::ASCII.GetBytes('RIFF') + (&amp; $le 32036) + [Text.Encoding]::ASCII.GetBytes('WAVEfmt ') + (&amp; $le 16) +
///         (&amp; $le ([int16] 1)) + (&amp; $le ([int16] 1)) + (&amp; $le 16000) + (&amp; $le 32000) + (&amp; $le ([int16] 2)) + (&amp; $le ([int16] 16)) +
///         [Text.Encoding]::ASCII.GetBytes('data') + (&amp; $le 32000)
///     [IO.File]::WriteAllBytes("$PWD/tone.wav", [byte[]] ($header + $bytes))
///     (Import-RnnAudio ./tone.wav).Features.Shape
///   </code>
///   <para>Runs as written: writes one second of a 440 Hz tone as a 16-bit mono WAV file, then reads its MFCCs (frames, 13).</para>
/// </example>
[Cmdlet(VerbsData.Import, "RnnAudio", DefaultParameterSetName = PathSet)]
[OutputType(typeof(RnnAudioFeatures), typeof(RnnAudioDataset))]
public sealed class ImportRnnAudioCommand : ImportFileCommandBase
{
    // Above this magnitude features are taken as unscaled (MFCC c0 is typically -100 to 0; normalized values are small).
    private const float UnscaledMagnitude = 10f;

    private readonly List<string> _files = [];

    /// <summary>
    /// <para type="description">The sample rate the audio is resampled to, in Hz (16000 by default). 22050 to 16000
    /// is the exact ratio 320/441.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1000, 384000)]
    public int SampleRate { get; set; } = 16000;

    /// <summary>
    /// <para type="description">What to compute: Mfcc (default), LogMel (the log-mel spectrogram, -MelBands features)
    /// or Raw (the resampled samples, one feature per step).</para>
    /// </summary>
    [Parameter]
    public AudioFeatureKind Feature { get; set; } = AudioFeatureKind.Mfcc;

    /// <summary>
    /// <para type="description">MFCCs per frame, c0 included (13 by default); at most -MelBands.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int Coefficients { get; set; } = 13;

    /// <summary>
    /// <para type="description">Appends deltas and delta-deltas to MFCC or log-mel features (three times the features:
    /// 39 for 13 MFCCs).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Deltas { get; set; }

    /// <summary>
    /// <para type="description">Mel filters between 0 Hz and half the sample rate (40 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 512)]
    public int MelBands { get; set; } = 40;

    /// <summary>
    /// <para type="description">Pads (with zeros) or truncates every sequence to this many frames. Without it,
    /// sequences keep their own length (and -Stack pads to the longest).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Frames { get; set; }

    /// <summary>
    /// <para type="description">Where padding goes: Pre (default: before the speech, as Keras's pad_sequences; recurrent
    /// networks learn much better so) or Post.</para>
    /// </summary>
    [Parameter]
    public SequenceSide Padding { get; set; } = SequenceSide.Pre;

    /// <summary>
    /// <para type="description">Which frames truncation drops from sequences longer than -Frames: Post (default: the
    /// end, keeping the onset) or Pre (the start, as Keras's pad_sequences default).</para>
    /// </summary>
    [Parameter]
    public SequenceSide Truncating { get; set; } = SequenceSide.Post;

    /// <summary>
    /// <para type="description">Trims leading and trailing silence: frames (25 ms every 10 ms) whose RMS level is more
    /// than this many dB below the file's loudest frame are cut from both ends. 40 suits clean speech.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0.1, 200.0)]
    public double? TrimSilence { get; set; }

    /// <summary>
    /// <para type="description">Scales each feature of each file to mean 0 and variance 1 (per-utterance
    /// normalization), before padding.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    /// <summary>
    /// <para type="description">Where labels come from: None, Directory (the name of the folder holding each file) or
    /// Csv (-LabelCsv). Giving -LabelCsv implies Csv.</para>
    /// </summary>
    [Parameter]
    public RnnAudioLabelSource LabelFrom { get; set; } = RnnAudioLabelSource.None;

    /// <summary>
    /// <para type="description">A CSV file with a header row and columns file,label; files are relative to the CSV's
    /// folder (or absolute), or bare file names when unique.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LabelCsv { get; set; }

    /// <summary>
    /// <para type="description">Returns one RnnAudioDataset (X as (N, frames, features), Y as int64 class indexes,
    /// Classes, Paths) instead of an object per file.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Stack { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        _files.AddRange(ResolvedFiles("WAV"));
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        var options = new AudioFeatureOptions
        {
            SampleRate = SampleRate,
            Feature = Feature,
            Coefficients = Coefficients,
            MelBands = MelBands,
            Deltas = Deltas,
            TrimSilenceDb = TrimSilence,
            Normalize = Normalize,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("AudioOptionsInvalid", ErrorCategory.InvalidArgument, null, e.Message, e));
        }

        RnnAudioLabelSource source = LabelCsv is not null ? RnnAudioLabelSource.Csv : LabelFrom;
        LabelTable? table = source == RnnAudioLabelSource.Csv ? ReadLabelTable() : null;

        List<RnnAudioFeatures> results = [];
        float smallest = 0;
        float largest = 0;
        var progress = new ProgressRecord(1, "Import-RnnAudio", "Reading audio");
        for (int i = 0; i < _files.Count && !Stopping; i++)
        {
            string file = _files[i];
            if (_files.Count > 1)
            {
                progress.StatusDescription = $"File {i + 1} of {_files.Count}: {System.IO.Path.GetFileName(file)}";
                progress.PercentComplete = 100 * i / _files.Count;
                WriteProgress(progress);
            }

            RnnAudioFeatures? result = ReadFile(file, source, table, options);
            if (result is null)
            {
                continue;
            }

            foreach (float v in result.Features.AsSpan<float>())
            {
                smallest = Math.Min(smallest, v);
                largest = Math.Max(largest, v);
            }

            if (Stack)
            {
                results.Add(result);
            }
            else
            {
                WriteObject(result);
            }
        }

        if (_files.Count > 1)
        {
            WriteProgress(new ProgressRecord(1, "Import-RnnAudio", "Done") { RecordType = ProgressRecordType.Completed });
        }

        if (!Normalize && Feature != AudioFeatureKind.Raw && Math.Max(-smallest, largest) > UnscaledMagnitude)
        {
            WriteWarning($"The features are not normalized (values from {smallest:G4} to {largest:G4}). Recurrent networks " +
                "learn poorly from unscaled MFCC or log-mel values; add -Normalize (per-file mean 0, variance 1 per feature) " +
                "or scale them before training.");
        }

        if (Stack && !Stopping)
        {
            WriteStacked(results, source);
        }
    }

    private RnnAudioFeatures? ReadFile(string file, RnnAudioLabelSource source, LabelTable? table, AudioFeatureOptions options)
    {
        string? label = source switch
        {
            RnnAudioLabelSource.Directory => new DirectoryInfo(System.IO.Path.GetDirectoryName(file)!).Name,
            RnnAudioLabelSource.Csv => table!.Find(file),
            _ => null,
        };
        if (source == RnnAudioLabelSource.Csv && label is null)
        {
            WriteError(Errors.Create("AudioLabelNotFound", ErrorCategory.ObjectNotFound, file,
                $"'{file}' has no row in the label CSV '{LabelCsv}'; add one (file,label) or leave the file out."));
            return null;
        }

        try
        {
            WavAudio audio = WavReader.Read(file);
            float[] samples = AudioFeatures.Prepare(audio, options, file);
            Tensor features = AudioFeatures.Compute(samples, options, file);
            if (Frames is int frames && !Stack)
            {
                features = SequenceFitting.Fit(features, frames, Padding, Truncating);
            }

            return new RnnAudioFeatures(file, label, features, options.SampleRate, (double)samples.Length / options.SampleRate);
        }
        catch (DataFormatException e)
        {
            WriteError(Errors.FromData(e, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(Errors.Create("AudioReadFailed", ErrorCategory.ReadError, file, $"Cannot read '{file}': {e.Message}", e));
        }

        return null;
    }

    private LabelTable ReadLabelTable()
    {
        if (LabelCsv is null)
        {
            ThrowTerminatingError(Errors.Create("AudioLabelCsvMissing", ErrorCategory.InvalidArgument, null,
                "-LabelFrom Csv needs -LabelCsv, the CSV file with columns file,label."));
        }

        string csv = SessionState.Path.GetUnresolvedProviderPathFromPSPath(LabelCsv!);
        try
        {
            return LabelTable.Read(csv);
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, csv));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.Create("AudioLabelCsvUnreadable", ErrorCategory.ReadError, csv,
                $"Cannot read the label CSV '{csv}': {e.Message}", e));
        }

        return null!; // not reached: ThrowTerminatingError throws
    }

    private void WriteStacked(List<RnnAudioFeatures> results, RnnAudioLabelSource source)
    {
        if (results.Count == 0)
        {
            WriteError(Errors.Create("AudioNothingToStack", ErrorCategory.InvalidData, null,
                "No audio file was imported, so there is nothing to stack."));
            return;
        }

        Tensor x = SequenceFitting.Stack(results.ConvertAll(r => r.Features), Frames, Padding, Truncating);
        string[] classes = [];
        Tensor? y = null;
        if (source != RnnAudioLabelSource.None)
        {
            classes = [.. results.Select(r => r.Label!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            long[] indexes = [.. results.Select(r => (long)Array.BinarySearch(classes, r.Label, StringComparer.Ordinal))];
            y = new Tensor(indexes, indexes.Length);
        }

        WriteObject(new RnnAudioDataset(x, y, classes, [.. results.Select(r => r.Path)]));
    }
}
