using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
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
/// networks learn poorly from raw MFCC values. -StackFrames k puts k consecutive frames side by side in one step (the
/// last step completed with zeros), after the rest: a recurrent layer then runs k times fewer steps.</para>
/// <para type="description">Each file gives an RnnAudioFeatures object (Path, Label, Features as a float32
/// (frames, features) tensor, SampleRate, Duration, Frames); without -Frames every file keeps its own number of
/// frames (one per 10 ms). With -Frames, sequences are padded or truncated to that length; padding goes before the
/// speech by default (-Padding Pre, as Keras's pad_sequences), truncation drops the end (-Truncating Post). -Stack
/// returns one RnnAudioDataset instead, ready for Invoke-RnnTraining: X (N, frames, features), padded to -Frames or,
/// without it, to the longest file; Y (int64 class indexes); Classes (the sorted label names); Paths; Lengths (each
/// row's real frames); Padding and PaddingValue.</para>
/// <para type="description">Variable lengths and masking: padding frames hold -PaddingValue (0 by default) on every
/// feature, so a model that starts with Add-MaskingLayer -MaskValue of the same value skips them, as Keras's
/// Masking(mask_value=0.) does after pad_sequences: recurrent layers keep their state over padding and the loss and
/// metrics leave it out, so -Padding Post is as good as Pre, and no file has to be cut to a common length. A real
/// frame is taken for padding only if it equals the value on every feature: MFCC and log-mel frames of real audio
/// essentially never do (every coefficient would have to be exactly 0; after -Normalize, exactly at its file's mean),
/// but a file of one frame is all zeros after -Normalize, and raw samples of digital silence are 0. The
/// cmdlet warns when any real frame equals the padding value; choose another -PaddingValue (and -MaskValue) then.</para>
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
///     $data = Get-ChildItem ./digits -Recurse -Filter *.wav |
///         Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Stack
///     $data.Lengths        # each file's own frames; X is padded with zeros after them to the longest
///     $model = New-RnnModel -InputShape 0, 13 -Seed 1 | Add-MaskingLayer | Add-LstmLayer 64 |
///         Add-DenseLayer $data.Classes.Count -Activation softmax
///     $model | Invoke-RnnTraining -X $data.X -Y $data.Y -Epochs 10
///   </code>
///   <para>Files of different lengths, nothing cut: the masking layer skips the zero padding, so each file is learnt
///   from its own frames only.</para>
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

    // The settings Import-RnnAudio -Model takes from the model's recipe.
    private static readonly string[] FeatureParameters = [nameof(SampleRate), nameof(Feature), nameof(Coefficients), nameof(Deltas),
        nameof(MelBands), nameof(Frames), nameof(Padding), nameof(Truncating), nameof(PaddingValue), nameof(TrimSilence), nameof(Normalize),
        nameof(StackFrames)];

    private readonly List<string> _files = [];
    private AudioRecipe? _recipe;
    private AudioFeatureOptions _options = new();

    // Real frames that equal the padding value on every feature, which a Masking layer would skip, and the first file with one.
    private long _paddingLikeFrames;
    private int _paddingLikeFiles;
    private string? _firstPaddingLikeFile;

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
    /// <para type="description">Pads (with -PaddingValue, 0 by default) or truncates every sequence to this many frames.
    /// Without it, each file keeps its own number of frames, and -Stack pads them to the longest file's.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Frames { get; set; }

    /// <summary>
    /// <para type="description">Where padding goes: Pre (default: before the speech, as Keras's pad_sequences; without
    /// a mask, recurrent networks learn much better so) or Post (after it: as good when the model starts with
    /// Add-MaskingLayer, which skips the padding).</para>
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
    /// <para type="description">The value of every feature of a padding frame (0 by default, as Keras's pad_sequences
    /// and Masking): give the model Add-MaskingLayer -MaskValue with the same value and it skips the padding. A real
    /// frame that equals it on every feature would be skipped too; the cmdlet warns when one does (a one-frame file
    /// with -Normalize is all zeros, and so is digital silence with -Feature Raw): then choose a value the features
    /// never hold, such as -1000. Must be a finite number.</para>
    /// </summary>
    [Parameter]
    public float PaddingValue { get; set; }

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
    /// <para type="description">Frames per step (1 by default). With k, each run of k consecutive 10 ms frames becomes
    /// one step of k times the features, side by side in time order, the last step completed with zeros: the
    /// low-frame-rate features of speech recognizers (FunASR's LFR, Kaldi's frame subsampling). It comes after deltas
    /// and -Normalize, and -Frames, -Padding and the Lengths count steps. -StackFrames 2 halves the steps a recurrent
    /// layer runs over the same audio (examples/digit-strings.ps1 uses it).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, AudioFeatureOptions.MaxStackFrames)]
    public int StackFrames { get; set; } = 1;

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
    /// <para type="description">Returns one RnnAudioDataset instead of an object per file: X as (N, frames, features),
    /// every file padded to -Frames or, without it, to the longest file; Y as int64 class indexes; Classes; Paths;
    /// Lengths, the real frames of each row; Padding and PaddingValue, where the padding is and what it holds.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Stack { get; set; }

    /// <summary>
    /// <para type="description">A model whose recipe (recorded by Set-RnnAudioRecipe and kept in its model file) gives
    /// every feature setting: the sample rate, feature kind, coefficients, mel bands, deltas, trimming, normalization,
    /// frames, padding and truncating sides and padding value, so the features are exactly those the model was trained
    /// on; with -LabelFrom, Y indexes the model's classes in its order. Giving any of those settings too is an error
    /// (AudioRecipeConflict), and so is a model without a recipe (AudioRecipeMissing). Files of another sample rate are
    /// resampled to the recipe's.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Sequential? Model { get; set; }

    /// <summary>
    /// <para type="description">Augmentation settings from New-RnnAudioAugmentation (speed perturbation, time shift,
    /// reverberation, noise, gain), applied after resampling and -TrimSilence, before the features, and VTLP, a warp of
    /// the copy's mel filter bank: each file gives its original and then -Copies augmented versions, with the same Path
    /// and Label, one after another (as Kaldi's speed perturbation keeps the original beside its copies). Augment the
    /// training files only.</para>
    /// </summary>
    [Parameter]
    public WaveformAugmentation? Augment { get; set; }

    /// <summary>
    /// <para type="description">With -Augment: how many augmented versions of each file, beside the original (1 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int Copies { get; set; } = 1;

    /// <summary>
    /// <para type="description">With -Augment: the seed of the augmentation draws. The same files in the same order with
    /// the same seed give the same copies; without it each run differs.</para>
    /// </summary>
    [Parameter]
    public ulong? Seed { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        _files.AddRange(ResolvedFiles("WAV"));
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        _recipe = Model is null ? null : AudioRecipeBinding.Require(this, Model, FeatureParameters);
        if (_recipe is not null)
        {
            UseRecipe(_recipe);
        }

        if (Augment is null && (MyInvocation.BoundParameters.ContainsKey(nameof(Copies)) || Seed is not null))
        {
            ThrowTerminatingError(Errors.Create("AudioCopiesWithoutAugment", ErrorCategory.InvalidArgument, null,
                "-Copies and -Seed are for augmented copies; add -Augment (settings from New-RnnAudioAugmentation)."));
        }

        ulong augmentSeed = Seed ?? Rng.NewSeed();
        var options = new AudioFeatureOptions
        {
            SampleRate = SampleRate,
            Feature = Feature,
            Coefficients = Coefficients,
            MelBands = MelBands,
            Deltas = Deltas,
            TrimSilenceDb = TrimSilence,
            Normalize = Normalize,
            StackFrames = StackFrames,
        };
        _options = options;
        try
        {
            options.Validate();
            if (!float.IsFinite(PaddingValue))
            {
                throw new ArgumentOutOfRangeException(nameof(PaddingValue), PaddingValue,
                    "-PaddingValue must be a finite number: NaN equals nothing, so Add-MaskingLayer could not find the padding, " +
                    "and training refuses infinite inputs. Use 0 (the default) or a value the features never hold, such as -1000.");
            }
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(Errors.Create("AudioOptionsInvalid", ErrorCategory.InvalidArgument, null, Errors.Describe(e), e));
        }

        if (Augment?.VtlpWarp is not null && (SampleRate < AudioFeatures.MinWarpSampleRate || Feature == AudioFeatureKind.Raw))
        {
            ThrowTerminatingError(Errors.Create("AudioVtlpUnsupported", ErrorCategory.InvalidArgument, null,
                Feature == AudioFeatureKind.Raw
                    ? "VTLP (-VtlpWarp of New-RnnAudioAugmentation) warps the mel filter bank, and -Feature Raw has none; use Mfcc or LogMel, or leave -VtlpWarp out."
                    : $"VTLP (-VtlpWarp of New-RnnAudioAugmentation) needs -SampleRate {AudioFeatures.MinWarpSampleRate} or more (Kaldi's VTLN cutoffs, 100 Hz and 500 Hz below half the rate, must leave a band); this one is {SampleRate}."));
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

            foreach (RnnAudioFeatures result in ReadFile(file, source, table, options, (augmentSeed, i)))
            {
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

        WarnOfPaddingLikeFrames();
    }

    private void UseRecipe(AudioRecipe recipe)
    {
        AudioFeatureOptions o = recipe.Options;
        (SampleRate, Feature, Coefficients, MelBands, Deltas, TrimSilence, Normalize, StackFrames) =
            (o.SampleRate, o.Feature, o.Coefficients, o.MelBands, o.Deltas, o.TrimSilenceDb, o.Normalize, o.StackFrames);
        (Frames, Padding, Truncating, PaddingValue) = (recipe.Frames, recipe.Padding, recipe.Truncating, recipe.PaddingValue);
    }

    private void CountPaddingLikeFrames(ReadOnlySpan<float> fitted, int features, int paddingSteps, string file)
    {
        int count = SequenceFitting.CountStepsEqualTo(fitted, features, PaddingValue) - paddingSteps;
        if (count > 0)
        {
            _paddingLikeFrames += count;
            _paddingLikeFiles++;
            _firstPaddingLikeFile ??= file;
        }
    }

    private void WarnOfPaddingLikeFrames()
    {
        if (_paddingLikeFrames == 0 || Stopping)
        {
            return;
        }

        string value = PaddingValue.ToString("G9", System.Globalization.CultureInfo.InvariantCulture);
        WriteWarning($"{_paddingLikeFrames} real frame(s) of {_paddingLikeFiles} file(s) (the first: '{_firstPaddingLikeFile}') equal the " +
            $"padding value {value} on every feature, so a masking layer (Add-MaskingLayer -MaskValue {value}) would skip them as " +
            "padding. A file of one frame is all zeros after -Normalize, and so is digital silence with -Feature Raw. Give " +
            "-PaddingValue a value the features never hold, such as -1000, and the same -MaskValue to Add-MaskingLayer, or leave " +
            "those files out.");
    }

    private List<RnnAudioFeatures> ReadFile(string file, RnnAudioLabelSource source, LabelTable? table, AudioFeatureOptions options, (ulong Seed, int Index) augment)
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
            return [];
        }

        try
        {
            WavAudio audio = WavReader.Read(file);
            float[] prepared = AudioFeatures.Prepare(audio, options, file);
            List<RnnAudioFeatures> versions = [];
            IReadOnlyList<float[]> all = Augment?.Versions(prepared, options.SampleRate, Copies, augment.Seed, augment.Index, file) ?? [prepared];
            for (int v = 0; v < all.Count; v++)
            {
                float[] samples = all[v];
                // Version 0 is the original; copy v − 1 has its own VTLP warp (1 without VTLP).
                double warp = v == 0 || Augment is null ? 1.0 : Augment.WarpFactor(v - 1, augment.Seed, augment.Index);
                Tensor features = AudioFeatures.Compute(samples, options, file, warp);
                if (Frames is int frames && !Stack)
                {
                    int real = SequenceFitting.FittedLength(features.Dim(0), frames);
                    features = SequenceFitting.Fit(features, frames, Padding, Truncating, PaddingValue);
                    CountPaddingLikeFrames(features.AsSpan<float>(), features.Dim(1), frames - real, file);
                }

                versions.Add(new RnnAudioFeatures(file, label, features, options.SampleRate, (double)samples.Length / options.SampleRate));
            }

            return versions;
        }
        catch (DataFormatException e)
        {
            WriteError(Errors.FromData(e, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(Errors.Create("AudioReadFailed", ErrorCategory.ReadError, file, $"Cannot read '{file}': {Errors.Describe(e)}", e));
        }

        return [];
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
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // .NET's "Could not find file '…'" would name the path twice.
            ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"Cannot find the label CSV '{csv}' (-LabelCsv).", e),
                "AudioLabelCsvNotFound", ErrorCategory.ObjectNotFound, csv));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(Errors.Create("AudioLabelCsvUnreadable", ErrorCategory.ReadError, csv,
                $"Cannot read the label CSV '{csv}': {Errors.Describe(e)}", e));
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

        if (_recipe is not null && source != RnnAudioLabelSource.None)
        {
            results = AudioRecipeBinding.KnownLabels(this, _recipe, results);
            if (results.Count == 0)
            {
                return;
            }
        }

        Tensor x = SequenceFitting.Stack(results.ConvertAll(r => r.Features), Frames, Padding, Truncating, PaddingValue);
        int steps = x.Dim(1), features = x.Dim(2);
        int[] lengths = [.. results.Select(r => SequenceFitting.FittedLength(r.Frames, steps))];
        ReadOnlySpan<float> rows = x.AsSpan<float>();
        for (int n = 0; n < results.Count; n++)
        {
            CountPaddingLikeFrames(rows.Slice(n * steps * features, steps * features), features, steps - lengths[n], results[n].Path);
        }

        string[] classes = [];
        Tensor? y = null;
        if (source != RnnAudioLabelSource.None)
        {
            classes = _recipe is { Classes.Count: > 0 } ? [.. _recipe.Classes]
                : [.. results.Select(r => r.Label!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            long[] indexes = [.. results.Select(r => (long)Array.IndexOf(classes, r.Label))];
            y = new Tensor(indexes, indexes.Length);
        }

        // With -Model, the model's own recipe (its classes too, even when these files have no labels).
        AudioRecipe recipe = _recipe ?? new AudioRecipe { Options = _options, Frames = Frames, Padding = Padding, Truncating = Truncating, PaddingValue = PaddingValue, Classes = classes };
        WriteObject(new RnnAudioDataset(x, y, classes, [.. results.Select(r => r.Path)], lengths, Padding, PaddingValue, recipe));
    }
}
