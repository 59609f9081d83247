#Requires -Version 7.4
<#
.SYNOPSIS
    Makes PSRnn's embedded connected-digits dataset: examples/data/digit-strings.npz (+ .json) and a few of its WAV files.
.DESCRIPTION
    Synthesizes strings of 1 to 7 digits ("three one four") spoken as connected words by espeak-ng (a Debian package),
    adds background noise, and turns every utterance into features with PSRnn's own Import-RnnAudio, as the word set
    (tools/make-speech-digits.ps1) does:

        Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack   (13 MFCC, 10 ms frames)

    The speakers are the word set's: the same voices (its eight English voices and 24 other languages' voices reading the
    English words, Spanish rejected by the same duration check), the same espeak-ng variants dealt out the same way, the
    same speeds, pitches, amplitudes, noises and SNRs, all from tools/speech-synthesis.common.ps1, which both makers
    dot-source. With the same -Seed (and variant counts) the speakers and the speaker-disjoint test split are exactly the
    word set's: speaker k is the same voice and variant in both, and held out in both.

    Strings. Each speaker says -StringsPerSpeaker strings (6 by default: 2,592 utterances, about 10,400 digits), each of
    a length drawn from 1 … 7 and digits drawn uniformly, read as one sentence of digit words (no pauses are asked
    for; espeak-ng runs the words together), at one drawn speed, pitch and amplitude, with one drawn noise. The draws
    follow the word set's speaker draws on one seeded generator, so the file is deterministic.

    Output (examples/data, committed):
      digit-strings.npz   x (N, T, 13) float16 — per-utterance normalized MFCCs, zero-padded after the speech to the
                          longest utterance's T frames; lengths (N,) int16 — each utterance's real frames;
                          y (N, 7) int8 — the CTC labels (digit + 1; 0 is the blank) zero-padded after each string, the
                          form -Loss ctc reads as it is; digits (N,) int8 — each string's length; speaker (N,) int16 —
                          index into the JSON's speakers; test (N,) bool — the held-out speakers' utterances; noise (N,)
                          int8 and snr (N,) int8 as the word set's; saved deflated.
      digit-strings.json  labels (each utterance's digits as a string, "314"), classes (the CTC symbols after the blank:
                          "0" … "9"), speakers (voice, variant, accent, family, test), the recipe and the counts.
      digit-strings-echo.npz  the echoed copies (below): x (C, T', 13) float16 and lengths (C,) int16 as above,
                          y (C, 7) int8 — the copied string's labels; source (C,) int16 — the row of digit-strings.npz
                          each copies; echo (C, 2) float16 — its delay in ms and feedback gain; saved deflated.
      digit-strings-extra.npz  the extra speakers' strings (below): x (E, T'', 13) float16, lengths (E,) int16 and
                          y (E, 7) int8 as above; speaker (E,) int16 — an index into the JSON's extraSpeakers; saved deflated.
      digit-strings-wav/*.wav   six utterances of test speakers (22,050 Hz, 16-bit), named <row>-<digits>.wav, to show
                          Import-RnnAudio -Model on real files.

    Echoed copies. espeak-ng's variants with an echo line (Alicia, robosoft, f2-f5, ...; wavegen.c feeds the output
    back after the delay at amp/256, amp at most 100) are where the recognizer erred most on its validation speakers. So
    each string of a training speaker (neither test nor validation) gets, with probability -EchoShare, a copy: its
    clean synthesis through that echo, y[n] = x[n] + g*y[n - D] with D uniform in 8-200 ms and g in 0.05-0.39, then
    the same noise at the same SNR. The copies go to their own file, so digit-strings.npz is the same with or without
    them.

    Extra speakers. The set's speakers are 432 of the voice and variant pairs espeak-ng can make, and more of them
    help a recognizer that learns its training voices (measured: README, issue 18). Each voice gets
    -ExtraSpeakersPerVoice more speakers, variants drawn from those it has no speaker with (so no extra speaker is any
    speaker of digit-strings.npz, test, validation or training), each saying -ExtraStringsPerSpeaker strings drawn as the
    others are. They are training speakers only, in their own file.

    Never uses flite or festival. Needs espeak-ng (installed with apt-get when missing and running as root) and the
    built module (dotnet pwsh ./build.ps1 -Task Build). Two to four minutes on 2 cores.
.PARAMETER StringsPerSpeaker
    How many digit strings each speaker says (each with its own length, speed, pitch, amplitude and noise).
.PARAMETER MaxDigits
    The longest string (lengths are drawn uniformly from 1 to it).
.PARAMETER EnglishVariants
    Voice variants (speakers) per English voice; a sixth of them are held out (as the word set's).
.PARAMETER OtherVariants
    Voice variants (speakers) per other language's voice; a fifth of them are held out.
.PARAMETER Seed
    The seed of every random choice (2024, the word set's: the same speakers and test split).
.PARAMETER OutputFolder
    Where the npz, json and sample WAV folder go (examples/data by default).
.PARAMETER WorkFolder
    Where all WAV files are written (a temporary folder by default, removed at the end unless -KeepWork).
.PARAMETER EchoShare
    The share of the training speakers' strings that get an echoed copy in digit-strings-echo.npz (0.6; 0 for none).
    The draws do not depend on it: a larger share keeps every copy of a smaller one, with the same delay and gain.
.PARAMETER EchoSeed
    The seed of the echo draws (their own generator, so the dry set is the same whatever the echo settings).
.PARAMETER ExtraSpeakersPerVoice
    New training-only speakers per voice in digit-strings-extra.npz (16; 0 for none): variants the voice has no speaker with.
.PARAMETER ExtraStringsPerSpeaker
    How many strings each extra speaker says (3).
.PARAMETER ExtraSeed
    The seed of the extra speakers' draws (their own generator, so the dry and echoed sets are the same whatever these are).
.PARAMETER ValidationEvery
    Speakers whose index is a multiple of it are examples/digit-strings.ps1's validation part (every 8th): like the
    test speakers they get no echoed copies.
.EXAMPLE
    dotnet pwsh ./tools/make-digit-strings.ps1
.EXAMPLE
    dotnet pwsh ./tools/make-digit-strings.ps1 -StringsPerSpeaker 1 -OutputFolder /tmp/strings -WorkFolder /tmp/strings-wav -KeepWork
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 20)] [int] $StringsPerSpeaker = 6,
    [ValidateRange(1, 20)] [int] $MaxDigits = 7,
    [ValidateRange(6, 98)] [int] $EnglishVariants = 24,
    [ValidateRange(5, 98)] [int] $OtherVariants = 10,
    [int] $Seed = 2024,
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../examples/data'),
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) "psrnn-digit-strings-$PID"),
    [switch] $KeepWork,
    [ValidateRange(0.0, 1.0)] [double] $EchoShare = 0.6,
    [int] $EchoSeed = 99,
    [ValidateRange(0, 60)] [int] $ExtraSpeakersPerVoice = 16,
    [ValidateRange(1, 20)] [int] $ExtraStringsPerSpeaker = 3,
    [int] $ExtraSeed = 77,
    [ValidateRange(2, 1000)] [int] $ValidationEvery = 8
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$clock = [Diagnostics.Stopwatch]::StartNew()

# The tools, the noise code, the voices, variants and delivery tables, shared with tools/make-speech-digits.ps1.
. (Join-Path $PSScriptRoot 'speech-synthesis.common.ps1')
$voices = @(Get-SpeechVoices -WorkFolder $WorkFolder)
$rng = [Random]::new($Seed)
$speakers = New-SpeechSpeakers -Voices $voices -Rng $rng -EnglishVariants $EnglishVariants -OtherVariants $OtherVariants
$families = @($voices.Family | Select-Object -Unique)

function New-DigitStringPlan {
    # -Count strings for each of -Speakers, drawn on -Rng in this order: a length of 1 to MaxDigits, its digits, then
    # the delivery (Get-SpeechDelivery). Files are <Prefix><speaker>-<voice>-<variant>-s<k>.wav under -Folder's clean
    # (the synthesis) and wav (with its noise).
    param($Speakers, [int] $Count, [Random] $Rng, [string] $Folder, [string] $Prefix)
    foreach ($s in $Speakers) {
        for ($k = 1; $k -le $Count; $k++) {
            $digits = -join @(for ($d = 1 + $Rng.Next($MaxDigits); $d -gt 0; $d--) { $Rng.Next(10) })
            $u = [ordered]@{
                Speaker = $s.id; Voice = $s.espeak; Digits = $digits
                Text = (@($digits.ToCharArray() | ForEach-Object { $classes[[int]"$_"] }) -join ' ')
            }
            (Get-SpeechDelivery -Rng $Rng).GetEnumerator() | ForEach-Object { $u[$_.Key] = $_.Value }
            $u.Name = '{0}{1:d3}-{2}-{3}-s{4}.wav' -f $Prefix, $s.id, $s.voice, $s.variant, $k
            $u.CleanPath = Join-Path $Folder 'clean' $u.Name; $u.Path = Join-Path $Folder 'wav' $u.Name
            [pscustomobject] $u
        }
    }
}
$plan = @(New-DigitStringPlan -Speakers $speakers -Count $StringsPerSpeaker -Rng $rng -Folder $WorkFolder -Prefix '')
$digitCount = ($plan.Digits | ForEach-Object Length | Measure-Object -Sum).Sum
Write-Host ("{0} speakers ({1} voices in {2} accent families; {3} held out), {4} strings of 1-{5} digits ({6} digits)" -f
    $speakers.Count, $voices.Count, $families.Count, @($speakers | Where-Object test).Count, $plan.Count, $MaxDigits, $digitCount)
Set-SpeechBabble -Voices $voices -Rng $rng -WorkFolder $WorkFolder

Invoke-SpeechSynthesis -Plan $plan -Activity 'Synthesizing digit strings'
Write-Host ("synthesized in {0:n0} s" -f $clock.Elapsed.TotalSeconds)

# --- echoed copies of training speakers' strings (digit-strings-echo.npz) -------------------------------------------
# Three draws for every row in order (share, delay, gain) on their own generator, whether or not the row is copied.
$echoRng = [Random]::new($EchoSeed)
$echoFolder = Join-Path $WorkFolder 'echo'
$null = New-Item -ItemType Directory -Force -Path (Join-Path $echoFolder 'clean'), (Join-Path $echoFolder 'wav')
$copies = @(for ($i = 0; $i -lt $plan.Count; $i++) {
        $u = $plan[$i]
        $pick = $echoRng.NextDouble(); $delay = 8 + $echoRng.Next(193); $gain = 0.05 + (0.39 - 0.05) * $echoRng.NextDouble()
        if ($speakers[$u.Speaker].test -or $u.Speaker % $ValidationEvery -eq 0 -or $pick -ge $EchoShare) { continue }
        $c = [pscustomobject] @{ Source = $i; Speaker = $u.Speaker; Digits = $u.Digits; Noise = $u.Noise; Snr = $u.Snr; EchoMs = $delay; EchoGain = $gain
            CleanPath = Join-Path $echoFolder "clean/$($u.Name)"; Path = Join-Path $echoFolder "wav/$($u.Name)" }
        [SpeechDigitsNoise]::Echo($u.CleanPath, $c.CleanPath, $delay, $gain)
        $null = [SpeechDigitsNoise]::Corrupt($c.CleanPath, $c.Path, $noises[$u.Noise], $u.Snr, $u.Margin, $u.NoiseSeed)
        $c
    })
Write-Host ("{0} echoed copies of training speakers' strings" -f $copies.Count)

# --- extra training speakers (digit-strings-extra.npz) ---------------------------------------------------------------
# Per voice, -ExtraSpeakersPerVoice variants it has no speaker with, then each extra speaker's strings and deliveries,
# all on their own generator.
$extraRng = [Random]::new($ExtraSeed)
$extraSpeakers = New-SpeechExtraSpeakers -Voices $voices -Speakers $speakers -Rng $extraRng -PerVoice $ExtraSpeakersPerVoice
$extraPlan = @(New-DigitStringPlan -Speakers $extraSpeakers -Count $ExtraStringsPerSpeaker -Rng $extraRng -Folder (Join-Path $WorkFolder 'extra') -Prefix 'x')
if ($extraPlan.Count -gt 0) {
    Invoke-SpeechSynthesis -Plan $extraPlan -Activity 'Synthesizing the extra speakers'
    Write-Host ("{0} strings of {1} extra training speakers" -f $extraPlan.Count, $extraSpeakers.Count)
}

# --- features: the module's own Import-RnnAudio, in the plan's order ------------------------------------------------
$files = [string[]] $plan.Path
$data = $files | Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack
for ($i = 0; $i -lt $files.Count; $i++) {
    if ($data.Paths[$i] -ne $files[$i]) { throw "Import-RnnAudio changed the order at row $i." }
}
$n = $files.Count
# float16 keeps ~3 significant digits, plenty for normalized MFCCs; rounding is the point, so no warning.
$x = ConvertTo-RnnTensor -InputObject $data.X -DType Float16 -WarningAction Ignore
$steps = $x.Shape[1]
# The mask a Masking layer finds must be the lengths (padding all zeros, no real frame all zeros after rounding).
$bad = [SpeechDigitsNoise]::FirstMaskMismatch([Half[]] $x.Data, $steps, $x.Shape[2], [int[]] $data.Lengths)
if ($bad -ge 0) { throw "Row $([Math]::Floor($bad / $steps)), frame $($bad % $steps): zero frames do not match the lengths." }
function ConvertTo-CtcLabels {
    # The (N, MaxDigits) CTC labels of a plan's strings, after checking each row can align: CTC needs a frame a label
    # plus one between repeats (a 10 ms frame rate leaves plenty, but check).
    param([object[]] $Plan, [int[]] $Lengths, [string] $What)
    $out = [sbyte[]]::new($Plan.Count * $MaxDigits)
    for ($i = 0; $i -lt $Plan.Count; $i++) {
        $digits = $Plan[$i].Digits; $need = $digits.Length
        for ($c = 1; $c -lt $digits.Length; $c++) { if ($digits[$c] -eq $digits[$c - 1]) { $need++ } }
        if ($Lengths[$i] -lt $need) { throw "$What $i ($digits) has $($Lengths[$i]) frames: too few to align." }
        for ($c = 0; $c -lt $digits.Length; $c++) { $out[$i * $MaxDigits + $c] = 1 + [int]"$($digits[$c])" }
    }
    , $out
}
$labels = ConvertTo-CtcLabels -Plan $plan -Lengths ([int[]] $data.Lengths) -What 'Row'

$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$npz = Join-Path $OutputFolder 'digit-strings.npz'
Export-NpyData -Path $npz -InputObject ([ordered]@{
        x       = $x
        lengths = ConvertTo-RnnTensor -InputObject ([short[]] $data.Lengths) -DType Int16
        y       = ConvertTo-RnnTensor -InputObject $labels -Shape $n, $MaxDigits -DType Int8
        digits  = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan | ForEach-Object { $_.Digits.Length })) -DType Int8
        speaker = ConvertTo-RnnTensor -InputObject ([short[]] @($plan.Speaker)) -DType Int16
        test    = ConvertTo-RnnTensor -InputObject ([bool[]] @($plan | ForEach-Object { $speakers[$_.Speaker].test })) -DType Bool
        noise   = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Noise)) -DType Int8
        snr     = ConvertTo-RnnTensor -InputObject ([sbyte[]] @($plan.Snr)) -DType Int8
    }) -Compress -Force

# The copies' features, checked as the dry rows', in their own file (digit-strings.npz stays the dry set).
$echoNpz = Join-Path $OutputFolder 'digit-strings-echo.npz'
if ($copies.Count -gt 0) {
    $echoData = [string[]] $copies.Path | Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack
    $echoX = ConvertTo-RnnTensor -InputObject $echoData.X -DType Float16 -WarningAction Ignore
    $bad = [SpeechDigitsNoise]::FirstMaskMismatch([Half[]] $echoX.Data, $echoX.Shape[1], $echoX.Shape[2], [int[]] $echoData.Lengths)
    if ($bad -ge 0) { throw "Echoed copy $([Math]::Floor($bad / $echoX.Shape[1])): zero frames do not match the lengths." }
    $echoLabels = [sbyte[]]::new($copies.Count * $MaxDigits)
    for ($k = 0; $k -lt $copies.Count; $k++) {
        if ($echoData.Paths[$k] -ne $copies[$k].Path) { throw "Import-RnnAudio changed the order at copy $k." }
        [Array]::Copy($labels, $copies[$k].Source * $MaxDigits, $echoLabels, $k * $MaxDigits, $MaxDigits)
    }
    Export-NpyData -Path $echoNpz -InputObject ([ordered]@{
            x       = $echoX
            lengths = ConvertTo-RnnTensor -InputObject ([short[]] $echoData.Lengths) -DType Int16
            y       = ConvertTo-RnnTensor -InputObject $echoLabels -Shape $copies.Count, $MaxDigits -DType Int8
            source  = ConvertTo-RnnTensor -InputObject ([short[]] @($copies.Source)) -DType Int16
            echo    = ConvertTo-RnnTensor -InputObject ([float[]] @($copies | ForEach-Object { $_.EchoMs; $_.EchoGain })) -Shape $copies.Count, 2 -DType Float16 -WarningAction Ignore
        }) -Compress -Force
} elseif (Test-Path -LiteralPath $echoNpz) { Remove-Item -LiteralPath $echoNpz }

# The extra speakers' features, checked as the others, in their own file.
$extraNpz = Join-Path $OutputFolder 'digit-strings-extra.npz'
if ($extraPlan.Count -gt 0) {
    $extraData = [string[]] $extraPlan.Path | Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack
    for ($k = 0; $k -lt $extraPlan.Count; $k++) {
        if ($extraData.Paths[$k] -ne $extraPlan[$k].Path) { throw "Import-RnnAudio changed the order at extra row $k." }
    }
    $extraX = ConvertTo-RnnTensor -InputObject $extraData.X -DType Float16 -WarningAction Ignore
    $bad = [SpeechDigitsNoise]::FirstMaskMismatch([Half[]] $extraX.Data, $extraX.Shape[1], $extraX.Shape[2], [int[]] $extraData.Lengths)
    if ($bad -ge 0) { throw "Extra row $([Math]::Floor($bad / $extraX.Shape[1])): zero frames do not match the lengths." }
    $extraLabels = ConvertTo-CtcLabels -Plan $extraPlan -Lengths ([int[]] $extraData.Lengths) -What 'Extra row'
    Export-NpyData -Path $extraNpz -InputObject ([ordered]@{
            x       = $extraX
            lengths = ConvertTo-RnnTensor -InputObject ([short[]] $extraData.Lengths) -DType Int16
            y       = ConvertTo-RnnTensor -InputObject $extraLabels -Shape $extraPlan.Count, $MaxDigits -DType Int8
            speaker = ConvertTo-RnnTensor -InputObject ([short[]] @($extraPlan.Speaker)) -DType Int16
        }) -Compress -Force
} elseif (Test-Path -LiteralPath $extraNpz) { Remove-Item -LiteralPath $extraNpz }

$durations = foreach ($f in $files) { (Get-Item -LiteralPath $f).Length / 2 / 22050 }
$meta = [ordered]@{
    description = 'Connected digit strings (1-7 digits) synthesized with espeak-ng, with background noise; made by tools/make-digit-strings.ps1.'
    features    = 'Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack (16 kHz, 25 ms frames, 10 ms hop)'
    arrays      = [ordered]@{
        x       = "float16 (N, $steps, 13): per-utterance normalized MFCCs, zero-padded after the speech to the longest utterance (Add-MaskingLayer skips the padding)"
        lengths = 'int16 (N): the real frames of each row of x (the rest of the row is zeros)'
        y       = "int8 (N, $MaxDigits): CTC labels, digit + 1 (0 is the blank), zero-padded after each string"
        digits  = 'int8 (N): the length of each string'
        speaker = 'int16 (N): an index into speakers'
        test    = 'bool (N): true for the held-out speakers (speaker-disjoint split)'
        noise   = 'int8 (N): the background noise, an index into recipe.noises'
        snr     = 'int8 (N): its signal-to-noise ratio in dB'
    }
    classes     = @('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
    words       = $classes
    labels      = @($plan.Digits)
    families    = $families
    counts      = [ordered]@{
        utterances = $n; digits = $digitCount; speakers = $speakers.Count; voices = $voices.Count; families = $families.Count
        variants = @($speakers.variant | Sort-Object -Unique).Count
        echoCopies = $copies.Count; echoMaxFrames = if ($copies.Count -gt 0) { $echoX.Shape[1] } else { 0 }
        extraSpeakers = $extraSpeakers.Count; extraUtterances = $extraPlan.Count
        extraMaxFrames = if ($extraPlan.Count -gt 0) { $extraX.Shape[1] } else { 0 }
        testSpeakers = @($speakers | Where-Object test).Count; testUtterances = @($plan | Where-Object { $speakers[$_.Speaker].test }).Count
        meanSeconds = [math]::Round(($durations | Measure-Object -Average).Average, 3)
        maxSeconds = [math]::Round(($durations | Measure-Object -Maximum).Maximum, 3)
        meanFrames = [math]::Round(($data.Lengths | Measure-Object -Average).Average, 1)
        minFrames = [int] ($data.Lengths | Measure-Object -Minimum).Minimum; maxFrames = $steps
    }
    recipe      = [ordered]@{
        seed = $Seed; stringsPerSpeaker = $StringsPerSpeaker; maxDigits = $MaxDigits
        englishVariants = $EnglishVariants; otherVariants = $OtherVariants
        speeds = $speeds; pitches = $pitches; amplitudes = $amplitudes; noises = $noises; snrDb = $snrs
        echoShare = $EchoShare; echoSeed = $EchoSeed; echoDelayMs = @(8, 200); echoGain = @(0.05, 0.39); validationEvery = $ValidationEvery
        extraSpeakersPerVoice = $ExtraSpeakersPerVoice; extraStringsPerSpeaker = $ExtraStringsPerSpeaker; extraSeed = $ExtraSeed
        rejectedVoices = @($candidates | Where-Object { $_.Id -notin $voices.Id } | ForEach-Object Id)
        espeakNg = ((& espeak-ng --version) -join ' ')
    }
    speakers    = $speakers
    extraSpeakers = $extraSpeakers
    extraLabels = @($extraPlan.Digits)
}
$json = Join-Path $OutputFolder 'digit-strings.json'
$meta | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $json -Encoding utf8NoBOM

# Six WAV files of test speakers, of different accents and lengths: to show Import-RnnAudio -Model on files.
$wavOut = Join-Path $OutputFolder 'digit-strings-wav'
if (Test-Path -LiteralPath $wavOut) { Remove-Item -LiteralPath $wavOut -Recurse -Force }
$null = New-Item -ItemType Directory -Force -Path $wavOut
$testRows = @(for ($i = 0; $i -lt $n; $i++) { if ($speakers[$plan[$i].Speaker].test) { $i } })
foreach ($k in 0..5) {
    $row = $testRows[[int][Math]::Floor(($k + 0.5) * $testRows.Count / 6)]
    Copy-Item -LiteralPath $files[$row] -Destination (Join-Path $wavOut ('{0:d4}-{1}.wav' -f $row, $plan[$row].Digits))
}

if (-not $KeepWork) { Remove-Item -LiteralPath $WorkFolder -Recurse -Force }
$size = (Get-Item -LiteralPath $npz).Length
Write-Host ("{0}: {1} utterances, {2:n2} MiB; {3}; sample WAVs in {4}; done in {5:n0} s" -f $npz, $n, ($size / 1MB), $json,
    $wavOut, $clock.Elapsed.TotalSeconds)
