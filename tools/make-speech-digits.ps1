#Requires -Version 7.4
<#
.SYNOPSIS
    Makes PSRnn's embedded spoken-digit dataset: examples/data/speech-digits.npz (+ .json) and a few of its WAV files.
.DESCRIPTION
    Synthesizes the words "zero" … "nine" with espeak-ng (a Debian package) over many speakers, adds background noise,
    and turns every utterance into features with PSRnn's own Import-RnnAudio, exactly as a user would:

        Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Stack   (13 MFCC)

    Every utterance keeps its own frames (one per 10 ms, none cut): they are padded with zeros after the speech to the
    longest utterance, and the real frames of each are stored beside them, so a model that starts with Add-MaskingLayer
    (mask value 0) skips the padding. No real frame is all zeros (checked after the float16 rounding), so the mask the
    layer finds is exactly the lengths.

    Speakers. A speaker is one espeak-ng voice (an accent) with one voice variant (+m1 … +m7, +f1 … +f5: different
    pitch, formants, breathiness): 10 accents × 12 variants = 120 speakers. The accents are espeak-ng's eight English
    voices (en-gb, en-us, en-gb-scotland, en-gb-x-rp, en-gb-x-gbclan, en-gb-x-gbcwmd, en-029, en-us-nyc) and two voices
    of other languages reading the English words with their own phonology (af: Afrikaans, cy: Welsh). en-uk is the same
    voice as en-gb and the MBROLA voices are not installed, so they are not used.

    Utterances. Each speaker says each digit -Renditions times (2 by default: 2,400 utterances), every time at a speed
    (-s, words per minute) and pitch (-p, 0–99) drawn from a seeded generator, then with white, pink or brown noise
    mixed in at a signal-to-noise ratio of 10–30 dB (also drawn). The clean synthesis is cut to its speech (espeak-ng
    leaves 0.3–0.5 s of trailing silence) with 30–80 ms of margin before the noise goes on, so the margins are noise,
    not digital silence.

    Split. Speaker-disjoint: for each accent, 2 of its 12 variants (drawn) are test speakers, so 20 of 120 speakers
    (400 utterances) never appear in training. The npz records it per utterance ('test', 'speaker').

    Output (examples/data, committed):
      speech-digits.npz   x (N, T, 13) float16 — per-utterance normalized MFCCs, zero-padded after the speech to the
                          longest utterance's T frames; lengths (N,) int16 — each utterance's real frames;
                          y (N,) int8 — the digit; speaker (N,) int16 — index into the JSON's speakers;
                          test (N,) bool — the held-out speakers' utterances; saved deflated (np.savez_compressed).
      speech-digits.json  classes, speakers (voice, variant, accent, test), the recipe and the counts.
      speech-digits-wav/<digit>/*.wav   two utterances a digit from test speakers (22,050 Hz, 16-bit), to show
                          Import-RnnAudio on real files.

    Deterministic: the same -Seed and espeak-ng version give the same arrays and files (only the npz entries' time
    stamps differ; the noise uses its own seeded generator per utterance, so the order in which files are made does
    not matter). espeak-ng writes 22,050 Hz WAV files;
    they are written with -w (its --stdout header carries a bogus size). About a minute on 2 cores.

    Needs: espeak-ng (installed with apt-get when missing and running as root) and the built module
    (dotnet pwsh ./build.ps1 -Task Build).
.PARAMETER Renditions
    How many times each speaker says each digit (each with its own speed, pitch and noise).
.PARAMETER Seed
    The seed of every random choice: speeds, pitches, noise, margins, test speakers.
.PARAMETER OutputFolder
    Where the npz, json and sample WAV folder go (examples/data by default).
.PARAMETER WorkFolder
    Where all WAV files are written (a temporary folder by default, removed at the end unless -KeepWork).
.EXAMPLE
    dotnet pwsh ./tools/make-speech-digits.ps1
.EXAMPLE
    dotnet pwsh ./tools/make-speech-digits.ps1 -WorkFolder /tmp/digits -KeepWork    # keep all 2,400 WAV files
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 10)] [int] $Renditions = 2,
    [int] $Seed = 2024,
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../examples/data'),
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) "psrnn-speech-digits-$PID"),
    [switch] $KeepWork
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$clock = [Diagnostics.Stopwatch]::StartNew()

# --- tools -------------------------------------------------------------------------------------------------------------
if (-not (Get-Command espeak-ng -ErrorAction Ignore)) {
    if ($IsLinux -and (Get-Command apt-get -ErrorAction Ignore) -and ((id -u) -eq '0')) {
        Write-Host 'Installing espeak-ng (apt-get) ...'
        apt-get update -qq | Out-Null
        apt-get install -y -qq espeak-ng | Out-Null
    }
    if (-not (Get-Command espeak-ng -ErrorAction Ignore)) { throw 'espeak-ng is needed: apt-get install espeak-ng (Debian/Ubuntu).' }
}
$module = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
if (-not (Test-Path -LiteralPath $module)) { throw "Build the module first: dotnet pwsh ./build.ps1 -Task Build ($module is missing)." }
Import-Module $module -Force

# Trimming and noise in C#: a PowerShell loop over ~30 million samples would take many minutes.
Add-Type -TypeDefinition @'
using System;
using System.IO;

public static class SpeechDigitsNoise
{
    // Reads espeak-ng's 16-bit mono PCM WAV (a canonical 44-byte header written with -w).
    public static short[] ReadPcm16(string path, out int rate)
    {
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 44 || b[0] != 'R' || b[8] != 'W') throw new InvalidDataException(path + " is not a WAV file");
        rate = BitConverter.ToInt32(b, 24);
        int pos = 12, dataStart = -1, dataLen = 0;
        while (pos + 8 <= b.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(b, pos, 4);
            int len = BitConverter.ToInt32(b, pos + 4);
            if (id == "data") { dataStart = pos + 8; dataLen = Math.Min(len < 0 ? int.MaxValue : len, b.Length - dataStart); break; }
            pos += 8 + len + (len & 1);
        }
        if (dataStart < 0) throw new InvalidDataException(path + " has no data chunk");
        var s = new short[dataLen / 2];
        Buffer.BlockCopy(b, dataStart, s, 0, s.Length * 2);
        return s;
    }

    public static void WritePcm16(string path, short[] s, int rate)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8); w.Write(36 + s.Length * 2); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(s.Length * 2);
        var bytes = new byte[s.Length * 2];
        Buffer.BlockCopy(s, 0, bytes, 0, bytes.Length);
        w.Write(bytes);
    }

    // The first (row·steps + frame) whose being all zeros disagrees with the lengths (frames from lengths[row] on are
    // padding), or -1: the mask a Masking layer (mask value 0) finds in x is then exactly the lengths.
    public static long FirstMaskMismatch(Half[] x, int steps, int width, int[] lengths)
    {
        for (int row = 0; row < lengths.Length; row++)
        {
            for (int t = 0; t < steps; t++)
            {
                bool zero = true;
                for (int c = 0; c < width && zero; c++) zero = (float)x[(((long)row * steps) + t) * width + c] == 0f;
                if (zero != (t >= lengths[row])) return ((long)row * steps) + t;
            }
        }
        return -1;
    }

    // Cuts the clean synthesis to its speech (10 ms frames within 50 dB of the loudest) plus margins, then adds
    // white, pink or brown noise at snrDb below the speech's RMS. Returns the number of samples written.
    public static int Corrupt(string input, string output, string kind, double snrDb, double marginSeconds, int seed)
    {
        short[] clean = ReadPcm16(input, out int rate);
        int hop = rate / 100;
        int frames = Math.Max(1, clean.Length / hop);
        var rms = new double[frames];
        double loudest = 0;
        for (int f = 0; f < frames; f++)
        {
            double sum = 0; int n = 0;
            for (int i = f * hop; i < Math.Min(clean.Length, (f + 1) * hop); i++, n++) sum += (double)clean[i] * clean[i];
            rms[f] = n == 0 ? 0 : Math.Sqrt(sum / n);
            loudest = Math.Max(loudest, rms[f]);
        }
        double floor = loudest * Math.Pow(10, -50 / 20.0);
        int first = Array.FindIndex(rms, r => r > floor), last = Array.FindLastIndex(rms, r => r > floor);
        if (first < 0) throw new InvalidDataException(input + " is silent");
        int margin = (int)(marginSeconds * rate);
        int start = Math.Max(0, first * hop - margin), end = Math.Min(clean.Length, (last + 1) * hop + margin);

        double speechSum = 0; int speechN = 0;
        for (int i = first * hop; i < Math.Min(clean.Length, (last + 1) * hop); i++, speechN++) speechSum += (double)clean[i] * clean[i];
        double speechRms = Math.Sqrt(speechSum / Math.Max(1, speechN));

        var rng = new Random(seed);
        int length = end - start;
        var noise = new double[length];
        double b0 = 0, b1 = 0, b2 = 0, brown = 0;
        for (int i = 0; i < length; i++)
        {
            // Gaussian white noise (Box–Muller), coloured by Kellet's economy pink filter or a leaky integrator.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double white = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            switch (kind)
            {
                case "pink":
                    b0 = 0.99765 * b0 + white * 0.0990460; b1 = 0.96300 * b1 + white * 0.2965164; b2 = 0.57000 * b2 + white * 1.0526913;
                    noise[i] = b0 + b1 + b2 + white * 0.1848; break;
                case "brown":
                    brown = 0.995 * brown + white * 0.1; noise[i] = brown; break;
                default:
                    noise[i] = white; break;
            }
        }
        double noiseSum = 0;
        foreach (double v in noise) noiseSum += v * v;
        double gain = speechRms / Math.Pow(10, snrDb / 20) / Math.Sqrt(noiseSum / length);

        var mixed = new short[length];
        for (int i = 0; i < length; i++)
            mixed[i] = (short)Math.Clamp(Math.Round(clean[start + i] + gain * noise[i]), short.MinValue, short.MaxValue);
        WritePcm16(output, mixed, rate);
        return length;
    }
}
'@

# --- the plan: every utterance's speaker and settings, drawn up front from one seeded generator --------------------
$accents = [ordered]@{
    'en-gb'          = 'British English'
    'en-us'          = 'American English'
    'en-gb-scotland' = 'Scottish English'
    'en-gb-x-rp'     = 'Received Pronunciation'
    'en-gb-x-gbclan' = 'Lancaster English'
    'en-gb-x-gbcwmd' = 'West Midlands English'
    'en-029'         = 'Caribbean English'
    'en-us-nyc'      = 'New York City English'
    'af'             = 'Afrikaans-accented English'
    'cy'             = 'Welsh-accented English'
}
$variants = 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5'
$classes = 'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'
$speeds = 120, 135, 150, 165, 180, 195, 210          # espeak-ng -s, words per minute (175 is its default)
$pitches = 25, 35, 45, 50, 55, 65, 75               # espeak-ng -p, 0-99 (50 is its default)
$noises = 'white', 'pink', 'brown'
$snrs = 10, 12, 15, 18, 20, 22, 25, 30              # dB below the speech's RMS
$rng = [Random]::new($Seed)

$speakers = [Collections.Generic.List[object]]::new()
foreach ($voice in $accents.Keys) {
    # Two test variants per accent, drawn: those speakers are heard only at test time.
    $testVariants = $variants | Sort-Object { $rng.Next() } | Select-Object -First 2
    foreach ($variant in $variants) {
        $speakers.Add([pscustomobject]@{
                id = $speakers.Count; voice = $voice; variant = $variant; accent = $accents[$voice]
                test = $variant -in $testVariants
            })
    }
}

$plan = foreach ($s in $speakers) {
    foreach ($digit in 0..9) {
        foreach ($r in 1..$Renditions) {
            [pscustomobject]@{
                Speaker = $s.id; Voice = "$($s.voice)+$($s.variant)"; Digit = $digit; Word = $classes[$digit]
                Speed = $speeds[$rng.Next($speeds.Count)]; Pitch = $pitches[$rng.Next($pitches.Count)]
                Noise = $noises[$rng.Next($noises.Count)]; Snr = $snrs[$rng.Next($snrs.Count)]
                Margin = 0.03 + 0.01 * $rng.Next(6); NoiseSeed = $rng.Next()
                Name = '{0:d3}-{1}-{2}-r{3}.wav' -f $s.id, $s.voice, $s.variant, $r
            }
        }
    }
}
Write-Host ("{0} speakers ({1} accents × {2} variants; {3} held out), {4} utterances" -f $speakers.Count, $accents.Count,
    $variants.Count, @($speakers | Where-Object test).Count, @($plan).Count)

# --- synthesis and noise ---------------------------------------------------------------------------------------------
$cleanFolder = Join-Path $WorkFolder 'clean'
$noisyFolder = Join-Path $WorkFolder 'wav'
foreach ($d in 0..9) { $null = New-Item -ItemType Directory -Force -Path (Join-Path $noisyFolder $d), (Join-Path $cleanFolder $d) }
$done = 0
foreach ($u in $plan) {
    $clean = Join-Path $cleanFolder $u.Digit $u.Name
    $noisy = Join-Path $noisyFolder $u.Digit $u.Name
    # -w writes a proper header (--stdout's is bogus); 22,050 Hz, 16-bit mono.
    & espeak-ng -v $u.Voice -s $u.Speed -p $u.Pitch -w $clean $u.Word
    if ($LASTEXITCODE -ne 0) { throw "espeak-ng failed for $($u.Voice) '$($u.Word)'." }
    $null = [SpeechDigitsNoise]::Corrupt($clean, $noisy, $u.Noise, $u.Snr, $u.Margin, $u.NoiseSeed)
    if ((++$done % 100) -eq 0) {
        Write-Progress -Activity 'Synthesizing digits' -Status "$done of $(@($plan).Count)" -PercentComplete (100 * $done / @($plan).Count)
    }
}
Write-Progress -Activity 'Synthesizing digits' -Completed
Write-Host ("synthesized in {0:n0} s" -f $clock.Elapsed.TotalSeconds)

# --- features: the module's own Import-RnnAudio, in the plan's order ------------------------------------------------
$files = foreach ($u in $plan) { Join-Path $noisyFolder $u.Digit $u.Name }
$data = $files | Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack
if (($data.Classes -join ',') -ne '0,1,2,3,4,5,6,7,8,9') { throw "Unexpected classes: $($data.Classes -join ',')" }
for ($i = 0; $i -lt $files.Count; $i++) {
    if ($data.Paths[$i] -ne $files[$i]) { throw "Import-RnnAudio changed the order at row $i." }
}

$n = $files.Count
# float16 keeps ~3 significant digits, plenty for normalized MFCCs; rounding is the point, so no warning.
$x = ConvertTo-RnnTensor -InputObject $data.X -DType Float16 -WarningAction Ignore
$lengths = ConvertTo-RnnTensor -InputObject ([short[]] $data.Lengths) -DType Int16
# The mask a Masking layer finds must be the lengths: padding after each utterance is all zeros, and no real frame is
# all zeros, not even after rounding to float16 (a normalized frame would have to sit at its utterance's mean on all 13).
$steps = $x.Shape[1]
$bad = [SpeechDigitsNoise]::FirstMaskMismatch([Half[]] $x.Data, $steps, $x.Shape[2], [int[]] $data.Lengths)
if ($bad -ge 0) { throw "Row $([Math]::Floor($bad / $steps)), frame $($bad % $steps): zero frames do not match the lengths." }
$y = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Digit)) -DType Int8
$speaker = ConvertTo-RnnTensor -InputObject ([short[]] @($plan.Speaker)) -DType Int16
$test = ConvertTo-RnnTensor -InputObject ([bool[]] @($plan | ForEach-Object { $speakers[$_.Speaker].test })) -DType Bool

$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$npz = Join-Path $OutputFolder 'speech-digits.npz'
Export-NpyData -Path $npz -InputObject ([ordered]@{ x = $x; lengths = $lengths; y = $y; speaker = $speaker; test = $test }) -Compress -Force

$durations = foreach ($f in $files) { (Get-Item -LiteralPath $f).Length / 2 / 22050 }
$meta = [ordered]@{
    description = 'Spoken digits zero-nine synthesized with espeak-ng, with background noise; made by tools/make-speech-digits.ps1.'
    features    = 'Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack (16 kHz, 25 ms frames, 10 ms hop)'
    arrays      = [ordered]@{
        x       = "float16 (N, $steps, 13): per-utterance normalized MFCCs, zero-padded after the speech to the longest utterance (Add-MaskingLayer skips the padding)"
        lengths = 'int16 (N): the real frames of each row of x (the rest of the row is zeros)'
        y       = 'int8 (N): the digit, an index into classes'
        speaker = 'int16 (N): an index into speakers'
        test    = 'bool (N): true for the held-out speakers (speaker-disjoint split)'
    }
    classes     = $classes
    counts      = [ordered]@{
        utterances = $n; speakers = $speakers.Count; accents = $accents.Count; variants = $variants.Count
        testSpeakers = @($speakers | Where-Object test).Count; testUtterances = @($plan | Where-Object { $speakers[$_.Speaker].test }).Count
        meanSeconds = [math]::Round(($durations | Measure-Object -Average).Average, 3)
        maxSeconds = [math]::Round(($durations | Measure-Object -Maximum).Maximum, 3)
        meanFrames = [math]::Round(($data.Lengths | Measure-Object -Average).Average, 1)
        minFrames = [int] ($data.Lengths | Measure-Object -Minimum).Minimum; maxFrames = $steps
    }
    recipe      = [ordered]@{
        seed = $Seed; renditions = $Renditions; speeds = $speeds; pitches = $pitches; noises = $noises; snrDb = $snrs
        espeakNg = ((& espeak-ng --version) -join ' ')
    }
    speakers    = $speakers
}
$json = Join-Path $OutputFolder 'speech-digits.json'
$meta | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $json -Encoding utf8NoBOM

# A handful of WAV files, two a digit, from test speakers of different accents: to show Import-RnnAudio on files.
$wavOut = Join-Path $OutputFolder 'speech-digits-wav'
if (Test-Path -LiteralPath $wavOut) { Remove-Item -LiteralPath $wavOut -Recurse -Force }
$testSpeakers = @($speakers | Where-Object test)
foreach ($digit in 0..9) {
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $wavOut $digit)
    foreach ($k in 0, 1) {
        $s = $testSpeakers[(2 * $digit + 11 * $k) % $testSpeakers.Count]
        $u = $plan | Where-Object { $_.Speaker -eq $s.id -and $_.Digit -eq $digit } | Select-Object -First 1
        Copy-Item -LiteralPath (Join-Path $noisyFolder $digit $u.Name) -Destination (Join-Path $wavOut $digit $u.Name)
    }
}

if (-not $KeepWork) { Remove-Item -LiteralPath $WorkFolder -Recurse -Force }
$size = (Get-Item -LiteralPath $npz).Length
Write-Host ("{0}: {1} utterances, {2:n2} MiB; {3}; sample WAVs in {4}; done in {5:n0} s" -f $npz, $n, ($size / 1MB), $json,
    $wavOut, $clock.Elapsed.TotalSeconds)
