#Requires -Version 7.4
<#
.SYNOPSIS
    Makes PSRnn's embedded spoken-digit dataset: examples/data/speech-digits.npz (+ .json) and a few of its WAV files.
.DESCRIPTION
    Synthesizes the words "zero" … "nine" with espeak-ng (a Debian package) over many voices and voice variants, adds
    background noise, and turns every utterance into features with PSRnn's own Import-RnnAudio, exactly as a user would:

        Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Stack   (13 MFCC)

    Every utterance keeps its own frames (one per 10 ms, none cut): they are padded with zeros after the speech to the
    longest utterance, and the real frames of each are stored beside them, so a model that starts with Add-MaskingLayer
    (mask value 0) skips the padding. No real frame is all zeros (checked after the float16 rounding), so the mask the
    layer finds is exactly the lengths.

    Voices. Every English voice espeak-ng 1.51 has without MBROLA (en-gb, en-gb-x-rp, en-gb-x-gbclan, en-gb-x-gbcwmd,
    en-gb-scotland, en-us, en-us-nyc, en-029; en-uk and the en-* MBROLA voices are MBROLA, not installed, so skipped),
    and 24 voices of other languages reading the English words with their own phonology: Afrikaans, German, Dutch,
    Swedish, Danish, Norwegian, Icelandic; French, Italian, Portuguese, Romanian, Catalan; Welsh, Irish, Scottish
    Gaelic; Polish, Czech, Slovak, Croatian; Finnish, Hungarian, Estonian, Latvian, Lithuanian. A listen-free check
    keeps a voice only if each of its ten words lasts 0.4 to 2 times as long as en-us's: Spanish (a candidate) spells
    "two" out ("te uve doble o", 2.5×) and is rejected. Voices that read Latin-script English with the English voice
    itself (ru, el, hi, vi switch to English for every word: espeak-ng -x shows "(en)") are not candidates.
    Each voice belongs to one of ten accent families, for leave-one-accent-out (tools/Measure-AccentHoldout.ps1):
    British (en-gb, RP), Northern English (Lancaster, West Midlands), Scottish, American (en-us, New York City),
    Caribbean, Germanic-L1, Romance-L1, Celtic-L1, Slavic-L1, Uralic-Baltic-L1.

    Speakers. A speaker is one voice with one of espeak-ng's voice variants (espeak-ng --voices=variant: 102, less Mr
    and fast, which sound as no variant at a speed we set, and caleb and klatt6, which sound as klatt), dealt out from a
    seeded shuffle so the whole list spreads over the voices: -EnglishVariants (24) per English voice and
    -OtherVariants (10) per other voice, 432 speakers. en-gb is given to espeak-ng as 'en' (the same voice file):
    espeak-ng 1.51 ignores a variant after 'en-gb', so "en-gb+f3" sounds exactly as "en-gb".

    Utterances. Each speaker says each digit -Renditions times (1 by default: 4,320 utterances), every time at a speed
    (-s, 100-280 words per minute), pitch (-p, 5-95) and amplitude (-a, 40-190; the loudest clip) drawn from a seeded
    generator, then with white, pink, brown, babble or mains-hum noise mixed in at a signal-to-noise ratio of 5-40 dB
    (babble 10-40 dB; also drawn). Babble is six talkers at once: sentences without digits read by drawn voices and
    variants. The clean synthesis is cut to its speech (espeak-ng leaves 0.3-0.5 s of trailing silence) with 30-80 ms
    of margin before the noise goes on, so the margins are noise, not digital silence.

    Split. Speaker-disjoint: for each voice, a sixth of its English variants (4 of 24) or a fifth of the others (2 of
    10), drawn, are test speakers, so 80 of 432 speakers (800 utterances) never appear in training. The npz records it
    per utterance ('test', 'speaker'); the JSON gives every speaker its voice, variant, accent and family.

    Extra speakers. The 432 speakers are a few of the voice and variant pairs espeak-ng can make, and more of them help
    most on unseen voices (validation on a fifth of the training speakers: 96.5 % with none, 98.4 % with 8 a voice, 99.0 %
    with 16). So each voice also gets -ExtraSpeakersPerVoice (16) training-only speakers: variants it has no speaker
    with, so no extra speaker is any speaker of speech-digits.npz (test or training), each saying every digit once. They
    are drawn on their own generator (-ExtraSeed), so the set above is the same whatever these are, and stored in their
    own file, speech-digits-extra.npz; leave-one-accent-out drops the held-out family's extra speakers with it.

    Output (examples/data, committed):
      speech-digits.npz   x (N, T, 13) float16 — per-utterance normalized MFCCs, zero-padded after the speech to the
                          longest utterance's T frames; lengths (N,) int16 — each utterance's real frames;
                          y (N,) int8 — the digit; speaker (N,) int16 — index into the JSON's speakers;
                          test (N,) bool — the held-out speakers' utterances; noise (N,) int8 — the noise, an index into
                          the JSON's recipe.noises; snr (N,) int8 — its SNR in dB; saved deflated (np.savez_compressed).
                          Padding is nearly free: deflate packs the zero frames to almost nothing, so the file costs about
                          2 bytes a real value (4.4 MiB for 4,320 utterances of 14-139 frames).
      speech-digits-extra.npz  the extra speakers' utterances: x (E, T', 13) float16 and lengths (E,) int16 as above,
                          y (E,) int8, speaker (E,) int16 — an index into the JSON's extraSpeakers; saved deflated.
      speech-digits.json  classes, families, speakers (voice, espeak-ng voice, variant, accent, family, test), the
                          extra speakers (voice, espeak-ng voice, variant, accent, family), the recipe (with the
                          rejected voices) and the counts.
      speech-digits-wav/<digit>/*.wav   two utterances a digit from test speakers (22,050 Hz, 16-bit), to show
                          Import-RnnAudio on real files.

    Deterministic: the same -Seed and espeak-ng version give the same arrays and files (only the npz entries' time
    stamps differ; the noise uses its own seeded generator per utterance, so the order in which files are made does
    not matter). espeak-ng writes 22,050 Hz WAV files;
    they are written with -w (its --stdout header carries a bogus size). 3 to 6 minutes on 2 cores with the extra speakers
    (196 s while other work ran; the set alone 85 s quiet, 187 s busy).
    Never uses flite or festival: they are kept for an independent check of the trained model.

    Needs: espeak-ng (installed with apt-get when missing and running as root) and the built module
    (dotnet pwsh ./build.ps1 -Task Build).
.PARAMETER Renditions
    How many times each speaker says each digit (each with its own speed, pitch, amplitude and noise).
.PARAMETER EnglishVariants
    Voice variants (speakers) per English voice; a sixth of them are held out.
.PARAMETER OtherVariants
    Voice variants (speakers) per other language's voice; a fifth of them are held out.
.PARAMETER Seed
    The seed of every random choice: variants, speeds, pitches, amplitudes, noise, babble, margins, test speakers.
.PARAMETER ExtraSpeakersPerVoice
    Training-only speakers per voice in speech-digits-extra.npz (16; 0 for none): variants the voice has no speaker with.
.PARAMETER ExtraSeed
    The seed of the extra speakers' draws (variants and deliveries; their own generator).
.PARAMETER OutputFolder
    Where the npz, json and sample WAV folder go (examples/data by default).
.PARAMETER WorkFolder
    Where all WAV files are written (a temporary folder by default, removed at the end unless -KeepWork).
.EXAMPLE
    dotnet pwsh ./tools/make-speech-digits.ps1
.EXAMPLE
    dotnet pwsh ./tools/make-speech-digits.ps1 -WorkFolder /tmp/digits -KeepWork    # keep all 4,320 WAV files
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 10)] [int] $Renditions = 1,
    [ValidateRange(6, 98)] [int] $EnglishVariants = 24,
    [ValidateRange(5, 98)] [int] $OtherVariants = 10,
    [int] $Seed = 2024,
    [ValidateRange(0, 60)] [int] $ExtraSpeakersPerVoice = 16,
    [int] $ExtraSeed = 77,
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../examples/data'),
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) "psrnn-speech-digits-$PID"),
    [switch] $KeepWork
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$clock = [Diagnostics.Stopwatch]::StartNew()

# The tools, the noise code, the voices, variants and delivery tables, shared with tools/make-digit-strings.ps1.
. (Join-Path $PSScriptRoot 'speech-synthesis.common.ps1')
$voices = @(Get-SpeechVoices -WorkFolder $WorkFolder)
$rng = [Random]::new($Seed)
$speakers = New-SpeechSpeakers -Voices $voices -Rng $rng -EnglishVariants $EnglishVariants -OtherVariants $OtherVariants
$families = @($voices.Family | Select-Object -Unique)

function New-DigitWordPlan {
    # Each speaker says each digit -Renditions times, in that order, each time with its own delivery drawn on -Rng:
    # <Prefix><speaker>-<voice>-<variant>-r<rendition>.wav under <CleanFolder|NoisyFolder>/<digit>.
    param($Speakers, [int] $Renditions, [Random] $Rng, [string] $CleanFolder, [string] $NoisyFolder, [string] $Prefix = '')
    foreach ($s in $Speakers) {
        foreach ($digit in 0..9) {
            foreach ($r in 1..$Renditions) {
                $u = [ordered]@{ Speaker = $s.id; Voice = $s.espeak; Digit = $digit; Text = $classes[$digit] }
                (Get-SpeechDelivery -Rng $Rng).GetEnumerator() | ForEach-Object { $u[$_.Key] = $_.Value }
                $u.Name = '{0}{1:d3}-{2}-{3}-r{4}.wav' -f $Prefix, $s.id, $s.voice, $s.variant, $r
                $u.CleanPath = Join-Path $CleanFolder $digit $u.Name; $u.Path = Join-Path $NoisyFolder $digit $u.Name
                [pscustomobject] $u
            }
        }
    }
}

$cleanFolder = Join-Path $WorkFolder 'clean'
$noisyFolder = Join-Path $WorkFolder 'wav'
$plan = @(New-DigitWordPlan -Speakers $speakers -Renditions $Renditions -Rng $rng -CleanFolder $cleanFolder -NoisyFolder $noisyFolder)
Write-Host ("{0} speakers ({1} voices in {2} accent families, {3} of espeak-ng's variants; {4} held out), {5} utterances" -f
    $speakers.Count, @($voices).Count, $families.Count, @($speakers.variant | Sort-Object -Unique).Count,
    @($speakers | Where-Object test).Count, @($plan).Count)
Set-SpeechBabble -Voices $voices -Rng $rng -WorkFolder $WorkFolder

# --- synthesis and noise ---------------------------------------------------------------------------------------------
Invoke-SpeechSynthesis -Plan $plan -Activity 'Synthesizing digits'
Write-Host ("synthesized in {0:n0} s" -f $clock.Elapsed.TotalSeconds)

# --- extra training speakers (speech-digits-extra.npz) ---------------------------------------------------------------
# Per voice, -ExtraSpeakersPerVoice variants it has no speaker with, each saying every digit once, all drawn on their own
# generator: the set above is the same whatever these are.
$extraRng = [Random]::new($ExtraSeed)
$extraSpeakers = New-SpeechExtraSpeakers -Voices $voices -Speakers $speakers -Rng $extraRng -PerVoice $ExtraSpeakersPerVoice
$extraPlan = @(New-DigitWordPlan -Speakers $extraSpeakers -Renditions 1 -Rng $extraRng -Prefix 'x' `
        -CleanFolder (Join-Path $WorkFolder 'extra-clean') -NoisyFolder (Join-Path $WorkFolder 'extra'))
if ($extraPlan.Count -gt 0) {
    Invoke-SpeechSynthesis -Plan $extraPlan -Activity 'Synthesizing the extra speakers'
    Write-Host ("{0} utterances of {1} extra training speakers" -f $extraPlan.Count, $extraSpeakers.Count)
}

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
$noise = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Noise)) -DType Int8
$snr = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Snr)) -DType Int8

$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$npz = Join-Path $OutputFolder 'speech-digits.npz'
Export-NpyData -Path $npz -InputObject ([ordered]@{
        x = $x; lengths = $lengths; y = $y; speaker = $speaker; test = $test; noise = $noise; snr = $snr
    }) -Compress -Force

# The extra speakers' features, checked as the others, in their own file.
$extraNpz = Join-Path $OutputFolder 'speech-digits-extra.npz'
if ($extraPlan.Count -gt 0) {
    $extraData = [string[]] $extraPlan.Path | Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack
    for ($k = 0; $k -lt $extraPlan.Count; $k++) {
        if ($extraData.Paths[$k] -ne $extraPlan[$k].Path) { throw "Import-RnnAudio changed the order at extra row $k." }
    }
    $extraX = ConvertTo-RnnTensor -InputObject $extraData.X -DType Float16 -WarningAction Ignore
    $bad = [SpeechDigitsNoise]::FirstMaskMismatch([Half[]] $extraX.Data, $extraX.Shape[1], $extraX.Shape[2], [int[]] $extraData.Lengths)
    if ($bad -ge 0) { throw "Extra row $([Math]::Floor($bad / $extraX.Shape[1])): zero frames do not match the lengths." }
    Export-NpyData -Path $extraNpz -InputObject ([ordered]@{
            x       = $extraX
            lengths = ConvertTo-RnnTensor -InputObject ([short[]] $extraData.Lengths) -DType Int16
            y       = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($extraPlan.Digit)) -DType Int8
            speaker = ConvertTo-RnnTensor -InputObject ([short[]] @($extraPlan.Speaker)) -DType Int16
        }) -Compress -Force
} elseif (Test-Path -LiteralPath $extraNpz) { Remove-Item -LiteralPath $extraNpz }

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
        noise   = 'int8 (N): the background noise, an index into recipe.noises'
        snr     = 'int8 (N): its signal-to-noise ratio in dB'
    }
    classes     = $classes
    families    = $families
    counts      = [ordered]@{
        utterances = $n; speakers = $speakers.Count; voices = @($voices).Count; families = $families.Count
        variants = @($speakers.variant | Sort-Object -Unique).Count
        testSpeakers = @($speakers | Where-Object test).Count; testUtterances = @($plan | Where-Object { $speakers[$_.Speaker].test }).Count
        meanSeconds = [math]::Round(($durations | Measure-Object -Average).Average, 3)
        maxSeconds = [math]::Round(($durations | Measure-Object -Maximum).Maximum, 3)
        meanFrames = [math]::Round(($data.Lengths | Measure-Object -Average).Average, 1)
        minFrames = [int] ($data.Lengths | Measure-Object -Minimum).Minimum; maxFrames = $steps
        extraSpeakers = $extraSpeakers.Count; extraUtterances = $extraPlan.Count
        extraMaxFrames = if ($extraPlan.Count -gt 0) { $extraX.Shape[1] } else { 0 }
    }
    recipe      = [ordered]@{
        seed = $Seed; renditions = $Renditions; englishVariants = $EnglishVariants; otherVariants = $OtherVariants
        speeds = $speeds; pitches = $pitches; amplitudes = $amplitudes; noises = $noises; snrDb = $snrs
        extraSpeakersPerVoice = $ExtraSpeakersPerVoice; extraSeed = $ExtraSeed
        rejectedVoices = @($candidates | Where-Object { $_.Id -notin $voices.Id } | ForEach-Object Id)
        espeakNg = ((& espeak-ng --version) -join ' ')
    }
    speakers    = $speakers
    extraSpeakers = $extraSpeakers
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
