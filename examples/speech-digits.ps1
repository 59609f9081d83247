<#
.SYNOPSIS
    The main job: a spoken-digit recognizer that is tested on voices it never heard.
.DESCRIPTION
    Loads PSRnn's embedded dataset (examples/data/speech-digits.npz: 4,320 utterances of "zero" … "nine" by 432
    synthetic speakers — 32 espeak-ng voices (its eight English ones, and 24 other languages' voices reading the English
    words) in 10 accent families, each voice with 10 or 24 of espeak-ng's voice variants, at many speeds, pitches and
    amplitudes, with white, pink, brown, babble or hum noise at 5-40 dB SNR — as 13 MFCCs per 10 ms frame, each
    utterance its own length, zero-padded after the speech; made by tools/make-speech-digits.ps1), and the 5,120
    utterances of its 512 extra training speakers (speech-digits-extra.npz: 16 more voice variants a voice, none a
    speaker of the set), splits by speaker (the 80 test speakers never appear in training), trains

        Masking -> SpecAugment -> Bidirectional GRU(64, return_sequences) -> Bidirectional GRU(64) -> Dense(10, softmax),
        Adam with cosine decay, cross-entropy

    (the masking layer finds the padding, all-zero frames, and the GRUs skip it: each utterance is learnt from its own
    frames, however long; SpecAugment masks bands of coefficients and runs of frames while training only)

    with a progress bar (or, with its output redirected, Keras's line an epoch: loss and accuracy, and on the unseen
    speakers val_loss and val_accuracy), prints the accuracy on the unseen speakers (per digit and per accent family),
    records the features' recipe in the model and reads the 20 sample WAV files through it, and saves the trained model
    (speech-digits.safetensors, with its recipe), a PNG of the training curves (speech-digits-training.png) and one of
    the held-out confusion matrix (speech-digits-confusion.png) and one of the integrated-gradients attributions of a
    held-out utterance over its frames and coefficients (speech-digits-attribution.png) in -OutputFolder.
    About a minute and a half on a 2-core machine. With -LeaveOneAccentOut it then trains once per accent family without that
    family and tests on all of its speakers (about ten times longer; tools/Measure-AccentHoldout.ps1 writes the same
    table to files). The data loading, the splits, the network and train-and-score are in speech-digits.common.ps1,
    which both scripts dot-source.

    Run it after a build with: dotnet pwsh ./examples/speech-digits.ps1   (-Quick for a smoke run of a few seconds:
    every 7th utterance, two epochs; with -LeaveOneAccentOut two families of one epoch)
    To see Import-RnnAudio make the same features from WAV files, try it on the sample files:
        Get-ChildItem examples/data/speech-digits-wav -Recurse -Filter *.wav |
            Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Stack
#>
[CmdletBinding()]
param(
    # Training epochs (24, as speech-digits.common.ps1's $SpeechDigitsDefaults).
    [ValidateRange(1, 1000)] [int] $Epochs,
    # Samples per batch (64, as $SpeechDigitsDefaults).
    [ValidateRange(1, 4096)] [int] $BatchSize,
    # Where the model and the PNG go (out/speech-digits under the repository by default; created if missing).
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../out/speech-digits'),
    # A smoke run: every 7th utterance and two epochs (and, with -LeaveOneAccentOut, two families of one epoch).
    [switch] $Quick,
    # Also leave one accent family out in turn (train without it, test on all its speakers) and print the table.
    [switch] $LeaveOneAccentOut,
    # Also return the trained model and the held-out data (Model, XTest, YTest, Classes, Score, AccentHoldout), for a session to go on with.
    [switch] $PassThru,
    # The network's seed (its initial weights, shuffles and SpecAugment masks).
    [uint32] $Seed = 42
)
$ErrorActionPreference = 'Stop'
$built = Join-Path $PSScriptRoot '../out/PSRnn/PSRnn.psd1'
# Use the module already loaded (as the smoke tests do), else this checkout's build, else an installed one.
if (-not (Get-Module PSRnn)) { if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module PSRnn } }
. (Join-Path $PSScriptRoot 'speech-digits.common.ps1')         # the dataset, its splits, the network, train-and-score
if (-not $Epochs) { $Epochs = if ($Quick) { 2 } else { $SpeechDigitsDefaults.Epochs } }
if (-not $BatchSize) { $BatchSize = $SpeechDigitsDefaults.BatchSize }
$watch = [Diagnostics.Stopwatch]::StartNew()

# 1. The dataset: float16 features in a deflated npz, and a JSON beside it naming the classes, speakers and accent
#    families. Each row of x is one utterance's frames followed by zero frames up to the longest utterance. Then the
#    extra training speakers' utterances (speech-digits-extra.npz: voice and variant pairs no speaker of the set has).
$dataFolder = Join-Path $PSScriptRoot 'data'
$data = Import-SpeechDigits -Folder $dataFolder
$meta = $data.Meta
$frames = $data.Lengths | Measure-Object -Minimum -Maximum -Average

# 2. Speaker-disjoint split: the test mask comes with the data, so the same voices are always held out (-Quick: every
#    7th utterance, every digit and nearly every speaker still there).
$split = Get-SpeechDigitsSplit $data -Quick:$Quick
$testSpeakers = @($meta.speakers | Where-Object test)
$extraRows = @($split.Train | Where-Object { $data.Extra[$_] }).Count
Write-Host ("{0} utterances of {1} speakers ({2} espeak-ng voices in {3} accent families), + {4:n0} of {5} extra training speakers (tools/make-speech-digits.ps1): {6} to train; {7} to test, by {8} speakers never heard in training" -f
    $meta.counts.utterances, $meta.counts.speakers, $meta.counts.voices, $meta.counts.families, $extraRows, @($meta.extraSpeakers).Count,
    $split.Train.Count, $split.Test.Count, $testSpeakers.Count)
Write-Host ("13 MFCCs per 10 ms frame; utterances of {0}-{1} frames (mean {2:n0}), zero-padded after the speech to {3}" -f
    $frames.Minimum, $frames.Maximum, $frames.Average, $data.X.Shape[1])

# 3-4. The network (New-SpeechDigitsModel in speech-digits.common.ps1), trained validating on the unseen speakers
#    (val_loss, val_accuracy): a progress bar at a terminal, Keras's line an epoch in a log.
Write-Host ("{0}; {1} epochs of batches of {2}, Adam at {3} with cosine decay" -f $SpeechDigitsNetwork, $Epochs, $BatchSize,
    $SpeechDigitsDefaults.LearningRate)
$run = Invoke-SpeechDigitsRun $data $split -Epochs $Epochs -BatchSize $BatchSize -Seed $Seed
$model = $run.Model; $score = $run.Score
Write-Host ("{0:n0} weights" -f $model.ParameterCount)

# 5. The held-out accuracy, per digit (precision, recall, F1) and per accent family too.
Write-Host ("Held-out accuracy (speakers never heard in training): {0:p1} of {1} utterances (loss {2:n4})" -f
    $score.Accuracy, $score.Samples, $score.Loss)
$score.PerClass | Format-Table -AutoSize | Out-String | Write-Host
$run.ByFamily | Select-Object @{ n = 'Family'; e = 'Name' }, Utterances, @{ n = 'Accuracy'; e = { '{0:p1}' -f $_.Accuracy } } |
    Format-Table -AutoSize | Out-String | Write-Host

# 6. The recipe travels with the model: the dataset's features were made by Import-RnnAudio with these settings
#    (tools/make-speech-digits.ps1), so the model records them, and WAV files go to it by path. The sample files are
#    utterances of held-out speakers.
$samples = @(Get-ChildItem -LiteralPath (Join-Path $dataFolder 'speech-digits-wav') -Recurse -Filter *.wav)
$model | Set-RnnAudioRecipe -Dataset ($samples |
    Import-RnnAudio -LabelFrom Directory -TrimSilence 40 -Normalize -Padding Post -Coefficients 13 -Stack)
$byPath = @(Invoke-RnnPrediction -Model $model -LiteralPath $samples.FullName)
$right = @($byPath | Where-Object { $_.Class -eq (Split-Path -Leaf (Split-Path -Parent $_.Path)) }).Count
Write-Host ("The {0} sample WAV files, read through the model's recipe (Invoke-RnnPrediction -Path): {1} of {0} right" -f
    $byPath.Count, $right)

# 7. Save the model (with its recipe), the training curves and the confusion matrix.
$null = New-Item -ItemType Directory -Force -Path $OutputFolder
$modelFile = $model | Export-RnnModel -LiteralPath (Join-Path $OutputFolder 'speech-digits.safetensors') -Force -PassThru
$plotFile = $model | Export-RnnTrainingPlot -LiteralPath (Join-Path $OutputFolder 'speech-digits-training.png') -Force -PassThru
Write-Host "Saved the model to $($modelFile.FullName)"
$matrixFile = $score | Export-RnnConfusionMatrix -LiteralPath (Join-Path $OutputFolder 'speech-digits-confusion.png') -Force -PassThru `
    -Title 'spoken digits, unseen speakers'
Write-Host "Saved the training curves to $($plotFile.FullName)"
Write-Host "Saved the confusion matrix to $($matrixFile.FullName)"

# 7b. Why the model said that: integrated gradients (64 points) of the first held-out utterance, over its frames (seconds,
#     from the recipe's 10 ms hop) and coefficients. The baseline is near-silence that keeps the utterance's mask: 1e-3 in
#     its real frames, 0 in its padding. An all-zero baseline would be padding to the Masking layer, and f would jump
#     between it and the path (completeness would miss by that jump).
$utterance = $run.XTest.Slice('0:1')
$frames = [float[]] $utterance.Data; $coefficients = $utterance.Shape[2]
$quiet = [float[]]::new($frames.Length)
for ($f = 0; $f -lt $frames.Length; $f += $coefficients) {
    $real = $false; for ($c = 0; $c -lt $coefficients; $c++) { if ($frames[$f + $c] -ne 0) { $real = $true; break } }
    if ($real) { for ($c = 0; $c -lt $coefficients; $c++) { $quiet[$f + $c] = 1e-3 } }
}
$baseline = ConvertTo-RnnTensor -InputObject $quiet -Shape $utterance.Shape
$attribution = $model | Measure-RnnAttribution -X $utterance -Method IntegratedGradients -Steps 64 -Baseline $baseline
$heard = $meta.classes[$attribution.Target[0]]
$attributionFile = $attribution | Export-RnnAttributionPlot -LiteralPath (Join-Path $OutputFolder 'speech-digits-attribution.png') -Force -PassThru `
    -FeatureLabel 'MFCC coefficient' -Title ("why '{0}' (p = {1:0.00}): integrated gradients of a held-out utterance" -f $heard, $attribution.Output[0])
Write-Host ("Saved the attributions of a held-out '{0}' to {1} (completeness error {2:0.0e+0})" -f $heard, $attributionFile.FullName,
    $attribution.ConvergenceDelta[0])

# 8. Optionally, leave one accent family out: train without it, test on all its speakers (tools/Measure-AccentHoldout.ps1
#    makes the full table; -Quick: two families, every 7th utterance, one epoch).
$accentRows = $null
if ($LeaveOneAccentOut) {
    $families = if ($Quick) { @($meta.families[0], $meta.families[-1]) } else { @($meta.families) }
    Write-Host ("Leave one accent family out: {0} trainings of {1} epochs" -f $families.Count, ($Quick ? 1 : $Epochs))
    $accentRows = @(Invoke-SpeechDigitsAccentHoldout $data -Family $families -Quick:$Quick -Epochs ($Quick ? 1 : $Epochs) -BatchSize $BatchSize -Seed $Seed)
    Format-SpeechDigitsAccentTable $accentRows | Write-Host
}
Write-Host ("done in {0:n0} s" -f $watch.Elapsed.TotalSeconds)
if ($PassThru) {
    [pscustomobject]@{ Model = $model; XTest = $run.XTest; YTest = $run.YTest; Classes = $meta.classes; Score = $score; AccentHoldout = $accentRows }
}
